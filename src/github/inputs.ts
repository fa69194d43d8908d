import type { DeploymentTarget } from '../mil/ir.js';
import { actionOption, inputDefaults, readInput, requiredActionOption, type Env } from '../options/action.js';
import type { CommentMode, Mode, ModelFormat } from '../options/definitions.js';
import type { GateSettings } from '../report/schema.js';

/**
 * The action's inputs, read from the INPUT_* variables the runner sets and
 * validated once, so every later step works with typed values. Names,
 * defaults and rules come from the option table in src/options/, which the
 * command line reads too; each rejection names the input and what it accepts.
 */

export { COMMENT_MODES, FORMATS, MODES, type CommentMode, type Mode, type ModelFormat } from '../options/definitions.js';
export { readInput, type Env } from '../options/action.js';

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
  /** Most models and variants verified at once; undefined: one per available core. */
  jobs: number | undefined;
  /** Megabytes the running workers are planned to use at most; undefined: half the machine's memory. */
  memoryBudgetMb: number | undefined;
  /** Abort any single GitHub API request after this many seconds. */
  requestTimeoutSeconds: number;
  reportDir: string;
  /** Release tag for mode `release` outside a release event. */
  tag: string | undefined;
  /** Folder of report.json files for mode `aggregate`, instead of downloading artifacts. */
  reportsPath: string | undefined;
  /** Workflow run whose artifacts mode `aggregate` downloads; defaults to the triggering run. */
  runId: number | undefined;
  /** The per-model settings file, when named (else onnx-coreml.yml is read if it exists). */
  config: string | undefined;
}

/** The defaults action.yml declares, so the path without a runner (tests, local runs) behaves the same. */
export const INPUT_DEFAULTS: Readonly<Record<string, string>> = inputDefaults();

export function parseGates(env: Env): GateSettings {
  const gates: GateSettings = { failOnUnsupported: requiredActionOption(env, 'failOnUnsupported') };
  if (actionOption(env, 'allowUnverified') === true) gates.allowUnverified = true;
  const maxAbsError = actionOption(env, 'maxAbsError');
  const minPsnr = actionOption(env, 'minPsnr');
  const maxSizeIncrease = actionOption(env, 'maxSizeIncrease');
  if (maxAbsError !== undefined) gates.maxAbsError = maxAbsError;
  if (minPsnr !== undefined) gates.minPsnr = minPsnr;
  if (maxSizeIncrease !== undefined) gates.maxSizeIncrease = maxSizeIncrease;
  return gates;
}

export function parseInputs(env: Env): ActionInputs {
  return {
    models: requiredActionOption(env, 'models'),
    format: requiredActionOption(env, 'format'),
    target: requiredActionOption(env, 'target'),
    variants: requiredActionOption(env, 'variants'),
    gates: parseGates(env),
    comment: requiredActionOption(env, 'comment'),
    commentAuthor: actionOption(env, 'commentAuthor'),
    mode: requiredActionOption(env, 'mode'),
    // The runner fills the default (the workflow token); without a runner there is none.
    token: readInput(env, 'token'),
    artifactName: requiredActionOption(env, 'artifactName'),
    timeoutMinutes: requiredActionOption(env, 'timeoutMinutes'),
    jobs: actionOption(env, 'jobs'),
    memoryBudgetMb: actionOption(env, 'memoryBudget'),
    requestTimeoutSeconds: requiredActionOption(env, 'requestTimeoutSeconds'),
    reportDir: requiredActionOption(env, 'reportDir'),
    tag: actionOption(env, 'tag'),
    reportsPath: actionOption(env, 'reportsPath'),
    runId: actionOption(env, 'runId'),
    config: actionOption(env, 'config'),
  };
}

/** The run's parallelism settings from the inputs, as runModels takes them (absent: its defaults). */
export function parallelRunOptions(inputs: Pick<ActionInputs, 'jobs' | 'memoryBudgetMb'>): { jobs?: number; memoryBudgetBytes?: number } {
  return {
    ...(inputs.jobs === undefined ? {} : { jobs: inputs.jobs }),
    ...(inputs.memoryBudgetMb === undefined ? {} : { memoryBudgetBytes: inputs.memoryBudgetMb * 1e6 }),
  };
}
