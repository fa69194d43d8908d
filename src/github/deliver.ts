import { relative } from 'node:path';
import { errorMessage } from '../errors.js';
import type { WrittenReport } from '../report/files.js';
import { withDetailsLink } from '../report/markdown.js';
import type { RunReport } from '../report/schema.js';
import { fitCommentBody, GITHUB_COMMENT_LIMIT } from '../report/truncate.js';
import type { ArtifactUploader, UploadedArtifact } from './artifact.js';
import type { ActionContext } from './context.js';
import type { CommentMode } from './inputs.js';
import { shown, type ActionLog } from './log.js';
import type { GitHubApi } from './octokit.js';
import { setActionOutputs } from './outputs.js';
import { COMMENT_MARKER, commentFailureStatus, upsertStickyComment, type StickyResult } from './sticky-comment.js';
import { writeJobSummary } from './summary.js';

/**
 * Hands a finished report to everyone who should see it, in an order that
 * never loses results: the artifact first (so the comment can link it), then
 * the job summary (needs no token), then the PR comment (may be refused on a
 * fork), then the outputs, and only then the gate verdict.
 */

export interface DeliveryTarget {
  ctx: ActionContext;
  api: GitHubApi;
  log: ActionLog;
  artifacts: ArtifactUploader;
  artifactName: string;
  /** `update-only`: edit an existing sticky comment but never create one. */
  comment: CommentMode | 'update-only';
  /** The login the sticky comment is posted under (the `comment-author` input); detected from the token when absent. */
  commentAuthor?: string | undefined;
  /** The pull request to comment on; none outside PRs. */
  pullNumber: number | undefined;
  reportDir: string;
  /** report.json and the comment as written into reportDir (report/files.ts). */
  written: WrittenReport;
  /** Value of the `models` output. */
  models: readonly string[];
  /** Where the full report lives when this run uploads no artifact (aggregate: the run that made it). */
  detailsUrl?: string;
}

export type CommentOutcome = { kind: 'posted'; result: StickyResult } | { kind: 'skipped'; why: string } | { kind: 'refused'; status: number | undefined; message: string };

export interface DeliveryResult {
  artifact: UploadedArtifact | undefined;
  comment: CommentOutcome;
  passed: boolean;
}

/** Room kept for the marker line the sticky comment adds. */
const MARKER_ROOM = COMMENT_MARKER.length + 1;

function truncationNote(detailsUrl: string | undefined): string {
  return detailsUrl
    ? `The report was cut to fit GitHub's comment limit; the full report is in the run's artifact: ${detailsUrl}`
    : "The report was cut to fit GitHub's comment limit; the full report is in the job summary and report.json.";
}

const FORBIDDEN_HINT: Record<number, string> = {
  403: 'the token may not write comments; fork pull requests get a read-only token. Use the two-workflow setup (mode: aggregate in a workflow_run workflow) to comment on forks, or grant `pull-requests: write`',
  404: 'the pull request or repository is not visible to the token',
};

async function postComment(target: DeliveryTarget, markdown: string, detailsUrl: string | undefined): Promise<CommentOutcome> {
  if (target.comment === 'off') return { kind: 'skipped', why: 'comment: off' };
  if (target.pullNumber === undefined) return { kind: 'skipped', why: 'no pull request' };
  const body = fitCommentBody(markdown, truncationNote(detailsUrl), GITHUB_COMMENT_LIMIT - MARKER_ROOM);
  const comments = { api: target.api, owner: target.ctx.owner, repo: target.ctx.repo, issueNumber: target.pullNumber, log: (m: string) => target.log.info(m) };
  try {
    const author = target.commentAuthor === undefined ? {} : { author: target.commentAuthor };
    const result = await upsertStickyComment(comments, body, { updateOnly: target.comment === 'update-only', ...author });
    if (!result) return { kind: 'skipped', why: 'no earlier comment to update' };
    target.log.info(`comment ${result.action} on #${target.pullNumber}${result.url ? `: ${result.url}` : ''}`);
    return { kind: 'posted', result };
  } catch (err) {
    const status = commentFailureStatus(err);
    const hint = status !== undefined ? FORBIDDEN_HINT[status] : undefined;
    const message = `${errorMessage(err)}${hint ? ` (${hint})` : ''}`;
    // Never fail the step over the comment alone: the summary and the artifact carry the results.
    target.log.warning(`${message}; the results are in the job summary and the artifact`);
    return { kind: 'refused', status, message };
  }
}

async function uploadArtifact(target: DeliveryTarget): Promise<UploadedArtifact | undefined> {
  try {
    return await target.artifacts.upload(target.artifactName, target.reportDir);
  } catch (err) {
    target.log.warning(errorMessage(err));
    return undefined;
  }
}

export async function deliverReport(target: DeliveryTarget, report: RunReport): Promise<DeliveryResult> {
  const artifact = await uploadArtifact(target);
  const detailsUrl = artifact?.url ?? target.detailsUrl ?? target.ctx.runUrl;
  const markdown = withDetailsLink(target.written.comment, detailsUrl);
  await writeJobSummary(markdown, truncationNote(detailsUrl), target.log);
  const comment = await postComment(target, markdown, detailsUrl);
  setActionOutputs({
    report: relative(target.ctx.workspace, target.written.path) || target.written.path,
    passed: report.passed ? 'true' : 'false',
    models: JSON.stringify(target.models),
  });
  if (!report.passed) {
    const reasons = report.failures.length > 0 ? report.failures : ['the conversion report did not pass'];
    target.log.setFailed(reasons.map((r) => shown(r)).join('\n'));
  }
  return { artifact, comment, passed: report.passed };
}
