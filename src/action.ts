import packageJson from '../package.json';
import { ToolError } from './errors.js';
import { runAggregateMode } from './github/aggregate.js';
import { createArtifactUploader, type ArtifactUploader } from './github/artifact.js';
import * as core from '@actions/core';
import { context as actionsContext } from '@actions/github';
import { readActionContext, type ActionContext, type GitHubEventContext } from './github/context.js';
import { ActionError } from './github/errors.js';
import { createGitRunner, type GitRunner } from './github/git.js';
import { parseInputs, type Env, type InputSource, type Mode } from './github/inputs.js';
import { coreLog, type ActionLog } from './github/log.js';
import { createGitHubApi, type GitHubApi, type GitHubApiOptions } from './github/octokit.js';
import { runPlanMode } from './github/plan.js';
import { runPullRequestMode } from './github/pr.js';
import { runReleaseMode } from './github/release.js';
import { loadRunModels, type RunModels } from './github/runner.js';
import { isPoolWorker } from './parallel/worker.js';
import { isProcessEntry } from './process-entry.js';
import type { ActionSession, ModeOutcome } from './github/session.js';

/**
 * The GitHub Action: reads inputs and the event, then hands over to one mode
 * handler. All behaviour lives in src/github/ and src/run/; this file only
 * wires them, so tests can run the whole action with fakes for the network,
 * the artifact service and the converter.
 */

export interface ActionEnvironment {
  env: Env;
  cwd: string;
}

export interface ActionDeps {
  /** The event and repository: @actions/github's `context`. */
  context: GitHubEventContext;
  /** The action's inputs: @actions/core's getInput. */
  input: InputSource;
  runModels: () => Promise<RunModels>;
  octokitFactory: (options: GitHubApiOptions) => GitHubApi;
  log: ActionLog;
  git: GitRunner;
  artifactsFactory: (env: Env, log: ActionLog, ctx: ActionContext) => ArtifactUploader;
}

export interface ActionResult extends ModeOutcome {
  mode: Mode | undefined;
  /** Set when the action could not do its work at all (bad input, no event, API down). */
  error: string | undefined;
}

const MODE_HANDLERS: Readonly<Record<Mode, (session: ActionSession) => Promise<ModeOutcome>>> = {
  pr: runPullRequestMode,
  release: runReleaseMode,
  plan: runPlanMode,
  aggregate: runAggregateMode,
};

/** Error classes whose message is written for users; anything else is a bug and says so. */
function failureMessage(err: unknown): string {
  if (err instanceof ToolError || err instanceof ActionError) return `${err.code}: ${err.message}`;
  return `INTERNAL: ${err instanceof Error ? err.message : String(err)} (this is a bug in onnx-coreml-action; please report it)`;
}

export async function runAction(environment: ActionEnvironment, deps: ActionDeps): Promise<ActionResult> {
  let mode: Mode | undefined;
  try {
    // Mask first: nothing may print the token before the runner knows to hide it.
    const token = deps.input('token');
    if (token) deps.log.setSecret(token);
    const inputs = parseInputs(deps.input);
    mode = inputs.mode;
    const ctx = readActionContext(deps.context, environment.env.GITHUB_WORKSPACE || environment.cwd);
    const api = deps.octokitFactory({ token: inputs.token, baseUrl: ctx.apiUrl, log: deps.log, requestTimeoutMs: inputs.requestTimeoutSeconds * 1000 });
    const session: ActionSession = {
      env: environment.env,
      cwd: environment.cwd,
      inputs,
      ctx,
      api,
      log: deps.log,
      git: deps.git,
      artifacts: deps.artifactsFactory(environment.env, deps.log, ctx),
      runModels: deps.runModels,
      version: packageJson.version,
    };
    const outcome = await MODE_HANDLERS[inputs.mode](session);
    return { ...outcome, mode, error: undefined };
  } catch (err) {
    const message = failureMessage(err);
    deps.log.setFailed(message);
    return { passed: false, reportPath: undefined, models: [], mode, error: message };
  }
}

export function defaultDeps(): ActionDeps {
  return {
    context: actionsContext,
    input: (name) => core.getInput(name),
    runModels: loadRunModels,
    octokitFactory: createGitHubApi,
    log: coreLog(),
    git: createGitRunner(),
    artifactsFactory: (env, log, ctx) => createArtifactUploader(env, log, ctx.runUrl),
  };
}

// A worker thread of the run (see run/parallel.ts) starts from this same bundle: it serves its one task.
if (isPoolWorker()) await (await import('./run/parallel.js')).serveRunTask();

// Only as the process entry (the bundled dist/index.js), not when a test imports this module.
if (isProcessEntry(import.meta.url)) {
  await runAction({ env: process.env, cwd: process.cwd() }, defaultDeps());
}
