import { findVariant, variantNames } from '../compress/variants.js';
import { ToolError } from '../errors.js';
import { DEPLOYMENT_TARGETS, isDeploymentTarget, type DeploymentTarget } from '../mil/ir.js';
import { ProgressLine } from '../progress.js';
import type { GateSettings, RunReport } from '../report/schema.js';
import { serializeReport } from '../report/schema.js';
import { discoverModels } from '../run/discover.js';
import { COMMENT_FILE, REPORT_FILE } from '../run/files.js';
import type { RunOptions } from '../run/index.js';
import { DEFAULT_TARGET, parseArgsOrUsageError } from './args.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type ExitCode } from './failure.js';
import { LinePrinter, escapeTerminal, type CliIO } from './terminal.js';
import { parseInputShapes } from './shape-args.js';
import { PROGRAM } from './usage.js';

/**
 * `onnx-coreml report PATH... --out DIR`: the action's main job on the command
 * line. Converts every model into every variant, verifies them, optionally
 * compares with a base ref, and writes report.json and comment.md. Exit 0 when
 * every gate passes, 1 when one fails, 2 for usage errors and missing paths.
 */

export const REPORT_COMMAND = 'report';

const DEFAULT_VARIANTS = ['fp32', 'fp16'];

export const REPORT_HELP = [
  `Usage: ${PROGRAM} report PATH... --out DIR [options]`,
  '',
  'Converts each ONNX model (PATH may be a file or a folder searched for *.onnx) into',
  'every variant, verifies each package against the reference outputs (test_data_set_N/',
  'or MODEL.npz beside the model, else onnxruntime on seeded inputs), and writes',
  `DIR/${REPORT_FILE}, DIR/${COMMENT_FILE} and DIR/<model>/<variant>.mlpackage.`,
  'A model that cannot be read or converted is reported; the others still run.',
  '',
  'Options:',
  '  --out DIR                    output folder (required)',
  '  --base-ref REF               also run each model as it is at git REF and show the',
  '                               differences (a model missing at REF is "new")',
  `  --variants LIST              comma-separated, from: ${variantNames().join(', ')}`,
  `                               (default: ${DEFAULT_VARIANTS.join(',')})`,
  `  --target TARGET              ${DEPLOYMENT_TARGETS.join(', ')} (default: ${DEFAULT_TARGET}; raised per`,
  '                               variant when its compression needs a newer target)',
  '  --input-shape NAME=SHAPE     convert and verify input NAME at SHAPE (e.g. 1x3x224x224) in',
  '                               every model that has such an input; repeatable',
  '  --max-abs-error X            gate for fp32 variants: max |Core ML − reference| (default:',
  '                               1e-4 + 1e-3·|reference| per element)',
  '  --min-psnr DB                gate for fp16 and compressed variants (default: 40 dB fp16,',
  '                               30 dB 8-bit, 20 dB 4-bit and below, pruned)',
  '  --max-size-increase PCT      fail when a package grows more than PCT% vs --base-ref',
  '  --fail-on-unsupported BOOL   fail when a model has unsupported ops (default: true)',
  '  --timeout SECONDS            time limit per model (default: none)',
  '  --json                       print the JSON report on stdout',
  '  -h, --help                   show this help',
  '',
  'Exit codes:',
  '  0  every gate passed',
  '  1  a gate failed (accuracy, size, unsupported ops, a conversion error or time-out)',
  '  2  usage error, a PATH that does not exist or holds no .onnx files, or a model file',
  '     that cannot be read (all other models are still run and reported)',
].join('\n');

export interface ReportRequest {
  paths: string[];
  outDir: string;
  baseRef?: string;
  variants: string[];
  target: DeploymentTarget;
  gates: GateSettings;
  timeoutSeconds?: number;
  /** `--input-shape NAME=SHAPE`, by input name. */
  inputShapes?: Record<string, number[]>;
  json: boolean;
}

function usageError(message: string): ToolError {
  return new ToolError('USAGE', `${message} (see '${PROGRAM} ${REPORT_COMMAND} --help')`);
}

