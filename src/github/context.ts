import type { context as actionsContext } from '@actions/github';
import { ToolError, errorMessage } from '../errors.js';

/**
 * What the action needs to know about the event that started it, taken from
 * @actions/github's `context` (the runner's environment and the event payload
 * file). Payload fields are still checked for type: the file is written by
 * GitHub, but a fork controls the strings in it (branch names, titles), and
 * the payload's TypeScript type promises nothing, so nothing here is trusted.
 */

/** The part of @actions/github's `context` the action reads. */
export type GitHubEventContext = Pick<typeof actionsContext, 'payload' | 'eventName' | 'sha' | 'ref' | 'apiUrl' | 'serverUrl' | 'runId' | 'repo'>;

export interface PullRequestInfo {
  number: number;
  headSha: string;
  baseSha: string;
  baseRef: string;
  /** Files GitHub says the PR changes; the files API lists at most 3,000 of them. */
  changedFiles: number | undefined;
  /** True when the head branch lives in another repository (its token is read-only). */
  fromFork: boolean;
}

export interface ReleaseInfo {
  id: number;
  tag: string;
  uploadUrl: string;
}

export interface WorkflowRunInfo {
  id: number;
  headSha: string;
  /** PR numbers GitHub attached to the run; empty for fork PRs. */
  pullRequests: number[];
}

export interface ActionContext {
  owner: string;
  repo: string;
  eventName: string;
  sha: string;
  /** The ref that started the run (refs/tags/v1 on a tag push). */
  ref: string;
  apiUrl: string;
  serverUrl: string;
  runId: number | undefined;
  /** Link to this run's page, where the artifact can be downloaded. */
  runUrl: string | undefined;
  workspace: string;
  pullRequest: PullRequestInfo | undefined;
  release: ReleaseInfo | undefined;
  workflowRun: WorkflowRunInfo | undefined;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

function child(o: Json | undefined, key: string): Json | undefined {
  const v = o?.[key];
  return isObject(v) ? v : undefined;
}

function pullRequestFrom(payload: Json, repoFullName: string): PullRequestInfo | undefined {
  const pr = child(payload, 'pull_request');
  const number = int(pr?.number);
  const head = child(pr, 'head');
  const base = child(pr, 'base');
  const headSha = str(head?.sha);
  const baseSha = str(base?.sha);
  if (number === undefined || !headSha || !baseSha) return undefined;
  const headRepo = str(child(head, 'repo')?.full_name);
  return {
    number,
    headSha,
    baseSha,
    baseRef: str(base?.ref) ?? baseSha,
    changedFiles: int(pr?.changed_files),
    fromFork: headRepo !== undefined && headRepo !== repoFullName,
  };
}

function releaseFrom(payload: Json): ReleaseInfo | undefined {
  const release = child(payload, 'release');
  const id = int(release?.id);
  const tag = str(release?.tag_name);
  const uploadUrl = str(release?.upload_url);
  return id !== undefined && tag && uploadUrl ? { id, tag, uploadUrl } : undefined;
}

function workflowRunFrom(payload: Json): WorkflowRunInfo | undefined {
  const run = child(payload, 'workflow_run');
  const id = int(run?.id);
  const headSha = str(run?.head_sha);
  if (id === undefined || !headSha) return undefined;
  const prs = Array.isArray(run?.pull_requests) ? run.pull_requests : [];
  const pullRequests = prs.map((p) => (isObject(p) ? int(p.number) : undefined)).filter((n): n is number => n !== undefined);
  return { id, headSha, pullRequests };
}

function repositoryOf(github: GitHubEventContext): { owner: string; repo: string } {
  try {
    const { owner, repo } = github.repo;
    if (owner && repo) return { owner, repo };
  } catch (err) {
    throw new ToolError('USAGE', `${errorMessage(err)}; is this running inside GitHub Actions?`);
  }
  throw new ToolError('USAGE', 'GITHUB_REPOSITORY is not set to owner/name; is this running inside GitHub Actions?');
}

/** `workspace` is where the checkout lives (GITHUB_WORKSPACE, else the working directory). */
export function readActionContext(github: GitHubEventContext, workspace: string): ActionContext {
  const { owner, repo } = repositoryOf(github);
  const payload: Json = isObject(github.payload) ? github.payload : {};
  const serverUrl = github.serverUrl.replace(/\/+$/, '');
  const runId = Number.isSafeInteger(github.runId) && github.runId > 0 ? github.runId : undefined;
  return {
    owner,
    repo,
    eventName: github.eventName ?? '',
    sha: github.sha ?? '',
    ref: github.ref ?? '',
    apiUrl: github.apiUrl.replace(/\/+$/, ''),
    serverUrl,
    runId,
    runUrl: runId !== undefined ? `${serverUrl}/${owner}/${repo}/actions/runs/${runId}` : undefined,
    workspace,
    pullRequest: pullRequestFrom(payload, `${owner}/${repo}`),
    release: releaseFrom(payload),
    workflowRun: workflowRunFrom(payload),
  };
}
