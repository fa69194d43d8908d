import { FP32_OP_BUDGET, findVariant, variantNames } from '../compress/variants.js';
import { DEPLOYMENT_TARGETS } from '../mil/ir.js';
import { compressionVariantNames } from '../run/build.js';
import { DEFAULT_MAX_DETECTIONS, INTERFACE_OPTIONS, SETTINGS_FILE_OPTIONS } from './interface.js';
import { booleanRule, choiceRule, numberRule, problem, splitList, textRule, type OptionSpec } from './spec.js';

/**
 * Every option of the command line and every input of the action, in one
 * table: name(s), parser with its rule, default and help. The CLI parser, the
 * action's input reading, the CLI help, action.yml and the README's input table
 * are all read from here (see scripts/gen-options-doc.ts and the test that the
 * committed files match it). An option both sides have is parsed by the same
 * rule, so `--max-abs-error 0` and `max-abs-error: 0` mean the same thing.
 */

export const MODES = ['pr', 'release', 'plan', 'aggregate'] as const;
export type Mode = (typeof MODES)[number];

export const COMMENT_MODES = ['sticky', 'off'] as const;
export type CommentMode = (typeof COMMENT_MODES)[number];

export const FORMATS = ['mlprogram', 'neuralnetwork'] as const;
export type ModelFormat = (typeof FORMATS)[number];

export const PRECISIONS = ['fp16', 'fp32', 'auto'] as const;

export const DEFAULT_VARIANTS = 'fp32,fp16';

function parseVariantList(raw: string): string[] {
  const names = splitList(raw);
  if (names.length === 0) problem('needs at least one variant');
  const unknown = names.filter((n) => findVariant(n) === undefined);
  if (unknown.length > 0) problem(`unknown variant ${unknown.map((u) => `'${u}'`).join(', ')}; known variants: ${variantNames().join(', ')}`);
  return names;
}

function parseGlobs(raw: string): string[] {
  const globs = splitList(raw);
  if (globs.length === 0) problem('at least one glob is needed');
  return globs;
}

function parseFormat(raw: string): ModelFormat {
  const format = choiceRule(FORMATS)(raw);
  if (format === 'neuralnetwork') problem('neuralnetwork (.mlmodel) output is not implemented yet; use mlprogram (.mlpackage, iOS15 and later)');
  return format;
}

/** A GitHub login: letters, digits and inner hyphens, with `[bot]` after an app's slug. */
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\[bot\])?$/;

function parseLogin(raw: string): string {
  if (!LOGIN.test(raw)) problem(`"${raw}" is not a GitHub login (an app posts as its-slug[bot])`);
  return raw;
}

/** Help text broken into lines that fit beside the flag column of an 80-column terminal. */
function wrapWords(text: string, width = 56): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last]!.length + 1 + word.length <= width) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines;
}

const flagSwitch = (flag: string, help: string, short?: string): OptionSpec<boolean> => ({
  flag, type: 'flag', parse: () => true, cliHelp: [help], ...(short === undefined ? {} : { short }),
});

