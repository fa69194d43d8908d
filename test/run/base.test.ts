import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeReportFiles } from '../../src/report/files.js';
import { readBaseFile, resolveCommit } from '../../src/run/base.js';
import { runModels, type RunOptions } from '../../src/run/index.js';
import { makeTempDir } from '../cli/fixtures.js';
import { writeTinyModel } from '../cli/models.js';
import { copyFixture } from './helpers.js';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
  git('init', '-q');
});
afterEach(() => temp.remove());

function git(...args: string[]): string {
  // An isolated identity and no hooks: the test repository must not depend on the machine's git setup.
  const config = ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'core.hooksPath=/dev/null', '-c', 'commit.gpgsign=false'];
  return execFileSync('git', [...config, ...args], { cwd: temp.dir, encoding: 'utf8' });
}

function commitAll(message: string): string {
  git('add', '-A');
  git('commit', '-q', '-m', message);
  return git('rev-parse', 'HEAD').trim();
}

function options(models: string[], extra: Partial<RunOptions> = {}): RunOptions {
  return { models, outDir: 'out', variants: ['fp32', 'fp16'], target: 'iOS15', gates: { failOnUnsupported: true }, cwd: temp.dir, ...extra };
}

describe('base comparison through git', () => {
  it('marks a model that does not exist at the base ref as new (base null)', async () => {
    writeFileSync(join(temp.dir, 'README'), 'base\n');
    const base = commitAll('base');
    copyFixture('seed_custom_activation', temp.dir, 'act');
    const report = await runModels(options(['act/model.onnx'], { baseRef: base }));
    expect(report.models[0]!.base).toBeNull();
    expect(report.notes).toEqual([]);
  });

  it('runs the base version of a changed model and reports both sizes', async () => {
    mkdirSync(join(temp.dir, 'm'));
    writeTinyModel(join(temp.dir, 'm'), 'model.onnx');
    const base = commitAll('small model');
    // The same path now holds a bigger network (with its test data).
    copyFixture('seed_simple_cnn', temp.dir, 'm');
    commitAll('bigger model');

    const report = await runModels(options(['m/model.onnx'], { baseRef: base }));
    const model = report.models[0]!;
    expect(model.status).toBe('passed');
    expect(model.base).toBeDefined();
    // The head's test data does not fit the base's inputs, so the base is checked against onnxruntime.
    expect(model.base!.status).toBe('passed');
    expect(model.base!.onnxBytes).toBeLessThan(model.onnxBytes!);
    for (const v of model.variants) {
      const before = model.base!.variants.find((b) => b.name === v.name)!;
      expect(before.sizeBytes).toBeGreaterThan(0);
      expect(v.sizeBytes!).toBeGreaterThan(before.sizeBytes!);
    }
    expect(report.baseCommit).toBe(base);
    await writeReportFiles(join(temp.dir, 'out'), report);
    const comment = await import('node:fs').then((fs) => fs.readFileSync(join(temp.dir, 'out', 'comment.md'), 'utf8'));
    expect(comment).toContain(`compared with base \`${base.slice(0, 12)}\``);
    expect(comment).toContain('Δ vs base');
    expect(comment).toMatch(/\+\d[\d.]* KB \(\+\d/);
  });

  it('reports the same sizes for head and base when the model did not change', async () => {
    copyFixture('seed_custom_activation', temp.dir, 'act');
    const base = commitAll('model');
    const report = await runModels(options(['act/model.onnx'], { baseRef: base, gates: { failOnUnsupported: true, maxSizeIncrease: 0 } }));
    const model = report.models[0]!;
    expect(model.base!.variants.map((v) => v.sizeBytes)).toEqual(model.variants.map((v) => v.sizeBytes));
    expect(model.base!.variants[0]!.outputs[0]!.maxAbsError).toBe(model.variants[0]!.outputs[0]!.maxAbsError);
    expect(report.passed).toBe(true);
  });

  it('judges the base version against the test data it had at the base ref', async () => {
    // The reference run: seed_simple_cnn against its own test data.
    copyFixture('seed_simple_cnn', temp.dir, 'alone');
    const alone = await runModels(options(['alone/model.onnx'], { variants: ['fp32'] }));
    const expected = alone.models[0]!.variants[0]!.outputs[0]!.maxAbsError;

    copyFixture('seed_simple_cnn', temp.dir, 'm');
    const base = commitAll('cnn with its test data');
    rmSync(join(temp.dir, 'm'), { recursive: true });
    copyFixture('seed_custom_activation', temp.dir, 'm');
    const report = await runModels(options(['m/model.onnx'], { variants: ['fp32'], baseRef: base }));
    const before = report.models[0]!.base!.variants[0]!.outputs[0]!;
    // The head's test data (4×10 inputs) cannot feed the base; the base's own must have been used.
    expect(before.maxAbsError).toBe(expected);
  });

  it('fails the size gate once per variant that grew beyond the allowed percentage', async () => {
    mkdirSync(join(temp.dir, 'm'));
    writeTinyModel(join(temp.dir, 'm'), 'model.onnx');
    const base = commitAll('small model');
    copyFixture('seed_simple_cnn', temp.dir, 'm');

    const report = await runModels(options(['m/model.onnx'], { variants: ['fp16'], baseRef: base, gates: { failOnUnsupported: true, maxSizeIncrease: 10 } }));
    expect(report.passed).toBe(false);
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]).toMatch(/^m\/model\.onnx \[fp16\]: package grew \d+\.\d% vs base \(.+ → .+\), over the 10% limit$/);
  });

  it('notes a base ref git cannot resolve and still reports the head results', async () => {
    copyFixture('seed_custom_activation', temp.dir, 'act');
    commitAll('model');
    const report = await runModels(options(['act/model.onnx'], { baseRef: 'no-such-branch' }));
    expect(report.models[0]!.status).toBe('passed');
    expect(report.models[0]!.base).toBeUndefined();
    expect(report.notes[0]).toMatch(/^Base ref "no-such-branch" cannot be resolved/);
  });
});

describe('readBaseFile', () => {
  it('reads a file at a commit into a temporary copy with the same file name', async () => {
    writeTinyModel(temp.dir, 'net.onnx');
    const commit = commitAll('net');
    const file = await readBaseFile(commit, 'net.onnx', temp.dir);
    expect(file.kind).toBe('file');
    if (file.kind === 'file') {
      expect(file.path.endsWith('net.onnx')).toBe(true);
      await file.cleanup();
    }
  });

  it('refuses a path outside the repository folder without running git', async () => {
    writeFileSync(join(temp.dir, 'README'), 'x\n');
    const commit = commitAll('x');
    expect(await readBaseFile(commit, '../elsewhere/model.onnx', temp.dir)).toEqual({ kind: 'unavailable', reason: 'the model is outside the repository folder' });
  });

  it('does not let a ref that looks like an option reach git as one', async () => {
    expect(await resolveCommit('--output=/tmp/x', temp.dir)).toBeUndefined();
  });
});
