import { loadSettingsFile } from '../options/settings-file.js';
import { parallelRunOptions } from './inputs.js';
import { join, resolve } from 'node:path';
import type { RunReport } from '../report/schema.js';
import { modelSlug } from '../run/files.js';
import { findModelsInCheckout } from './checkout-models.js';
import type { ActionContext, ReleaseInfo } from './context.js';
import { deliverReport } from './deliver.js';
import { ActionError } from './errors.js';
import { findLfsPointers, lfsPointerMessage } from './lfs.js';
import { shown } from './log.js';
import { describeRequestError, type GitHubApi } from './octokit.js';
import { assetName, publishReleaseAssets, sha256Sums, zipPackages, type ReleaseAsset } from './release-assets.js';
import { emptyReport, writeReportFiles } from '../report/files.js';
import { erroredModel, withExtraModels } from './report-files.js';
import type { ActionSession, ModeOutcome } from './session.js';

/**
 * Mode `release`: every matching model in the checkout is converted and
 * attached to the release as one zip per model plus SHA256SUMS. Runs on a
 * `release` event, or with the `tag` input (or a tag push) for an existing
 * release.
 */

function tagOf(session: ActionSession): string | undefined {
  const ref = session.ctx.ref;
  return session.inputs.tag ?? (ref.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : undefined);
}

async function releaseByTag(api: GitHubApi, ctx: ActionContext, tag: string): Promise<ReleaseInfo> {
  try {
    const { data } = await api.rest.repos.getReleaseByTag({ owner: ctx.owner, repo: ctx.repo, tag });
    return { id: data.id, tag, uploadUrl: data.upload_url };
  } catch (err) {
    throw new ActionError('GITHUB_API', `finding the release for tag ${shown(tag)} failed: ${describeRequestError(err)} (create the release first, or run on a release event)`, { cause: err });
  }
}

async function findRelease(session: ActionSession): Promise<ReleaseInfo> {
  if (session.ctx.release) return session.ctx.release;
  const tag = tagOf(session);
  if (!tag) throw new ActionError('EVENT', 'mode release needs a release event, a tag push, or the `tag` input');
  return releaseByTag(session.api, session.ctx, tag);
}

/** One zip per converted model, named after the model's path. */
async function modelAssets(report: RunReport, outDir: string): Promise<ReleaseAsset[]> {
  const assets: ReleaseAsset[] = [];
  for (const model of report.models) {
    const packages = model.variants.flatMap((v) => (v.package ? [join(outDir, v.package)] : []));
    if (packages.length === 0) continue;
    assets.push({ name: `${assetName(modelSlug(model.path))}.mlpackage.zip`, bytes: await zipPackages(packages), contentType: 'application/zip' });
  }
  return assets;
}

export async function runReleaseMode(session: ActionSession): Promise<ModeOutcome> {
  const { inputs, log } = session;
  const release = await findRelease(session);
  const models = await findModelsInCheckout(session.cwd, inputs.models);
  log.info(`release ${shown(release.tag)}: ${models.length} model(s)`);
  const pointers = await findLfsPointers(models, session.cwd);
  const pointerPaths = new Set(pointers.map((p) => p.path));
  const runnable = models.filter((m) => !pointerPaths.has(m));
  const outDir = resolve(session.cwd, inputs.reportDir);
  let report = emptyReport(inputs.variants, inputs.gates, session.version);
  if (runnable.length > 0) {
    // A mistake in the settings file stops the run here, before any model runs.
    const settings = await loadSettingsFile(session.cwd, inputs.config);
    const runModels = await session.runModels();
    report = await runModels({ ...(settings === undefined ? {} : { settings }), models: runnable, outDir, variants: inputs.variants, target: inputs.target, gates: inputs.gates, cwd: session.cwd, onProgress: (m) => log.info(shown(m)), timeoutSecondsPerModel: inputs.timeoutMinutes * 60, ...parallelRunOptions(inputs) });
  }
  report = withExtraModels(report, pointers.map((p) => erroredModel(p.path, 'LFS_POINTER', lfsPointerMessage(p))), pointers.map((p) => `${p.path}: Git LFS pointer, not a model`));
  const written = await writeReportFiles(outDir, report);

  const zips = await modelAssets(report, outDir);
  const assets = zips.length > 0 ? [...zips, sha256Sums(zips)] : [];
  const target = { api: session.api, owner: session.ctx.owner, repo: session.ctx.repo, releaseId: release.id, uploadUrl: release.uploadUrl, log: (m: string) => log.info(m) };
  const published = await publishReleaseAssets(target, assets);
  log.info(`release assets: ${published.map(shown).join(', ') || 'none'}`);

  const delivery = await deliverReport(
    { ctx: session.ctx, api: session.api, log, artifacts: session.artifacts, artifactName: inputs.artifactName, comment: 'off', pullNumber: undefined, reportDir: outDir, written, models },
    report,
  );
  return { passed: delivery.passed, reportPath: written.path, models };
}
