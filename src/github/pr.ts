import { loadSettingsFile } from '../options/settings-file.js';
import { resolve } from 'node:path';
import type { RunReport } from '../report/schema.js';
import { listChangedModels, type ChangedModels } from './changed-files.js';
import { parallelRunOptions, type CommentMode } from './inputs.js';
import { deliverReport } from './deliver.js';
import { ActionError } from './errors.js';
import { ensureCommit } from './git.js';
import { findLfsPointers, lfsPointerMessage, type LfsPointer } from './lfs.js';
import { shown } from './log.js';
import { emptyReport, writeReportFiles } from '../report/files.js';
import { erroredModel, withExtraModels, withNotes } from './report-files.js';
import type { ActionSession, ModeOutcome } from './session.js';

/**
 * Mode `pr`: the models the pull request adds or changes, converted and
 * checked against their base-branch versions, reported in one sticky comment.
 */

type PullRequest = NonNullable<ActionSession['ctx']['pullRequest']>;

function requirePullRequest(session: ActionSession): PullRequest {
  const pr = session.ctx.pullRequest;
  if (pr) return pr;
  throw new ActionError('EVENT', `mode pr needs a pull_request event (this is "${shown(session.ctx.eventName)}"); use mode release, plan or aggregate for other events`);
}

export function changedModelsOf(session: ActionSession, pr: PullRequest): Promise<ChangedModels> {
  const { ctx, inputs, log } = session;
  return listChangedModels({
    api: session.api,
    git: session.git,
    owner: ctx.owner,
    repo: ctx.repo,
    pullNumber: pr.number,
    baseSha: pr.baseSha,
    headSha: pr.headSha,
    changedFiles: pr.changedFiles,
    patterns: inputs.models,
    cwd: session.cwd,
    log: (m) => log.info(m),
  });
}

/** Runs the converter on the models that are real files; LFS pointers are reported without running. */
async function runChangedModels(session: ActionSession, pr: PullRequest, paths: string[], pointers: LfsPointer[], outDir: string): Promise<RunReport> {
  const { inputs, log } = session;
  const pointerPaths = new Set(pointers.map((p) => p.path));
  const runnable = paths.filter((p) => !pointerPaths.has(p));
  let report: RunReport = emptyReport(inputs.variants, inputs.gates, session.version);
  if (runnable.length > 0) {
    if (!(await ensureCommit(session.git, session.cwd, pr.baseSha))) {
      log.warning(`the base commit ${shown(pr.baseSha)} could not be fetched; there will be no comparison with the base branch`);
    }
    // A mistake in the settings file stops the run here, before any model runs.
    const settings = await loadSettingsFile(session.cwd, inputs.config);
    const runModels = await session.runModels();
    report = await runModels({
      ...(settings === undefined ? {} : { settings }),
      models: runnable,
      outDir,
      variants: inputs.variants,
      target: inputs.target,
      baseRef: pr.baseSha,
      cwd: session.cwd,
      gates: inputs.gates,
      // Progress lines quote model paths, which the PR controls.
      onProgress: (m) => log.info(shown(m)),
      timeoutSecondsPerModel: inputs.timeoutMinutes * 60,
      ...parallelRunOptions(inputs),
    });
  }
  return withExtraModels(
    report,
    pointers.map((p) => erroredModel(p.path, 'LFS_POINTER', lfsPointerMessage(p))),
    pointers.map((p) => `${p.path}: Git LFS pointer, not a model`),
  );
}

function changeNotes(changed: ChangedModels, patterns: readonly string[]): string[] {
  const removed = changed.removed.length > 0 ? [`Removed in this pull request (not converted): ${changed.removed.join(', ')}.`] : [];
  const none = changed.paths.length === 0 ? [`No changed file matches ${patterns.join(', ')}.`] : [];
  return [...changed.notes, ...removed, ...none];
}

/** A PR that touches no model gets no new comment, but an earlier one is brought up to date. */
function commentPolicy(changed: ChangedModels, requested: CommentMode): CommentMode | 'update-only' {
  const touchesModels = changed.paths.length > 0 || changed.removed.length > 0;
  return requested === 'off' || touchesModels ? requested : 'update-only';
}

export async function runPullRequestMode(session: ActionSession): Promise<ModeOutcome> {
  const { ctx, inputs, log } = session;
  const pr = requirePullRequest(session);
  const changed = await changedModelsOf(session, pr);
  log.info(`${changed.paths.length} changed model(s) match ${inputs.models.map(shown).join(', ')} (listed from ${changed.source})`);
  for (const path of changed.removed) log.info(`removed in this PR, not converted: ${shown(path)}`);
  const pointers = await findLfsPointers(changed.paths, session.cwd);
  for (const p of pointers) log.warning(`${shown(p.path)}: ${lfsPointerMessage(p)}`);

  const outDir = resolve(session.cwd, inputs.reportDir);
  const report = withNotes(await runChangedModels(session, pr, changed.paths, pointers, outDir), changeNotes(changed, inputs.models));
  const written = await writeReportFiles(outDir, report, { headSha: pr.headSha, baseSha: pr.baseSha });
  const delivery = await deliverReport(
    {
      ctx,
      api: session.api,
      log,
      artifacts: session.artifacts,
      artifactName: inputs.artifactName,
      comment: commentPolicy(changed, inputs.comment),
      commentAuthor: inputs.commentAuthor,
      pullNumber: pr.number,
      reportDir: outDir,
      written,
      models: changed.paths,
    },
    report,
  );
  return { passed: delivery.passed, reportPath: written.path, models: changed.paths };
}
