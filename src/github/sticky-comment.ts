import { ActionError } from './errors.js';
import { collectPages, describeRequestError, httpStatus, type GitHubApi } from './octokit.js';

/**
 * One comment per pull request, edited in place on every run. The comment is
 * found by a hidden marker, but anyone can type the marker into a comment, so
 * only comments written by the token's own account are adopted. Creating is
 * the one request that must not simply be retried: a POST that timed out may
 * already exist on GitHub, so the comments are listed again first.
 */

export const COMMENT_MARKER = '<!-- onnx-coreml-action -->';

/** The account behind the default GITHUB_TOKEN, which cannot read GET /user. */
export const ACTIONS_BOT_LOGIN = 'github-actions[bot]';

/** Upper bound on comment pages read (100 each): a PR with more comments than this is pathological. */
const MAX_COMMENT_PAGES = 50;
const CREATE_ATTEMPTS = 3;

export interface CommentTarget {
  api: GitHubApi;
  owner: string;
  repo: string;
  issueNumber: number;
  log: (message: string) => void;
}

export interface StickyResult {
  action: 'created' | 'updated' | 'unchanged';
  id: number;
  url: string | undefined;
}

export interface BotComment {
  id: number;
  body: string;
  url: string | undefined;
}

/**
 * The login comments made with this token appear under. A personal token can
 * read it from GET /user; an installation token (GITHUB_TOKEN) gets 403 there
 * and always writes as github-actions[bot].
 */
export async function resolveCommentAuthor(api: GitHubApi): Promise<string> {
  try {
    const { data } = await api.rest.users.getAuthenticated({ request: { retries: 0 } });
    return data.login.length > 0 ? data.login : ACTIONS_BOT_LOGIN;
  } catch {
    return ACTIONS_BOT_LOGIN;
  }
}

type IssueComment = Awaited<ReturnType<GitHubApi['rest']['issues']['listComments']>>['data'][number];

function isOwnMarkedComment(comment: IssueComment, author: string): comment is IssueComment & { body: string } {
  return typeof comment.body === 'string' && comment.body.includes(COMMENT_MARKER) && comment.user?.login === author;
}

export async function findStickyComment(target: CommentTarget, author: string): Promise<BotComment | undefined> {
  const pages = target.api.paginate.iterator(target.api.rest.issues.listComments, { owner: target.owner, repo: target.repo, issue_number: target.issueNumber, per_page: 100 });
  const comments = await collectPages(pages, MAX_COMMENT_PAGES);
  // The oldest own comment is the sticky one; later copies can only come from runs racing each other.
  const own = comments.find((c) => isOwnMarkedComment(c, author));
  if (!own?.body) return undefined;
  return { id: own.id, body: own.body, url: own.html_url };
}

/** Puts the marker on the first line, where GitHub hides it. */
export function markedBody(body: string): string {
  return `${COMMENT_MARKER}\n${body}`;
}

async function updateComment(target: CommentTarget, comment: BotComment, body: string): Promise<StickyResult> {
  if (comment.body === body) return { action: 'unchanged', id: comment.id, url: comment.url };
  await target.api.rest.issues.updateComment({ owner: target.owner, repo: target.repo, comment_id: comment.id, body });
  return { action: 'updated', id: comment.id, url: comment.url };
}

/** A failure after which the server may or may not have applied the request. */
function outcomeUnknown(err: unknown): boolean {
  const status = httpStatus(err);
  return status === undefined || status >= 500;
}

async function createComment(target: CommentTarget, author: string, body: string): Promise<StickyResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      const { data } = await target.api.rest.issues.createComment({
        owner: target.owner,
        repo: target.repo,
        issue_number: target.issueNumber,
        body,
        request: { retries: 0 },
      });
      return { action: 'created', id: data.id, url: data.html_url };
    } catch (err) {
      if (!outcomeUnknown(err) || attempt >= CREATE_ATTEMPTS) throw err;
      target.log(`creating the comment failed (${describeRequestError(err)}); checking whether GitHub created it anyway`);
      const existing = await findStickyComment(target, author);
      if (existing) return updateComment(target, existing, body);
    }
  }
}

/**
 * Creates the sticky comment, or edits the existing one; never leaves two.
 * With `updateOnly`, an absent comment stays absent (undefined is returned):
 * a PR that no longer touches a model should not gain a comment, but one
 * posted earlier must not keep showing stale results.
 */
export async function upsertStickyComment(target: CommentTarget, body: string, options: { author?: string; updateOnly?: boolean } = {}): Promise<StickyResult | undefined> {
  const full = markedBody(body);
  try {
    const login = options.author ?? (await resolveCommentAuthor(target.api));
    const existing = await findStickyComment(target, login);
    if (existing) return await updateComment(target, existing, full);
    return options.updateOnly ? undefined : await createComment(target, login, full);
  } catch (err) {
    throw new ActionError('GITHUB_API', `posting the comment on #${target.issueNumber} failed: ${describeRequestError(err)}`, { cause: err });
  }
}

/** HTTP status of the request behind a failed upsert, for the fork-PR check. */
export function commentFailureStatus(err: unknown): number | undefined {
  return err instanceof ActionError ? httpStatus(err.cause) : httpStatus(err);
}
