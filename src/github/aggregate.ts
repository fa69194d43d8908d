import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import picomatch from 'picomatch';
import { unzipSync } from 'fflate';
import type { RunReport } from '../report/schema.js';
import { deliverReport } from './deliver.js';
import { ActionError } from './errors.js';
import { shown } from './log.js';
import { collectPages, describeRequestError, type GitHubApi } from './octokit.js';
import { emptyReport, REPORT_FILE, writeReportFiles } from '../report/files.js';
import { withNotes } from './report-files.js';
import { MAX_REPORT_BYTES, parseRunReport } from './report-validate.js';
import type { ActionSession, ModeOutcome } from './session.js';

/**
 * Mode `aggregate`: merges the reports of several jobs (a matrix fan-out) or
 * of another workflow run (the fork-safe `workflow_run` setup) into one report
 * and posts the one sticky comment. It never runs or converts anything from
 * the pull request; it only reads report.json files, checked by schema.
 */

/** Largest artifact zip downloaded. */
const MAX_ARTIFACT_BYTES = 200 * 1024 * 1024;

export interface SourcedReport {
  source: string;
  report: RunReport;
}

export function mergeReports(reports: readonly RunReport[], fallback: RunReport): RunReport {
  if (reports.length === 0) return fallback;
  const byPath = new Map<string, RunReport['models'][number]>();
  for (const r of reports) for (const m of r.models) byPath.set(m.path, m); // a model reported twice: the later job wins
  const unique = <T>(xs: T[]): T[] => [...new Set(xs)];
  const failures = unique(reports.flatMap((r) => r.failures));
  const engines = unique(reports.map((r) => r.engine));
  return {
    ...reports[0]!,
    engine: engines.length === 1 ? engines[0]! : 'reference interpreter',
    variants: unique(reports.flatMap((r) => r.variants)),
    models: [...byPath.values()].sort((a, b) => a.path.localeCompare(b.path)),
    failures,
    passed: reports.every((r) => r.passed) && failures.length === 0,
    notes: unique(reports.flatMap((r) => r.notes)),
  };
}

export async function readReportsFromFolder(dir: string): Promise<SourcedReport[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const files = entries.filter((e) => e.isFile() && e.name === REPORT_FILE).map((e) => join(e.parentPath, e.name)).sort();
  const reports: SourcedReport[] = [];
  for (const file of files) reports.push({ source: file, report: parseRunReport(await readFile(file, 'utf8'), file) });
  return reports;
}

function reportsInZip(bytes: Uint8Array, artifactName: string): SourcedReport[] {
  const files = unzipSync(bytes, { filter: (f) => f.name.split('/').pop() === REPORT_FILE && f.originalSize <= MAX_REPORT_BYTES });
  return Object.entries(files).map(([name, data]) => {
    const source = `artifact ${artifactName}/${name}`;
    return { source, report: parseRunReport(Buffer.from(data).toString('utf8'), source) };
  });
}

/** Artifact lists are ten pages at most: a run with more than 1,000 artifacts is not a report fan-out. */
const MAX_ARTIFACT_PAGES = 10;

export async function downloadRunReports(api: GitHubApi, owner: string, repo: string, runId: number, namePattern: string): Promise<SourcedReport[]> {
  const matches = picomatch(namePattern, { dot: true });
  const pages = api.paginate.iterator(api.rest.actions.listWorkflowRunArtifacts, { owner, repo, run_id: runId, per_page: 100 });
  const artifacts = await collectPages(pages, MAX_ARTIFACT_PAGES);
  const wanted = artifacts.filter((a) => !a.expired && (a.name === namePattern || matches(a.name)));
  const reports: SourcedReport[] = [];
  for (const artifact of wanted) {
    if (artifact.size_in_bytes > MAX_ARTIFACT_BYTES) throw new ActionError('ARTIFACT', `artifact ${artifact.name} is ${artifact.size_in_bytes} bytes, above the ${MAX_ARTIFACT_BYTES}-byte limit`);
    const { data } = await api.rest.actions.downloadArtifact({ owner, repo, artifact_id: artifact.id, archive_format: 'zip' });
    // The endpoint redirects to blob storage; Octokit reads a non-JSON body as an ArrayBuffer.
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : data instanceof Uint8Array ? data : undefined;
    if (!bytes) throw new ActionError('ARTIFACT', `artifact ${artifact.name}: the download was not a zip file`);
    reports.push(...reportsInZip(bytes, artifact.name));
  }
  return reports;
}

