import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { writeReportFiles } from '../../src/report/files.js';
import { runModels, type RunOptions } from '../../src/run/index.js';
import { makeTempDir } from '../cli/fixtures.js';
import { writeTinyModel } from '../cli/models.js';
import { copyFixture } from './helpers.js';

/**
 * Base comparison of models kept in Git LFS, with the real git-lfs: a
 * repository whose *.onnx files are LFS objects, and a bare repository beside
 * it as its remote (git-lfs serves a local path remote itself).
 */

let temp: ReturnType<typeof makeTempDir>;
let work: string;
let remote: string;

function git(cwd: string, ...args: string[]): string {
  // An isolated identity and no hooks: the test repository must not depend on the machine's git setup.
  const config = ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'core.hooksPath=/dev/null', '-c', 'commit.gpgsign=false'];
  return execFileSync('git', [...config, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function commitAll(message: string): string {
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', message);
  return git(work, 'rev-parse', 'HEAD').trim();
}

/** A small model at the base commit, a bigger one (with its test data) at the head, both LFS objects, pushed to the remote. */
function lfsRepoWithChangedModel(): string {
  mkdirSync(join(work, 'm'));
  writeTinyModel(join(work, 'm'), 'model.onnx');
  const base = commitAll('small model');
  copyFixture('seed_simple_cnn', work, 'm');
  commitAll('bigger model');
  git(work, 'push', '-q', 'origin', 'HEAD:refs/heads/main');
  git(work, 'lfs', 'push', 'origin', '--all');
  return base;
}

/** Removes every object from the checkout's LFS store, as a checkout without `lfs: true` has it. */
function emptyLocalLfsStore(): void {
  rmSync(join(work, '.git', 'lfs', 'objects'), { recursive: true, force: true });
}

function options(models: string[], baseRef: string): RunOptions {
  return { models, outDir: 'out', variants: ['fp32'], target: 'iOS15', gates: { failOnUnsupported: true }, cwd: work, baseRef };
}

beforeEach(() => {
  temp = makeTempDir();
  remote = join(temp.dir, 'remote.git');
  work = join(temp.dir, 'work');
  execFileSync('git', ['init', '-q', '--bare', remote]);
  execFileSync('git', ['init', '-q', work]);
  git(work, 'remote', 'add', 'origin', remote);
  git(work, 'lfs', 'install', '--local', '--skip-repo');
  git(work, 'lfs', 'track', '*.onnx');
});
afterEach(() => {
  vi.unstubAllEnvs();
  temp.remove();
});

describe('base comparison of a model in Git LFS', () => {
  it('reads the base version from the local LFS store and reports the Δ vs base columns', async () => {
    const base = lfsRepoWithChangedModel();
    expect(git(work, 'show', `${base}:m/model.onnx`)).toMatch(/^version https:\/\/git-lfs\.github\.com\/spec\/v1/);
    const report = await runModels(options(['m/model.onnx'], base));
    const model = report.models[0]!;
    expect(model.warnings).toEqual([]);
    expect(model.base?.status).toBe('passed');
    expect(model.base!.onnxBytes).toBeLessThan(model.onnxBytes!);
    expect(model.base!.variants[0]!.sizeBytes).toBeLessThan(model.variants[0]!.sizeBytes!);
    await writeReportFiles(join(work, 'out'), report);
    const comment = readFileSync(join(work, 'out', 'comment.md'), 'utf8');
    expect(comment).toContain('Δ vs base');
  });

  it('fetches the base object from the LFS remote when the local store lacks it', async () => {
    const base = lfsRepoWithChangedModel();
    emptyLocalLfsStore();
    const report = await runModels(options(['m/model.onnx'], base));
    const model = report.models[0]!;
    expect(model.warnings).toEqual([]);
    expect(model.base!.onnxBytes).toBeLessThan(model.onnxBytes!);
    expect(readdirSync(join(work, '.git', 'lfs', 'objects'), { recursive: true }).length).toBeGreaterThan(0);
  });

  it('says which object could not be fetched, and why, when the remote does not hold it', async () => {
    const base = lfsRepoWithChangedModel();
    emptyLocalLfsStore();
    rmSync(join(remote, 'lfs'), { recursive: true, force: true });
    const oid = /^oid sha256:([0-9a-f]{12})/m.exec(git(work, 'show', `${base}:m/model.onnx`))![1];
    const report = await runModels(options(['m/model.onnx'], base));
    const model = report.models[0]!;
    expect(model.base).toBeUndefined();
    expect(model.status).toBe('passed');
    const warning = model.warnings.find((w) => w.startsWith('not compared with base:'));
    expect(warning).toMatch(new RegExp(`Git LFS pointer; its object ${oid} of \\d+ bytes is not in the local LFS store and \`git lfs fetch origin ${base.slice(0, 12)}\` failed: error transferring "${oid}[0-9a-f]{52}": \\[0\\] remote missing object`));
  });

  it('says that git-lfs is missing when it is not installed', async () => {
    const base = lfsRepoWithChangedModel();
    // A PATH holding git alone: `git lfs` is then not a git command.
    const bin = join(temp.dir, 'bin');
    mkdirSync(bin);
    symlinkSync(execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim(), join(bin, 'git'));
    vi.stubEnv('PATH', bin);
    const report = await runModels(options(['m/model.onnx'], base));
    vi.unstubAllEnvs();
    const model = report.models[0]!;
    expect(model.base).toBeUndefined();
    expect(model.warnings).toContainEqual(expect.stringMatching(/^not compared with base: the base version is a Git LFS pointer; its object [0-9a-f]{12} of \d+ bytes cannot be read because git-lfs is not installed/));
  });
});

describe('a base pointer outside any LFS setup', () => {
  it('is still a pointer after the filters and the fetch, and the warning says so', async () => {
    git(work, 'config', '--unset-all', 'filter.lfs.required');
    writeFileSync(join(work, '.gitattributes'), '');
    mkdirSync(join(work, 'act'));
    writeFileSync(join(work, 'act', 'model.onnx'), `version https://git-lfs.github.com/spec/v1\noid sha256:${'cd'.repeat(32)}\nsize 601\n`);
    const base = commitAll('pointer');
    copyFixture('seed_custom_activation', work, 'act');
    const report = await runModels(options(['act/model.onnx'], base));
    expect(report.models[0]!.base).toBeUndefined();
    expect(report.models[0]!.warnings).toContainEqual(expect.stringMatching(/^not compared with base: the base version is a Git LFS pointer; its object cdcdcdcdcdcd of 601 bytes is not in the local LFS store/));
  });
});
