import { DEPLOYMENT_TARGETS, type DeploymentTarget } from '../mil/ir.js';
import { findVariant, variantNames } from '../compress/variants.js';
import { ToolError } from '../errors.js';
import type { GateSettings } from '../report/schema.js';

/**
 * The action's inputs, read from the INPUT_* variables the runner sets and
 * validated once, so every later step works with typed values. Each rejection
 * names the input and lists what it accepts.
 */

export const MODES = ['pr', 'release', 'plan', 'aggregate'] as const;
export type Mode = (typeof MODES)[number];

export const COMMENT_MODES = ['sticky', 'off'] as const;
export type CommentMode = (typeof COMMENT_MODES)[number];

export const FORMATS = ['mlprogram', 'neuralnetwork'] as const;
export type ModelFormat = (typeof FORMATS)[number];

export interface ActionInputs {
  /** Glob patterns (newline- or comma-separated in the input). */
  models: string[];
  format: ModelFormat;
  target: DeploymentTarget;
  variants: string[];
  gates: GateSettings;
  comment: CommentMode;
  /**
   * The login the sticky comment is posted under (`my-app[bot]` for a GitHub App token);
   * undefined: detected from the token (GET /user, else github-actions[bot]).
   */
  commentAuthor: string | undefined;
  mode: Mode;
  token: string;
  artifactName: string;
  timeoutMinutes: number;
  /** Abort any single GitHub API request after this many seconds. */
  requestTimeoutSeconds: number;
  reportDir: string;
  /** Release tag for mode `release` outside a release event. */
  tag: string | undefined;
  /** Folder of report.json files for mode `aggregate`, instead of downloading artifacts. */
  reportsPath: string | undefined;
  /** Workflow run whose artifacts mode `aggregate` downloads; defaults to the triggering run. */
  runId: number | undefined;
}

/** Defaults mirror action.yml so the CLI-less path (tests, local runs) behaves the same. */
export const INPUT_DEFAULTS = {
  models: '**/*.onnx',
  format: 'mlprogram',
  'deployment-target': 'iOS15',
  variants: 'fp32,fp16',
  'fail-on-unsupported': 'true',
  comment: 'sticky',
  mode: 'pr',
  'artifact-name': 'coreml-report',
  'timeout-minutes': '10',
  'request-timeout-seconds': '30',
  'report-dir': 'coreml-report',
} as const satisfies Record<string, string>;

export type Env = Readonly<Record<string, string | undefined>>;

/** Reads one input the way the runner passes it: INPUT_<NAME uppercased, spaces as underscores>. */
export function readInput(env: Env, name: string): string {
  const value = env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '';
  return value.trim();
}

function inputOrDefault(env: Env, name: keyof typeof INPUT_DEFAULTS): string {
  return readInput(env, name) || INPUT_DEFAULTS[name];
}

function usage(name: string, message: string): ToolError {
  return new ToolError('USAGE', `input \`${name}\`: ${message}`);
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (found === undefined) throw usage(name, `"${value}" is not one of ${allowed.join(', ')}`);
  return found;
}

function splitList(value: string): string[] {
  return value
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function optionalNumber(env: Env, name: string, check: (n: number) => boolean, rule: string): number | undefined {
  const raw = readInput(env, name);
  if (raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || !check(n)) throw usage(name, `"${raw}" is not ${rule}`);
  return n;
}

function booleanInput(env: Env, name: keyof typeof INPUT_DEFAULTS): boolean {
  const raw = inputOrDefault(env, name).toLowerCase();
  if (['true', 'yes', '1', 'on'].includes(raw)) return true;
  if (['false', 'no', '0', 'off'].includes(raw)) return false;
  throw usage(name, `"${raw}" is not true or false`);
}

function parseVariants(raw: string): string[] {
  const names = [...new Set(splitList(raw))];
  if (names.length === 0) throw usage('variants', 'at least one variant is needed');
  const unknown = names.filter((n) => findVariant(n) === undefined);
  if (unknown.length > 0) throw usage('variants', `unknown ${unknown.join(', ')}; known variants: ${variantNames().join(', ')}`);
  return names;
}

function parseFormat(env: Env): ModelFormat {
  const format = oneOf('format', inputOrDefault(env, 'format'), FORMATS);
  if (format === 'neuralnetwork') {
    throw usage('format', 'neuralnetwork (.mlmodel) output is not implemented yet; use mlprogram (.mlpackage, iOS15 and later)');
  }
  return format;
}

/** A GitHub login: letters, digits and inner hyphens, with `[bot]` after an app's slug. */
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\[bot\])?$/;

function parseCommentAuthor(env: Env): string | undefined {
  const login = readInput(env, 'comment-author');
  if (login === '') return undefined;
  if (!LOGIN.test(login)) throw usage('comment-author', `"${login}" is not a GitHub login (an app posts as its-slug[bot])`);
  return login;
}

export function parseGates(env: Env): GateSettings {
  const gates: GateSettings = { failOnUnsupported: booleanInput(env, 'fail-on-unsupported') };
  const maxAbsError = optionalNumber(env, 'max-abs-error', (n) => n >= 0, 'a number ≥ 0');
  const minPsnr = optionalNumber(env, 'min-psnr', () => true, 'a number of dB');
  const maxSizeIncrease = optionalNumber(env, 'max-size-increase', () => true, 'a percentage');
  if (maxAbsError !== undefined) gates.maxAbsError = maxAbsError;
  if (minPsnr !== undefined) gates.minPsnr = minPsnr;
  if (maxSizeIncrease !== undefined) gates.maxSizeIncrease = maxSizeIncrease;
  return gates;
}

export function parseInputs(env: Env): ActionInputs {
  const models = splitList(inputOrDefault(env, 'models'));
  if (models.length === 0) throw usage('models', 'at least one glob is needed');
  const timeoutMinutes = Number(inputOrDefault(env, 'timeout-minutes'));
  if (!Number.isFinite(timeoutMinutes) || timeoutMinutes <= 0) throw usage('timeout-minutes', 'must be a positive number of minutes');
  const requestTimeoutSeconds = Number(inputOrDefault(env, 'request-timeout-seconds'));
  if (!Number.isFinite(requestTimeoutSeconds) || requestTimeoutSeconds <= 0) throw usage('request-timeout-seconds', 'must be a positive number of seconds');
  const runId = optionalNumber(env, 'run-id', (n) => Number.isInteger(n) && n > 0, 'a workflow run id');
  return {
    models,
    format: parseFormat(env),
    target: oneOf('deployment-target', inputOrDefault(env, 'deployment-target'), DEPLOYMENT_TARGETS),
    variants: parseVariants(inputOrDefault(env, 'variants')),
    gates: parseGates(env),
    comment: oneOf('comment', inputOrDefault(env, 'comment'), COMMENT_MODES),
    commentAuthor: parseCommentAuthor(env),
    mode: oneOf('mode', inputOrDefault(env, 'mode'), MODES),
    token: readInput(env, 'token'),
    artifactName: inputOrDefault(env, 'artifact-name'),
    timeoutMinutes,
    requestTimeoutSeconds,
    reportDir: inputOrDefault(env, 'report-dir'),
    tag: readInput(env, 'tag') || undefined,
    reportsPath: readInput(env, 'reports-path') || undefined,
    runId,
  };
}
