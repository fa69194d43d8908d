import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FakeGitHub } from './fake-github.js';
import { FIXTURES, REPO_ROOT, makeRepo, pullRequestPayload, runBundledAction } from './harness.js';

/**
 * `uses: owner/onnx-coreml-action@v1` gets what git holds at that ref and runs dist/index.js
 * with no install step. These tests export the current tree as git would ship it (a
 * temporary commit of the working tree, `git archive`d into an empty folder with no
 * node_modules above it), build the two entry points into it from the sources (the
 * committed ones are rebuilt at integration), and run them there: whatever the engine
 * needs must come out of git, not out of this checkout's node_modules.
 */

const WASM_ENGINE = /^onnxruntime-web \d+\.\d+\.\d+ \(wasm\)$/;

let scratch: string;
let checkout: string;

function git(args: string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, ...env } }).trim();
}

/** A commit of the working tree as it is (tracked and untracked, less what .gitignore keeps out), made without touching the index or HEAD. */
function commitWorkingTree(indexFile: string): string {
  const env = { GIT_INDEX_FILE: indexFile, GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 'test@example.com' };
  git(['read-tree', 'HEAD'], env);
  git(['add', '-A', '.'], env);
  const tree = git(['write-tree'], env);
  return git(['commit-tree', tree, '-p', 'HEAD', '-m', 'working tree'], env);
}

/** Fails when a node_modules folder exists in `dir` or any folder above it: Node would look there. */
function assertNoNodeModulesAbove(dir: string): void {
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, 'node_modules'))) throw new Error(`${join(at, 'node_modules')} exists: the test needs a folder with none above it`);
    if (dirname(at) === at) return;
  }
}

/** A folder holding only a model.onnx, with no test data beside it. */
function modelOnly(fixture: string): string {
  const dir = join(scratch, `models-${fixture}`);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(FIXTURES, fixture, 'model.onnx'), join(dir, 'model.onnx'));
  return dir;
}

function cliReport(cli: string, args: string[]) {
  // The environment of a plain shell: no NODE_PATH, nothing of this test runner.
  const env = { PATH: process.env['PATH'] ?? '', HOME: scratch };
  return spawnSync(process.execPath, [cli, 'report', ...args], { cwd: scratch, env, encoding: 'utf8', timeout: 120_000 });
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'onnx-coreml-archive-'));
  checkout = join(scratch, 'action');
  mkdirSync(checkout);
  assertNoNodeModulesAbove(checkout);
  const commit = commitWorkingTree(join(scratch, 'index'));
  git(['archive', '--format=tar', '-o', join(scratch, 'action.tar'), commit]);
  execFileSync('tar', ['-xf', join(scratch, 'action.tar'), '-C', checkout]);
  // Only the entry points are built; the engine under dist/ort/ is what git shipped.
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'bundle.mjs'), '--outdir', join(checkout, 'dist'), '--no-engine'], { cwd: REPO_ROOT, stdio: 'pipe' });
}, 180_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the repository as git ships it, with no install step', () => {
  test('holds the wasm engine under dist/ (not kept out by .gitignore)', () => {
    for (const file of ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.mjs', 'onnxruntime-web.mjs', 'NOTICE']) {
      expect(existsSync(join(checkout, 'dist', 'ort', file)), file).toBe(true);
    }
    expect(existsSync(join(checkout, 'node_modules'))).toBe(false);
  });

  test('dist/cli.js report verifies a model with no test data with the wasm engine and names it', () => {
    const out = join(scratch, 'out-cli');
    const run = cliReport(join(checkout, 'dist', 'cli.js'), [modelOnly('seed_simple_cnn'), '--out', out]);
    expect(run.stderr).not.toMatch(/not verified|unverified/);
    expect(run.status).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.passed).toBe(true);
    expect(report.models[0]).toMatchObject({ status: 'passed', reference: 'onnxruntime', referenceEngine: expect.stringMatching(WASM_ENGINE) });
    expect(readFileSync(join(out, 'comment.md'), 'utf8')).toContain(`Reference outputs: \`${report.models[0].referenceEngine}\` on seeded inputs`);
  });

  test('without an engine, the model is unverified: report fails and says why, unless --allow-unverified', () => {
    const bare = join(scratch, 'bare', 'dist');
    mkdirSync(bare, { recursive: true });
    copyFileSync(join(checkout, 'dist', 'cli.js'), join(bare, 'cli.js'));
    const models = modelOnly('tiny_convnet');
    const out = join(scratch, 'out-bare');
    const failed = cliReport(join(bare, 'cli.js'), [models, '--out', out]);
    expect(failed.status).toBe(1);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.models[0]).toMatchObject({ status: 'unverified', reference: 'none' });
    const why = report.models[0].unverifiedReason as string;
    expect(why).toMatch(/no onnxruntime engine is available.*Fix: add test_data_set_0\/.*allow-unverified/);
    expect(why).not.toContain('\n');
    expect(report.failures).toEqual([expect.stringContaining('not verified: no reference outputs')]);
    expect(readFileSync(join(out, 'comment.md'), 'utf8')).toContain('**Not verified**');

    const allowed = cliReport(join(bare, 'cli.js'), [models, '--out', join(scratch, 'out-allowed'), '--allow-unverified']);
    expect(allowed.status).toBe(0);
  });

  test('dist/index.js verifies a model added by a pull request with the wasm engine', async () => {
    const github = new FakeGitHub();
    await github.start();
    try {
      const repo = makeRepo({ base: { 'README.md': { text: 'models\n' } }, head: { write: { 'models/new.onnx': { fixture: 'seed_simple_cnn' } } } });
      assertNoNodeModulesAbove(repo.dir);
      github.state.pullFiles.set(3, [{ filename: 'models/new.onnx', status: 'added' }]);
      const result = await runBundledAction({
        bundle: join(checkout, 'dist', 'index.js'),
        cwd: repo.dir,
        apiUrl: github.url,
        eventName: 'pull_request',
        payload: pullRequestPayload(repo, 3),
        env: { CI: 'true', RUNNER_OS: 'Linux', RUNNER_ARCH: 'X64', GITHUB_SHA: repo.headSha, GITHUB_REF: 'refs/pull/3/merge', GITHUB_ACTION_PATH: checkout },
        timeoutMs: 170_000,
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.outputs['passed']).toBe('true');
      const report = JSON.parse(readFileSync(join(repo.dir, result.outputs['report']!), 'utf8'));
      expect(report.models[0]).toMatchObject({ path: 'models/new.onnx', status: 'passed', referenceEngine: expect.stringMatching(WASM_ENGINE) });
      const comment = github.state.comments.get(3)?.[0]?.body ?? '';
      expect(comment).toContain(`Reference outputs: \`${report.models[0].referenceEngine}\` on seeded inputs`);
      rmSync(repo.dir, { recursive: true, force: true });
    } finally {
      await github.stop();
    }
  }, 180_000);
});
