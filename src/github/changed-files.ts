import picomatch from 'picomatch';
import { escapeForLog } from '../report/escape.js';
import { ActionError } from './errors.js';
import type { GitRunner } from './git.js';
import { ensureCommit, hasCommit, parseNameStatusZ } from './git.js';
import { collectPages, describeRequestError, type GitHubApi } from './octokit.js';

/**
 * The ONNX models a pull request adds or changes. The files API is the source
 * (no checkout history needed), but it lists at most 3,000 files; a PR at that
 * cap is listed again from git, where nothing is cut.
 */

/** `GET /pulls/{n}/files` stops at this many files, whatever the PR holds. */
export const PULL_FILES_API_CAP = 3000;

/** Statuses whose head-side file exists and should be converted. Removed files are gone; unchanged ones are not news. */
const COUNTED_STATUSES = new Set(['added', 'modified', 'renamed', 'copied']);
const COUNTED_GIT_STATUSES = new Set(['A', 'M', 'R', 'C']);

export interface ChangedModels {
  /** Head-side paths of changed models, sorted, repository-relative. */
  paths: string[];
  /** Models the PR deletes (reported, not converted). */
  removed: string[];
  /** Where the list came from. */
  source: 'api' | 'git';
  /** Sentences for the report's notes. */
  notes: string[];
}

export interface ChangedModelsRequest {
  api: GitHubApi;
  git: GitRunner;
  owner: string;
  repo: string;
  pullNumber: number;
  baseSha: string;
  headSha: string;
  /** The PR's `changed_files` from the event, when known. */
  changedFiles: number | undefined;
  patterns: readonly string[];
  cwd: string;
  log: (message: string) => void;
}

/** A path matcher for the `models` input: globs (dot files included) and literal paths. */
export function modelMatcher(patterns: readonly string[]): (path: string) => boolean {
  const glob = picomatch([...patterns], { dot: true });
  const literal = new Set(patterns);
  return (path) => literal.has(path) || glob(path);
}

interface FileEntry {
  filename: string;
  status: string;
}

function classify(entries: readonly FileEntry[], matches: (p: string) => boolean, counted: (status: string) => boolean, removedStatus: string) {
  const paths = new Set<string>();
  const removed = new Set<string>();
  for (const { filename, status } of entries) {
    if (!matches(filename)) continue;
    if (counted(status)) paths.add(filename);
    else if (status === removedStatus) removed.add(filename);
  }
  return { paths: [...paths].sort(), removed: [...removed].sort() };
}

export async function listChangedModels(request: ChangedModelsRequest): Promise<ChangedModels> {
  const matches = modelMatcher(request.patterns);
  let files: FileEntry[];
  try {
    const { api } = request;
    const pages = api.paginate.iterator(api.rest.pulls.listFiles, { owner: request.owner, repo: request.repo, pull_number: request.pullNumber, per_page: 100 });
    files = (await collectPages(pages, PULL_FILES_API_CAP / 100)).map((f) => ({ filename: f.filename, status: f.status }));
  } catch (err) {
    throw new ActionError('GITHUB_API', `listing the files of pull request #${request.pullNumber} failed: ${describeRequestError(err)}`, { cause: err });
  }
  const atCap = files.length >= PULL_FILES_API_CAP || (request.changedFiles !== undefined && request.changedFiles > files.length);
  if (!atCap) {
    return { ...classify(files, matches, (s) => COUNTED_STATUSES.has(s), 'removed'), source: 'api', notes: [] };
  }
  const note = `The pull request changes ${request.changedFiles ?? `${files.length} or more`} files; GitHub's files API lists at most ${PULL_FILES_API_CAP}, so the changed models were listed with git diff instead.`;
  request.log(note);
  const fromGit = await listChangedWithGit(request);
  return { ...classify(fromGit.entries, matches, (s) => COUNTED_GIT_STATUSES.has(s), 'D'), source: 'git', notes: [note, ...fromGit.notes] };
}

async function listChangedWithGit(request: ChangedModelsRequest): Promise<{ entries: FileEntry[]; notes: string[] }> {
  const { git, cwd, baseSha } = request;
  const notes: string[] = [];
  if (!(await hasCommit(git, cwd, baseSha))) {
    request.log(`base commit ${escapeForLog(baseSha)} is not in the checkout; fetching it`);
    // Enough history for a merge base in most PRs without cloning everything.
    if (!(await ensureCommit(git, cwd, baseSha, 200))) {
      throw new ActionError('GIT', `the base commit ${baseSha} is not in the checkout and could not be fetched; use fetch-depth: 0 on actions/checkout`);
    }
    notes.push('The base commit was fetched for the diff (the checkout did not contain it).');
  }
  const head = (await hasCommit(git, cwd, request.headSha)) ? request.headSha : 'HEAD';
  const diff = ['diff', '--name-status', '-z', '-M', '--no-ext-diff', '--no-color'];
  let output: string;
  try {
    output = await git([...diff, `${baseSha}...${head}`], cwd);
  } catch {
    // No merge base in shallow history: compare the trees directly.
    output = await git([...diff, baseSha, head], cwd);
    notes.push('No merge base with the base branch was found in the checkout; the models were compared against the base commit directly.');
  }
  const statusNames: Record<string, string> = { A: 'A', M: 'M', R: 'R', C: 'C', D: 'D', T: 'M' };
  const entries = parseNameStatusZ(output).map((e) => ({ filename: e.path, status: statusNames[e.status] ?? e.status }));
  return { entries, notes };
}
