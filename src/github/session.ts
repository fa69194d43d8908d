import type { ArtifactUploader } from './artifact.js';
import type { ActionContext } from './context.js';
import type { GitRunner } from './git.js';
import type { ActionInputs, Env } from './inputs.js';
import type { ActionLog } from './log.js';
import type { GitHubApi } from './octokit.js';
import type { RunModels } from './runner.js';

/** Everything one mode handler needs, built once by runAction. */
export interface ActionSession {
  env: Env;
  cwd: string;
  inputs: ActionInputs;
  ctx: ActionContext;
  api: GitHubApi;
  log: ActionLog;
  git: GitRunner;
  artifacts: ArtifactUploader;
  /** Loads the multi-model run on first use (plan and aggregate never need it). */
  runModels: () => Promise<RunModels>;
  version: string;
}

export interface ModeOutcome {
  /** False when a gate failed or the mode could not do its work. */
  passed: boolean;
  reportPath: string | undefined;
  models: string[];
}
