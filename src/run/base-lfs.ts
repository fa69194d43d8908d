import { isLfsPointer, lfsPointerSize } from '../onnx/lfs-pointer.js';

/**
 * The base version of a model kept in Git LFS. `git show` gives the pointer;
 * git's filters (`git cat-file --filters`, with git-lfs as the smudge filter)
 * give the model when its object is in the local LFS store, and git-lfs
 * downloads it on the way when it is not. When that fails the object is
 * fetched explicitly for that one commit and path (`git lfs fetch`, which
 * uses the checkout's credentials as git does), and when it still cannot be
 * had the reason names what is missing.
 */

export interface GitRun {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export type GitCommand = (args: readonly string[], options?: { env?: NodeJS.ProcessEnv; timeoutMs?: number }) => Promise<GitRun>;

export type LfsRead = { kind: 'bytes'; bytes: Buffer } | { kind: 'unavailable'; reason: string };

/** The filter `git lfs install` configures, given on the command line so a machine where it never ran still smudges. */
const LFS_FILTER = ['-c', 'filter.lfs.smudge=git-lfs smudge -- %f', '-c', 'filter.lfs.process=git-lfs filter-process', '-c', 'filter.lfs.required=true'];
/** A fetch over a slow network; beyond this the comparison is skipped with the reason. */
const FETCH_TIMEOUT_MS = 10 * 60 * 1000;

/** The environment for git-lfs: a GIT_LFS_SKIP_SMUDGE set for the checkout would make the filter hand back the pointer. */
function smudgingEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0' };
  delete env.GIT_LFS_SKIP_SMUDGE;
  return env;
}

/** Longest stretch of git's own words kept in a warning. */
const MAX_ERROR_CHARS = 400;

/** What git-lfs said went wrong: its error lines, without progress lines and the pointer to its log file. */
function gitErrors(stderr: string): string {
  const noise = /^(fetch: |Downloading |Errors logged to|Use `git lfs logs last`)/;
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l.length > 0 && !noise.test(l));
  const text = lines.join('; ') || 'no error message';
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS - 1)}…` : text;
}

function describePointer(pointer: Buffer): string {
  const oid = /^oid sha256:([0-9a-f]{64})$/m.exec(pointer.toString('latin1'))?.[1];
  const size = lfsPointerSize(pointer);
  return [oid ? `object ${oid.slice(0, 12)}` : 'object', size ? `of ${size} bytes` : ''].filter(Boolean).join(' ');
}

async function readFiltered(git: GitCommand, spec: string): Promise<Buffer | undefined> {
  const result = await git([...LFS_FILTER, 'cat-file', '--filters', spec], { env: smudgingEnv() });
  return result.code === 0 && !isLfsPointer(result.stdout) ? result.stdout : undefined;
}

/**
 * Reads the file a pointer stands for at `commit`. `repoPath` is relative to
 * the folder git runs in (`spec` is `commit:./repoPath`).
 */
export async function readLfsObject(git: GitCommand, commit: string, repoPath: string, pointer: Buffer): Promise<LfsRead> {
  const what = `the base version is a Git LFS pointer; its ${describePointer(pointer)}`;
  if ((await git(['lfs', 'version'])).code !== 0) {
    return { kind: 'unavailable', reason: `${what} cannot be read because git-lfs is not installed (install git-lfs, or check out with \`lfs: true\`)` };
  }
  const spec = `${commit}:./${repoPath}`;
  const local = await readFiltered(git, spec);
  if (local) return { kind: 'bytes', bytes: local };
  // git-lfs matches --include against paths from the repository root.
  const prefix = (await git(['rev-parse', '--show-prefix'])).stdout.toString('utf8').trim();
  const fetch = await git(['lfs', 'fetch', 'origin', commit, '--include', `${prefix}${repoPath}`], { env: smudgingEnv(), timeoutMs: FETCH_TIMEOUT_MS });
  if (fetch.code !== 0) {
    return { kind: 'unavailable', reason: `${what} is not in the local LFS store and \`git lfs fetch origin ${commit.slice(0, 12)}\` failed: ${gitErrors(fetch.stderr)}` };
  }
  const fetched = await readFiltered(git, spec);
  if (fetched) return { kind: 'bytes', bytes: fetched };
  return { kind: 'unavailable', reason: `${what} is not in the local LFS store, and \`git lfs fetch origin ${commit.slice(0, 12)}\` did not bring it (the LFS server may not hold it)` };
}
