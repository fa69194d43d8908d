import { resolve } from 'node:path';
import { ActionError } from './errors.js';
import { listChangedModels } from './changed-files.js';
import { ensureCommit } from './git.js';
import { deliverReport } from './deliver.js';
import { findLfsPointers, lfsPointerMessage } from './lfs.js';
import { shown } from './log.js';
import { emptyReport, erroredModel, withExtraModels, withNotes, writeReportFile } from './report-files.js';
import type { ActionSession, ModeOutcome } from './session.js';
import type { RunReport } from '../report/schema.js';

/**
 * Mode `pr`: the models the pull request adds or changes, converted and
 * checked against their base-branch versions, reported in one sticky comment.
 */

export async function runPullRequestMode(session: ActionSession): Promise<ModeOutcome> {
  const { ctx, inputs, log } = session;
  const pr = ctx.pullRequest;
  if (!pr) {
    throw new ActionError('EVENT', `mode pr needs a pull_request event (this is "${shown(ctx.eventName)}"); use mode release, plan or aggregate for other events`);
  }
  const changed = await listChangedModels({
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
  log.info(`${changed.paths.length} changed model(s) match ${inputs.models.map(shown).join(', ')} (listed from ${changed.source})`);
  for (const path of changed.removed) log.info(`removed in this PR, not converted: ${shown(path)}`);

  const pointers = await findLfsPointers(changed.paths, session.cwd);
  for (const p of pointers) log.warning(`${shown(p.path)}: ${lfsPointerMessage(p)}`);
  const pointerPaths = new Set(pointers.map((p) => p.path));
  const runnable = changed.paths.filter((p) => !pointerPaths.has(p));

  const outDir = resolve(session.cwd, inputs.reportDir);
  let report: RunReport = emptyReport(inputs.variants, inputs.gates, session.version);
  if (runnable.length > 0) {
    if (!(await ensureCommit(session.git, session.cwd, pr.baseSha))) {
      log.warning(`the base commit ${shown(pr.baseSha)} could not be fetched; there will be no comparison with the base branch`);
    }
    const runModels = await session.runModels();
    report = await runModels({
      models: runnable,
      outDir,
      variants: inputs.variants,
      target: inputs.target,
      baseRef: pr.baseSha,
      cwd: session.cwd,
      gates: inputs.gates,
      onProgress: (m) => log.info(m),
      timeoutSecondsPerModel: inputs.timeoutMinutes * 60,
    });
  }
  report = withExtraModels(
    report,
    pointers.map((p) => erroredModel(p.path, 'LFS_POINTER', lfsPointerMessage(p))),
    pointers.map((p) => `${p.path}: Git LFS pointer, not a model`),
  );
  const removedNote = changed.removed.length > 0 ? [`Removed in this pull request (not converted): ${changed.removed.join(', ')}.`] : [];
  const noneNote = changed.paths.length === 0 ? [`No changed file matches ${inputs.models.join(', ')}.`] : [];
  report = withNotes(report, [...changed.notes, ...removedNote, ...noneNote]);
  const reportPath = await writeReportFile(outDir, report);

  const delivery = await deliverReport(
    {
      env: session.env,
      ctx,
      api: session.api,
      log,
      artifacts: session.artifacts,
      artifactName: inputs.artifactName,
      // Nothing to say on a PR that touches no model: do not add a comment to it.
      comment: changed.paths.length === 0 && changed.removed.length === 0 ? 'off' : inputs.comment,
      pullNumber: pr.number,
      reportDir: outDir,
      reportPath,
      models: changed.paths,
      headSha: pr.headSha,
      baseSha: pr.baseSha,
    },
    report,
  );
  return { passed: delivery.passed, reportPath, models: changed.paths };
}