/** Options both the CLI (`report`) and the action have, and the action's own inputs. */
export const OPTIONS = {
  models: {
    input: 'models', type: 'string', parse: parseGlobs, default: '**/*.onnx',
    description: 'globs (one per line or comma-separated; dot folders included) selecting ONNX files; exact paths work too. In mode `pr` only files the PR adds, modifies, renames (new path) or copies count; removed files are listed, not converted',
  },
  format: {
    input: 'format', type: 'string', parse: parseFormat, default: 'mlprogram',
    description: '`mlprogram` (`.mlpackage`). `neuralnetwork` is not implemented and fails with a message',
  },
  target: {
    flag: 'target', input: 'deployment-target', type: 'string', parse: choiceRule(DEPLOYMENT_TARGETS), default: 'iOS15', metavar: 'TARGET',
    cliHelp: [`minimum deployment target: ${DEPLOYMENT_TARGETS.join(', ')}`, '(default: iOS15, the widest reach; raised, with a warning,', 'for a variant whose compression needs a newer one)'],
    description: `minimum deployment target: ${DEPLOYMENT_TARGETS.map((t) => `\`${t}\``).join(', ')}; a variant that needs newer ops raises it for itself`,
  },
  variants: {
    flag: 'variants', input: 'variants', type: 'string', parse: parseVariantList, default: DEFAULT_VARIANTS, metavar: 'LIST',
    cliHelp: wrapWords(`comma-separated, from: ${variantNames().join(', ')} (default: ${DEFAULT_VARIANTS})`),
    description: `comma list from ${variantNames().map((v) => `\`${v}\``).join(', ')}`,
  },
  maxAbsError: {
    flag: 'max-abs-error', input: 'max-abs-error', type: 'string', parse: numberRule((x) => x >= 0, 'a number ≥ 0'), metavar: 'X',
    cliHelp: ['gate for fp32 variants: max |Core ML − reference| (default:', '1e-4 + 1e-3·|reference| per element)'],
    description: "fail when an fp32 variant's output has a max absolute error above this; empty means the per-variant default gate only",
  },
  minPsnr: {
    flag: 'min-psnr', input: 'min-psnr', type: 'string', parse: numberRule(() => true, 'a number of dB'), metavar: 'DB',
    cliHelp: ['gate for fp16 and compressed variants (default: 40 dB fp16,', '30 dB 8-bit, 20 dB 4-bit and below, pruned)'],
    description: "fail when an output's PSNR is below this many dB; empty means the per-variant default gate only",
  },
  maxSizeIncrease: {
    flag: 'max-size-increase', input: 'max-size-increase', type: 'string', parse: numberRule((x) => x >= 0, 'a percentage ≥ 0'), metavar: 'PCT',
    cliHelp: ['fail when a package grows more than PCT% vs --base-ref'],
    description: 'fail when a package grows by more than this percentage against the base branch; empty means no size gate',
  },
  failOnUnsupported: {
    flag: 'fail-on-unsupported', input: 'fail-on-unsupported', type: 'string', parse: booleanRule, default: 'true', metavar: 'BOOL',
    cliHelp: ['fail when a model has unsupported ops: true or false', '(default: true)'],
    description: 'fail when a model has ops that cannot be converted (`true` or `false`)',
  },
  allowUnverified: {
    flag: 'allow-unverified', input: 'allow-unverified', type: 'flag', parse: booleanRule, default: 'false',
    cliHelp: ['pass a model that could not be verified (no reference', 'outputs: no test data and onnxruntime cannot run it)'],
    description: 'pass a model that was converted but could not be verified (no test data beside it and onnxruntime cannot run it); by default such a model fails the step (`true` or `false`)',
  },
  comment: {
    input: 'comment', type: 'string', parse: choiceRule(COMMENT_MODES), default: 'sticky',
    description: '`sticky`: one comment per PR, edited in place; `off`: no comment',
  },
  commentAuthor: {
    input: 'comment-author', type: 'string', parse: parseLogin, defaultLabel: '(detected)',
    description: 'login the comment is posted under, used to find it again: set it to `your-app[bot]` when `token` is a GitHub App token, whose login `GET /user` cannot tell; by default the token\'s own login, else `github-actions[bot]`',
  },
  mode: {
    input: 'mode', type: 'string', parse: choiceRule(MODES), default: 'pr',
    description: '`pr`, `release`, `plan` or `aggregate` (below)',
  },
  token: {
    input: 'token', type: 'string', parse: textRule, default: '${{ github.token }}',
    description: 'token for the GitHub API; masked in the log. Commenting needs `pull-requests: write`, releases `contents: write`, aggregate `actions: read`',
  },
  artifactName: {
    input: 'artifact-name', type: 'string', parse: textRule, default: 'coreml-report',
    description: 'name of the uploaded artifact; in mode `aggregate`, a glob of the artifact names to read',
  },
  timeoutMinutes: {
    input: 'timeout-minutes', type: 'string', parse: numberRule((x) => x > 0, 'a positive number of minutes'), default: '10',
    description: 'time limit per model (and separately for its base version), in minutes',
  },
  jobs: {
    flag: 'jobs', input: 'jobs', type: 'string', parse: numberRule((x) => Number.isInteger(x) && x >= 1, 'a whole number ≥ 1'), metavar: 'N',
    cliHelp: ['run up to N models and variants at once, each in a', 'worker thread (default: the available cores); 1 runs them', 'in turn. The report is the same for any N'],
    description: 'most models and variants verified at once, each in a worker thread; empty means one per available core. The report does not depend on it',
  },
  memoryBudget: {
    flag: 'memory-budget', input: 'memory-budget', type: 'string', parse: numberRule((x) => x > 0, 'a positive number of megabytes'), metavar: 'MB',
    cliHelp: ['a worker only starts while the planned memory of those', 'running stays within MB megabytes (default: half of', 'the machine\'s memory; one always runs)'],
    description: 'megabytes the workers running at once are planned to use at most: another worker waits while the running ones would exceed it (one always runs); empty means half of the machine\'s memory',
  },
  requestTimeoutSeconds: {
    input: 'request-timeout-seconds', type: 'string', parse: numberRule((x) => x > 0, 'a positive number of seconds'), default: '30',
    description: 'abort one GitHub API request after this many seconds (it is then retried or reported)',
  },
  reportDir: {
    input: 'report-dir', type: 'string', parse: textRule, default: 'coreml-report',
    description: 'folder in the workspace for `report.json`, `comment.md` and the packages',
  },
  tag: {
    input: 'tag', type: 'string', parse: textRule,
    description: 'mode `release` outside a `release` event: the tag of an existing release (a tag push is used when this is empty)',
  },
  reportsPath: {
    input: 'reports-path', type: 'string', parse: textRule,
    description: 'mode `aggregate`: read `report.json` files from this folder instead of downloading artifacts',
  },
  runId: {
    input: 'run-id', type: 'string', parse: numberRule((x) => Number.isInteger(x) && x > 0, 'a workflow run id'),
    description: 'mode `aggregate`: the workflow run whose artifacts to read; default the triggering `workflow_run`, else this run',
  },

  // ---- the command line only ----
  out: { flag: 'out', type: 'string', parse: textRule, metavar: 'DIR', cliHelp: ['output folder (required)'] },
  baseRef: {
    flag: 'base-ref', type: 'string', parse: textRule, metavar: 'REF',
    cliHelp: ['also run each model as it is at git REF and show the', 'differences (a model missing at REF is "new")'],
  },
  timeout: {
    flag: 'timeout', type: 'string', parse: numberRule((x) => x > 0, 'a positive number of seconds'), metavar: 'SECONDS',
    // The action's timeout-minutes default (10): a model that never ends must not hang a local run either.
    default: '600',
    cliHelp: ['time limit per model (default: 600, as the action)'],
  },
  output: {
    flag: 'output', short: 'o', type: 'string', parse: textRule, metavar: 'PATH',
    cliHelp: ['where to write the .mlpackage', '(default: next to the model, MODEL.mlpackage)'],
  },
  precision: {
    flag: 'precision', type: 'string', parse: choiceRule(PRECISIONS), default: 'fp16', metavar: 'PRECISION',
    cliHelp: [
      'compute precision: fp16, fp32, or auto: fp16 with the fewest',
      `ops kept in fp32 that pass the fp16 gate on the reference`,
      `data (test data beside the model, else onnxruntime on`,
      `seeded inputs; at most ${FP32_OP_BUDGET} ops) (default: fp16)`,
    ],
  },
  compress: {
    flag: 'compress', type: 'string', parse: choiceRule(compressionVariantNames()), metavar: 'VARIANT',
    cliHelp: ['compress the weights: int8, int4, palettize1..8 or prune50;', 'raises --target, with a warning, when the variant needs it'],
  },
  freeze: {
    flag: 'freeze', type: 'string', multiple: true, parse: textRule, metavar: 'NAME=VALUE',
    cliHelp: ['fix model input NAME to VALUE (a number or a comma list,', 'typed like the input) before converting; repeatable.', 'Branches (If) decided by it are inlined: --freeze sr=16000'],
  },
  inputShape: {
    flag: 'input-shape', type: 'string', multiple: true, parse: textRule, metavar: 'NAME=SHAPE',
    cliHelp: ['convert input NAME at SHAPE (e.g. 1x3x224x224), replacing', 'its declared shape so the program becomes static; repeatable.', 'Inputs not named that share its symbolic dim names follow.', 'With --range or --enumerate it gives the default shape'],
  },
  range: {
    flag: 'range', type: 'string', multiple: true, parse: textRule, metavar: 'NAME:DIM=MIN..MAX',
    cliHelp: ['keep dim DIM (an index or a symbolic name) of input NAME', 'dynamic, accepting MIN..MAX (default MIN); repeatable.', 'Symbolic dims not given a range or shape get 1..1024'],
  },
  enumerate: {
    flag: 'enumerate', type: 'string', multiple: true, parse: textRule, metavar: 'NAME=SHAPE,SHAPE...',
    cliHelp: ['input NAME accepts exactly these shapes (the first is the', 'default); repeatable. A model cannot mix --range and', '--enumerate, and several enumerated inputs need iOS18'],
  },
  maxDetections: {
    flag: 'max-detections', type: 'string', parse: numberRule((x) => Number.isInteger(x) && x >= 1, 'a whole number ≥ 1'), metavar: 'K',
    cliHelp: [
      'the most detections a model returns: ONNX NonMaxSuppression\'s',
      'selected_indices become K rows, the valid ones first, then rows',
      `of -1; with --nms the NMS outputs' row limit (default ${DEFAULT_MAX_DETECTIONS})`,
    ],
  },
  data: { flag: 'data', type: 'string', parse: textRule, metavar: 'DIR', cliHelp: ['folder holding test_data_set_N/ (input_K.pb, output_K.pb)'] },
  onnx: { flag: 'onnx', type: 'string', parse: textRule, metavar: 'MODEL.onnx', cliHelp: ['compute reference outputs with onnxruntime instead'] },
  json: flagSwitch('json', 'print exactly one JSON object on stdout (messages stay on stderr)'),
  debug: flagSwitch('debug', 'show stack traces for errors'),
  help: flagSwitch('help', 'show this help', 'h'),
  ...INTERFACE_OPTIONS,
  ...SETTINGS_FILE_OPTIONS,
} as const satisfies Record<string, OptionSpec<unknown>>;

export type OptionKey = keyof typeof OPTIONS;

/** The typed value an option's parser returns. */
export type OptionValue<K extends OptionKey> = ReturnType<(typeof OPTIONS)[K]['parse']>;

/** The options the action reads, in action.yml's order. */
export const ACTION_INPUT_KEYS = (Object.keys(OPTIONS) as OptionKey[]).filter((k) => (OPTIONS[k] as OptionSpec<unknown>).input !== undefined);