/** Open PRs listed when the head commit is not associated with its PR: ten pages of 100. */
const MAX_OPEN_PULL_PAGES = 10;

/**
 * The PR a workflow_run belongs to. GitHub leaves `pull_requests` empty for
 * forks, so the PR is looked up from the run's head commit instead; the
 * artifact is never trusted to say which PR it is about.
 */
export async function pullNumberForRun(api: GitHubApi, owner: string, repo: string, headSha: string): Promise<number | undefined> {
  const isOpenAt = (p: { state: string; head: { sha: string } }) => p.state === 'open' && p.head.sha === headSha;
  const { data } = await api.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: headSha });
  const associated = data.find(isOpenAt);
  if (associated) return associated.number;
  // Commits on a fork's branch are not always associated with the PR; scan the open PRs instead.
  const open = await collectPages(api.paginate.iterator(api.rest.pulls.list, { owner, repo, state: 'open', per_page: 100 }), MAX_OPEN_PULL_PAGES);
  return open.find(isOpenAt)?.number;
}

async function targetPull(session: ActionSession): Promise<number | undefined> {
  const { ctx } = session;
  if (ctx.pullRequest) return ctx.pullRequest.number;
  const run = ctx.workflowRun;
  if (!run) return undefined;
  if (run.pullRequests.length > 0) return run.pullRequests[0];
  try {
    return await pullNumberForRun(session.api, ctx.owner, ctx.repo, run.headSha);
  } catch (err) {
    session.log.warning(`finding the pull request of commit ${shown(run.headSha)} failed: ${describeRequestError(err)}`);
    return undefined;
  }
}

async function collectReports(session: ActionSession): Promise<{ reports: SourcedReport[]; runId: number | undefined }> {
  const { inputs, ctx } = session;
  if (inputs.reportsPath) return { reports: await readReportsFromFolder(resolve(session.cwd, inputs.reportsPath)), runId: undefined };
  const runId = inputs.runId ?? ctx.workflowRun?.id ?? ctx.runId;
  if (runId === undefined) throw new ActionError('EVENT', 'mode aggregate needs `reports-path`, `run-id`, or a workflow_run event to know which reports to read');
  try {
    return { reports: await downloadRunReports(session.api, ctx.owner, ctx.repo, runId, inputs.artifactName), runId };
  } catch (err) {
    if (err instanceof ActionError) throw err;
    throw new ActionError('GITHUB_API', `downloading the artifacts of run ${runId} failed: ${describeRequestError(err)}`, { cause: err });
  }
}

export async function runAggregateMode(session: ActionSession): Promise<ModeOutcome> {
  const { inputs, ctx, log } = session;
  const { reports, runId } = await collectReports(session);
  log.info(`aggregate: ${reports.length} report(s): ${reports.map((r) => shown(r.source)).join(', ')}`);
  const fallback = withNotes(emptyReport(inputs.variants, inputs.gates, session.version), ['No report was found to aggregate.']);
  let report = mergeReports(reports.map((r) => r.report), fallback);
  if (runId !== undefined && runId !== ctx.runId) {
    report = withNotes(report, [`These results were produced by the pull request's own workflow run ${runId} and posted from its artifact.`]);
  }
  const outDir = resolve(session.cwd, inputs.reportDir);
  const written = await writeReportFiles(outDir, report);
  const models = report.models.map((m) => m.path);
  const pullNumber = await targetPull(session);
  const detailsUrl = runId !== undefined ? `${ctx.serverUrl}/${ctx.owner}/${ctx.repo}/actions/runs/${runId}` : undefined;
  const delivery = await deliverReport(
    { ctx, api: session.api, log, artifacts: noUpload, artifactName: inputs.artifactName, comment: inputs.comment, commentAuthor: inputs.commentAuthor, pullNumber, reportDir: outDir, written, models, detailsUrl },
    report,
  );
  return { passed: delivery.passed, reportPath: written.path, models };
}

/** Aggregation re-reads artifacts that already exist; uploading them again would only duplicate them. */
const noUpload = { upload: async () => undefined };
