import type { DeploymentTarget } from '../mil/ir.js';
import { actionOption, inputDefaults, requiredActionOption, type InputSource } from '../options/action.js';
import type { CommentMode, Mode, ModelFormat } from '../options/definitions.js';
import type { GateSettings } from '../report/schema.js';

/**
 * The action's inputs, read through `@actions/core` getInput and validated
 * once, so every later step works with typed values. Names,
 * defaults and rules come from the option table in src/options/, which the
 * command line reads too; each rejection names the input and what it accepts.
 */

export { COMMENT_MODES, FORMATS, MODES, type CommentMode, type Mode, type ModelFormat } from '../options/definitions.js';
export type { Env, InputSource } from '../options/action.js';

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

export function parseGates(input: InputSource): GateSettings {
  const gates: GateSettings = { failOnUnsupported: requiredActionOption(input, 'failOnUnsupported') };
  if (actionOption(input, 'allowUnverified') === true) gates.allowUnverified = true;
  const maxAbsError = actionOption(input, 'maxAbsError');
  const minPsnr = actionOption(input, 'minPsnr');
  const maxSizeIncrease = actionOption(input, 'maxSizeIncrease');
  if (maxAbsError !== undefined) gates.maxAbsError = maxAbsError;
  if (minPsnr !== undefined) gates.minPsnr = minPsnr;
  if (maxSizeIncrease !== undefined) gates.maxSizeIncrease = maxSizeIncrease;
  return gates;
}

export function parseInputs(input: InputSource): ActionInputs {
  return {
    models: requiredActionOption(input, 'models'),
    format: requiredActionOption(input, 'format'),
    target: requiredActionOption(input, 'target'),
    variants: requiredActionOption(input, 'variants'),
    gates: parseGates(input),
    comment: requiredActionOption(input, 'comment'),
    commentAuthor: actionOption(input, 'commentAuthor'),
    mode: requiredActionOption(input, 'mode'),
    // The runner fills the default (the workflow token); without a runner there is none.
    token: input('token'),
    artifactName: requiredActionOption(input, 'artifactName'),
    timeoutMinutes: requiredActionOption(input, 'timeoutMinutes'),
    jobs: actionOption(input, 'jobs'),
    memoryBudgetMb: actionOption(input, 'memoryBudget'),
    requestTimeoutSeconds: requiredActionOption(input, 'requestTimeoutSeconds'),
    reportDir: requiredActionOption(input, 'reportDir'),
    tag: actionOption(input, 'tag'),
    reportsPath: actionOption(input, 'reportsPath'),
    runId: actionOption(input, 'runId'),
    config: actionOption(input, 'config'),
  };
}

/** The run's parallelism settings from the inputs, as runModels takes them (absent: its defaults). */
export function parallelRunOptions(inputs: Pick<ActionInputs, 'jobs' | 'memoryBudgetMb'>): { jobs?: number; memoryBudgetBytes?: number } {
  return {
    ...(inputs.jobs === undefined ? {} : { jobs: inputs.jobs }),
    ...(inputs.memoryBudgetMb === undefined ? {} : { memoryBudgetBytes: inputs.memoryBudgetMb * 1e6 }),
  };
}
