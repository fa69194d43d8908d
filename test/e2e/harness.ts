import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Runs the bundled action (built as dist/index.js is) as the runner would: a child
 * process with GITHUB_* and INPUT_* variables, an event payload file, output
 * and summary files, in a real git repository with a base and a head commit.
 */

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = join(REPO_ROOT, '..', 'shared', 'fixtures', 'onnx');
/**
 * The e2e tests build their own copy of the action bundle, the same way
 * `npm run bundle` builds dist/index.js, but into a scratch folder so a test
 * run never rewrites the committed dist/. The folder sits under node_modules
 * so the bundle resolves its external native addon exactly as dist/ does.
 */
export const BUNDLE_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'onnx-coreml-e2e');
export const BUNDLE = join(BUNDLE_DIR, 'index.js');
export const TOKEN = 'ghs_e2eSecretTokenValue0123456789';

/** Newest modification time among the sources the bundle is built from. */
function newestSourceMtime(): number {
  const sources = readdirSync(join(REPO_ROOT, 'src'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
  return Math.max(...[...sources, join(REPO_ROOT, 'package.json'), join(REPO_ROOT, 'scripts', 'bundle.mjs')].map((f) => statSync(f).mtimeMs));
}

const bundleIsFresh = (): boolean => existsSync(BUNDLE) && statSync(BUNDLE).mtimeMs >= newestSourceMtime();

/**
 * Builds the bundle when any source is newer than it. Several e2e files
 * start at once, so the builder takes a lock (mkdir is atomic) and the
 * others wait for it, then find the bundle fresh.
 */
export async function buildBundleOnce(): Promise<void> {
  const lock = join(tmpdir(), 'onnx-coreml-e2e-bundle.lock');
  const started = Date.now();
  for (;;) {
    if (bundleIsFresh()) return;
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than the build could take is left over from a killed run.
      if (Date.now() - started > 120_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (!bundleIsFresh()) {
      execFileSync('npm', ['run', '--silent', 'gen'], { cwd: REPO_ROOT, stdio: 'ignore' });
      execFileSync('npm', ['run', '--silent', 'bundle', '--', '--outdir', BUNDLE_DIR], { cwd: REPO_ROOT, stdio: 'ignore' });
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' }).trim();
}

export interface RepoSpec {
  /** Patterns kept in Git LFS (`git lfs track`), from the base commit on; the objects stay in the local LFS store. */
  lfs?: string[];
  /** Files in the base commit: path → fixture model name, literal text, or bytes (a model built by the test). */
  base: Record<string, RepoFile>;
  /** Changes for the head commit: new or replaced files, renames, deletions. */
  head: { write?: Record<string, RepoFile>; rename?: Record<string, string>; remove?: string[] };
}

export type RepoFile = { fixture: string } | { text: string } | { bytes: Uint8Array };

export interface TestRepo {
  dir: string;
  baseSha: string;
  headSha: string;
}

function writeEntry(dir: string, path: string, entry: RepoFile): void {
  const target = join(dir, path);
  mkdirSync(dirname(target), { recursive: true });
  if ('fixture' in entry) copyFileSync(join(FIXTURES, entry.fixture, 'model.onnx'), target);
  else if ('bytes' in entry) writeFileSync(target, entry.bytes);
  else writeFileSync(target, entry.text);
}

export function makeRepo(spec: RepoSpec): TestRepo {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-coreml-e2e-repo-'));
  git(dir, 'init', '-q', '-b', 'main');
  if (spec.lfs) {
    // The filter configuration only; hooks would push LFS objects, and there is no remote.
    git(dir, 'lfs', 'install', '--local', '--skip-repo');
    git(dir, 'lfs', 'track', ...spec.lfs);
  }
  for (const [path, entry] of Object.entries(spec.base)) writeEntry(dir, path, entry);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base');
  const baseSha = git(dir, 'rev-parse', 'HEAD');
  for (const [path, entry] of Object.entries(spec.head.write ?? {})) writeEntry(dir, path, entry);
  for (const [from, to] of Object.entries(spec.head.rename ?? {})) {
    mkdirSync(dirname(join(dir, to)), { recursive: true });
    git(dir, 'mv', from, to);
  }
  for (const path of spec.head.remove ?? []) git(dir, 'rm', '-q', path);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '--allow-empty', '-m', 'head');
  return { dir, baseSha, headSha: git(dir, 'rev-parse', 'HEAD') };
}

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  ms: number;
}

/** Parses the runner's name<<DELIMITER heredoc form. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i]!);
    if (!m) continue;
    const end = lines.indexOf(m[2]!, i + 1);
    outputs[m[1]!] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return outputs;
}

export interface RunSpec {
  cwd: string;
  apiUrl: string;
  eventName: string;
  payload: unknown;
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** The action's entry script; default: the scratch bundle (BUNDLE). */
  bundle?: string;
}

export function pullRequestPayload(repo: TestRepo, number: number, options: { fork?: boolean; changedFiles?: number } = {}): unknown {
  return {
    action: 'synchronize',
    number,
    pull_request: {
      number,
      changed_files: options.changedFiles,
      head: { sha: repo.headSha, ref: 'feature', repo: { full_name: options.fork ? 'someone/models' : 'octo/models' } },
      base: { sha: repo.baseSha, ref: 'main', repo: { full_name: 'octo/models' } },
    },
  };
}

export async function runBundledAction(spec: RunSpec): Promise<ActionRun> {
  const work = mkdtempSync(join(tmpdir(), 'onnx-coreml-e2e-runner-'));
  const eventPath = join(work, 'event.json');
  const outputPath = join(work, 'output');
  const summaryPath = join(work, 'summary');
  writeFileSync(eventPath, JSON.stringify(spec.payload));
  writeFileSync(outputPath, '');
  writeFileSync(summaryPath, '');
  const inputs = { token: TOKEN, 'request-timeout-seconds': '3', ...spec.inputs };
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? work,
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'octo/models',
    GITHUB_API_URL: spec.apiUrl,
    GITHUB_SERVER_URL: 'https://github.test',
    GITHUB_EVENT_NAME: spec.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_WORKSPACE: spec.cwd,
    GITHUB_RUN_ID: '777',
    RUNNER_TEMP: work,
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    ...spec.env,
  };
  const started = Date.now();
  const child = spawn(process.execPath, [spec.bundle ?? BUNDLE], { cwd: spec.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), spec.timeoutMs ?? 90_000);
  const code = await new Promise<number | null>((r) => child.on('close', r));
  clearTimeout(timer);
  const result = { code, stdout, stderr, outputs: parseOutputFile(readFileSync(outputPath, 'utf8')), summary: readFileSync(summaryPath, 'utf8'), ms: Date.now() - started };
  rmSync(work, { recursive: true, force: true });
  return result;
}

/** Everything the action printed or wrote that a user could see. */
export function visibleText(run: ActionRun, extra: string[] = []): string {
  return [run.stdout, run.stderr, run.summary, ...Object.values(run.outputs), ...extra].join('\n');
}
