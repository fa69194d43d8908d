import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isLfsPointer } from '../onnx/decode.js';
import type { BaseResult, ModelResult } from '../report/schema.js';
import { readLfsObject, type GitCommand, type GitRun } from './base-lfs.js';

/**
 * The base-branch side of a comparison: each model's file at the base ref, read
 * with `git show` (no checkout, so the working tree is never touched; a Git LFS
 * pointer is read through git's filters, see base-lfs.ts), run through the same
 * pipeline, and kept only as sizes and metrics.
 */

/** Largest model read from git; beyond it the comparison is skipped rather than exhausting memory. */
const MAX_BASE_BYTES = 2 * 1024 ** 3 - 1;

function git(args: readonly string[], cwd: string, options: Parameters<GitCommand>[1] = {}): Promise<GitRun> {
  return new Promise((resolve) => {
    const { env, timeoutMs = 0 } = options;
    execFile('git', [...args], { cwd, env, timeout: timeoutMs, encoding: 'buffer', maxBuffer: MAX_BASE_BYTES, windowsHide: true }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, stdout: Buffer.from(stdout ?? []), stderr: Buffer.from(stderr ?? []).toString('utf8').trim() });
    });
  });
}

/** The commit a ref names, or undefined when git cannot resolve it (shallow clone, typo, not a repository). */
export async function resolveCommit(ref: string, cwd: string): Promise<string | undefined> {
  // `--end-of-options` keeps a ref that starts with '-' from being read as an option.
  const result = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], cwd);
  const sha = result.stdout.toString('utf8').trim();
  return result.code === 0 && /^[0-9a-f]{40,64}$/.test(sha) ? sha : undefined;
}

export type BaseFile =
  | { kind: 'file'; path: string; cleanup: () => Promise<void> }
  | { kind: 'missing' }
  | { kind: 'unavailable'; reason: string };

/**
 * Writes the model's version at `commit` into a temporary folder under its own file name
 * (so messages and onnxruntime see a familiar name). `repoPath` is relative to `cwd`.
 */
export async function readBaseFile(commit: string, repoPath: string, cwd: string): Promise<BaseFile> {
  if (repoPath.startsWith('../') || repoPath === '..') return { kind: 'unavailable', reason: 'the model is outside the repository folder' };
  const result = await git(['show', `${commit}:./${repoPath}`], cwd);
  if (result.code !== 0) {
    if (/does not exist|exists on disk, but not in/.test(result.stderr)) return { kind: 'missing' };
    return { kind: 'unavailable', reason: `git show failed: ${result.stderr.split('\n')[0] ?? 'unknown error'}` };
  }
  let bytes = result.stdout;
  if (isLfsPointer(bytes)) {
    const object = await readLfsObject((args, options) => git(args, cwd, options), commit, repoPath, bytes);
    if (object.kind === 'unavailable') return object;
    bytes = object.bytes;
  }
  const dir = await mkdtemp(join(tmpdir(), 'onnx-coreml-base-'));
  const name = repoPath.slice(repoPath.lastIndexOf('/') + 1);
  const path = join(dir, name);
  try {
    await writeFile(path, bytes);
    await copyBaseTestData(commit, repoPath, cwd, dir);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return { kind: 'file', path, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** More test files than any real model ships; a folder with more is not test data. */
const MAX_TEST_DATA_FILES = 256;

/**
 * Copies the test data the model had at `commit` (test_data_set_N/input_K.pb, output_K.pb,
 * and <stem>.npz beside it) next to the temporary copy, so the base version is judged
 * against its own references, as a checkout of the base branch would be.
 */
async function copyBaseTestData(commit: string, repoPath: string, cwd: string, into: string): Promise<void> {
  const slash = repoPath.lastIndexOf('/');
  const folder = slash < 0 ? '' : repoPath.slice(0, slash + 1);
  const stem = repoPath.slice(slash + 1).replace(/\.onnx$/i, '');
  // ls-tree reads the pathspec and prints paths relative to cwd, as `git show REF:./path` does.
  const listing = await git(['ls-tree', '-r', '-z', '--name-only', commit, '--', `./${folder}`], cwd);
  if (listing.code !== 0) return;
  const wanted = listing.stdout
    .toString('utf8')
    .split('\0')
    .filter((p) => p.startsWith(folder))
    .map((p) => p.slice(folder.length))
    .filter((rel) => /^test_data_set_\d+\/(input|output)_\d+\.pb$/.test(rel) || rel === `${stem}.npz`)
    .slice(0, MAX_TEST_DATA_FILES);
  for (const rel of wanted) {
    const file = await git(['show', `${commit}:./${folder}${rel}`], cwd);
    if (file.code !== 0 || isLfsPointer(file.stdout)) continue;
    await mkdir(dirname(join(into, rel)), { recursive: true });
    await writeFile(join(into, rel), file.stdout);
  }
}

/** What the report keeps of a base run. */
export function toBaseResult(model: ModelResult): BaseResult {
  return {
    onnxBytes: model.onnxBytes,
    status: model.status,
    variants: model.variants.map((v) => ({
      name: v.name,
      sizeBytes: v.sizeBytes,
      outputs: v.outputs.map((o) => ({ name: o.name, maxAbsError: o.maxAbsError, psnrDb: o.psnrDb, top1Agreement: o.top1Agreement })),
    })),
  };
}
