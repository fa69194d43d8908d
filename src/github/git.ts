import { spawn } from 'node:child_process';
import { ActionError } from './errors.js';

/**
 * Runs git without a shell (arguments are never parsed as shell text) and with
 * a kill timer, since a fetch over a bad network can hang indefinitely.
 */
export type GitRunner = (args: readonly string[], cwd: string) => Promise<string>;

export function createGitRunner(timeoutMs = 120_000): GitRunner {
  return (args, cwd) =>
    new Promise((resolve, reject) => {
      const child = spawn('git', [...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(new ActionError('GIT', `git ${args[0]} could not start: ${e.message}`));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
        const why = signal ? `killed after ${timeoutMs / 1000} s` : `exit ${code}: ${Buffer.concat(err).toString('utf8').trim().split('\n').slice(-1)[0] ?? ''}`;
        reject(new ActionError('GIT', `git ${args[0]} failed (${why})`));
      });
    });
}

/** A changed path from `git diff --name-status -z`: status letter and the path on the head side. */
export interface DiffEntry {
  status: string;
  path: string;
}

/**
 * Parses `git diff --name-status -z` output. With -z, paths are NUL-separated
 * and unquoted, so any file name (spaces, newlines, non-ASCII) survives.
 * Renames and copies (R100, C75) carry two paths; the second is the new one.
 */
export function parseNameStatusZ(output: string): DiffEntry[] {
  const fields = output.split('\0');
  const entries: DiffEntry[] = [];
  let i = 0;
  while (i < fields.length) {
    const status = fields[i++];
    if (!status) continue;
    const twoPaths = status.startsWith('R') || status.startsWith('C');
    const first = fields[i++];
    const path = twoPaths ? fields[i++] : first;
    if (path !== undefined) entries.push({ status: status[0]!, path });
  }
  return entries;
}

export async function hasCommit(git: GitRunner, cwd: string, sha: string): Promise<boolean> {
  try {
    await git(['cat-file', '-e', `${sha}^{commit}`], cwd);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes a commit available in a shallow checkout (actions/checkout fetches
 * one commit by default). Returns false, without throwing, when it cannot.
 */
export async function ensureCommit(git: GitRunner, cwd: string, sha: string, depth = 1): Promise<boolean> {
  if (await hasCommit(git, cwd, sha)) return true;
  try {
    await git(['fetch', '--no-tags', `--depth=${depth}`, 'origin', sha], cwd);
    return await hasCommit(git, cwd, sha);
  } catch {
    return false;
  }
}