const OPTIONS = {
  out: { type: 'string' },
  'base-ref': { type: 'string' },
  variants: { type: 'string' },
  target: { type: 'string' },
  'max-abs-error': { type: 'string' },
  'min-psnr': { type: 'string' },
  'max-size-increase': { type: 'string' },
  'fail-on-unsupported': { type: 'string' },
  timeout: { type: 'string' },
  'input-shape': { type: 'string', multiple: true },
  json: { type: 'boolean' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** A number option: undefined when absent; a usage error unless it is finite and passes `valid`. */
function numberOption(value: string | undefined, name: string, valid: (x: number) => boolean, what: string): number | undefined {
  if (value === undefined) return undefined;
  const x = Number(value);
  if (value.trim() === '' || !Number.isFinite(x) || !valid(x)) throw usageError(`--${name} must be ${what}, got '${value}'`);
  return x;
}

const BOOLEANS: Readonly<Record<string, boolean>> = { true: true, false: false, yes: true, no: false, '1': true, '0': false };

function parseVariantList(value: string | undefined): string[] {
  if (value === undefined) return [...DEFAULT_VARIANTS];
  const names = [...new Set(value.split(',').map((v) => v.trim()).filter((v) => v !== ''))];
  if (names.length === 0) throw usageError('--variants needs at least one variant');
  const unknown = names.filter((n) => findVariant(n) === undefined);
  if (unknown.length > 0) throw usageError(`unknown variant ${unknown.map((u) => `'${u}'`).join(', ')}; known: ${variantNames().join(', ')}`);
  return names;
}

/** Reads the arguments after `report`; `help` when -h/--help is given. */
export function parseReportArgs(args: readonly string[]): ReportRequest | 'help' {
  const { values, positionals } = parseArgsOrUsageError(args, OPTIONS, usageError);
  if (values.help === true) return 'help';
  if (positionals.length === 0) throw usageError('missing PATH (an .onnx file or a folder)');
  if (values.out === undefined || values.out === '') throw usageError('missing --out DIR');
  const target = values.target ?? DEFAULT_TARGET;
  if (!isDeploymentTarget(target)) throw usageError(`--target must be one of ${DEPLOYMENT_TARGETS.join(', ')}, got '${target}'`);
  const failOnUnsupported = BOOLEANS[(values['fail-on-unsupported'] ?? 'true').toLowerCase()];
  if (failOnUnsupported === undefined) throw usageError(`--fail-on-unsupported must be true or false, got '${values['fail-on-unsupported']}'`);
  const gates: GateSettings = { failOnUnsupported };
  const maxAbsError = numberOption(values['max-abs-error'], 'max-abs-error', (x) => x > 0, 'a positive number');
  const minPsnr = numberOption(values['min-psnr'], 'min-psnr', () => true, 'a number of dB');
  const maxSizeIncrease = numberOption(values['max-size-increase'], 'max-size-increase', (x) => x >= 0, 'a percentage ≥ 0');
  const timeoutSeconds = numberOption(values.timeout, 'timeout', (x) => x > 0, 'a positive number of seconds');
  if (maxAbsError !== undefined) gates.maxAbsError = maxAbsError;
  if (minPsnr !== undefined) gates.minPsnr = minPsnr;
  if (maxSizeIncrease !== undefined) gates.maxSizeIncrease = maxSizeIncrease;
  if (maxSizeIncrease !== undefined && values['base-ref'] === undefined) throw usageError('--max-size-increase needs --base-ref to compare with');
  const request: ReportRequest = { paths: positionals, outDir: values.out, variants: parseVariantList(values.variants), target, gates, json: values.json === true };
  if (values['base-ref'] !== undefined) request.baseRef = values['base-ref'];
  if (timeoutSeconds !== undefined) request.timeoutSeconds = timeoutSeconds;
  const inputShapes = parseInputShapes(values['input-shape'], (message) => {
    throw usageError(message);
  });
  if (inputShapes !== undefined) request.inputShapes = inputShapes;
  return request;
}

/** Human-readable summary: one line per model, the failed gates, where the files are. */
export function renderReportSummary(report: RunReport, outDir: string): string[] {
  const lines = report.models.map((m) => {
    const variants = m.variants.map((v) => `${v.name} ${v.status}`).join(', ');
    const detail = m.error ? m.error.message : m.status === 'unsupported' ? `unsupported ops: ${[...new Set(m.unsupported.map((u) => u.op))].join(', ')}` : variants;
    return `${m.status.padEnd(11)} ${m.path}: ${detail}`;
  });
  lines.push(...report.notes);
  if (report.failures.length > 0) lines.push('', 'Failed gates:', ...report.failures.map((f) => `  ${f}`));
  lines.push('', `${report.passed ? 'all gates passed' : 'gates failed'}; report: ${outDir}/${REPORT_FILE}, comment: ${outDir}/${COMMENT_FILE}`);
  return lines;
}

export async function runReportCommand(args: readonly string[], io: CliIO): Promise<ExitCode> {
  const request = parseReportArgs(args);
  if (request === 'help') {
    io.stdout.write(`${REPORT_HELP}\n`);
    return EXIT_OK;
  }
  const models = await discoverModels(request.paths);
  const progress = new ProgressLine(io.stderr, { enabled: io.stderrIsTTY });
  const options: RunOptions = {
    models,
    outDir: request.outDir,
    variants: request.variants,
    target: request.target,
    gates: request.gates,
    onProgress: (message) => progress.update(escapeTerminal(message), 0, 0),
  };
  if (request.baseRef !== undefined) options.baseRef = request.baseRef;
  if (request.timeoutSeconds !== undefined) options.timeoutSecondsPerModel = request.timeoutSeconds;
  if (request.inputShapes !== undefined) options.inputShapes = request.inputShapes;
  let report: RunReport;
  try {
    // Loaded on demand, like verify: the run pulls in the interpreter, which convert and check never need.
    const { runModels } = await import('../run/index.js');
    report = await runModels(options);
  } finally {
    progress.clear();
  }
  if (request.json) io.stdout.write(serializeReport(report));
  else new LinePrinter(io.stdout).lines(renderReportSummary(report, request.outDir));
  return exitCodeOf(report);
}

/** Error codes of model files that cannot be read at all, as opposed to models that fail a check. */
const UNREADABLE_INPUT_CODES = new Set(['FILE_NOT_FOUND', 'FILE_TOO_LARGE', 'TRUNCATED', 'MALFORMED', 'LFS_POINTER', 'EXTERNAL_DATA']);

/** Unreadable input outranks a failed gate, as it does for the single-model commands. */
export function exitCodeOf(report: RunReport): ExitCode {
  if (report.models.some((m) => m.status === 'error' && UNREADABLE_INPUT_CODES.has(m.error?.code ?? ''))) return EXIT_USAGE;
  return report.passed ? EXIT_OK : EXIT_FAILED;
}
