import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeReportFiles } from '../../src/report/files.js';
import { runModels, type RunOptions } from '../../src/run/index.js';
import type { RunReport } from '../../src/report/schema.js';
import { makeTempDir } from '../cli/fixtures.js';
import { writeTinyModel, writeUnsupportedModel } from '../cli/models.js';
import { copyFixture, writeCorruptModel } from './helpers.js';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.remove());

function options(models: string[], extra: Partial<RunOptions> = {}): RunOptions {
  return { models, outDir: 'out', variants: ['fp32', 'fp16'], target: 'iOS15', gates: { failOnUnsupported: true }, cwd: temp.dir, ...extra };
}

describe('runModels over several models', () => {
  it('reports a corrupt, an unsupported and a good model separately, and only the good one passes', async () => {
    copyFixture('seed_simple_cnn', temp.dir, 'cnn');
    writeCorruptModel(temp.dir);
    writeUnsupportedModel(temp.dir);
    const report = await runModels(options(['corrupt.onnx', 'unsupported.onnx', 'cnn/model.onnx']));

    expect(report.models.map((m) => [m.path, m.status])).toEqual([
      ['corrupt.onnx', 'error'],
      ['unsupported.onnx', 'unsupported'],
      ['cnn/model.onnx', 'passed'],
    ]);
    const [corrupt, unsupported, cnn] = report.models;
    expect(corrupt!.error?.code).toBe('MALFORMED');
    expect(corrupt!.error?.message).toMatch(/^corrupt\.onnx: /);
    expect(unsupported!.variants).toEqual([]);
    expect(unsupported!.unsupported.map((u) => u.op)).toEqual(['FrobnicateXyz', 'WibbleQux']);
    expect(cnn!.reference).toBe('test data');
    expect(cnn!.variants.map((v) => [v.name, v.status, v.package])).toEqual([
      ['fp32', 'passed', 'cnn-model/fp32.mlpackage'],
      ['fp16', 'passed', 'cnn-model/fp16.mlpackage'],
    ]);

    expect(report.passed).toBe(false);
    expect(report.failures).toHaveLength(2);
    expect(report.failures[0]).toMatch(/^corrupt\.onnx: could not be processed: /);
    expect(report.failures[1]).toBe('unsupported.onnx: 2 node(s) use unsupported ops: FrobnicateXyz, WibbleQux');
  });

  it('writes no report file itself; the one writer gives a report.json that parses back to it, and comment.md with all three tables', async () => {
    copyFixture('seed_simple_cnn', temp.dir, 'cnn');
    const report = await runModels(options(['cnn/model.onnx']));
    expect(existsSync(join(temp.dir, 'out', 'report.json'))).toBe(false);
    await writeReportFiles(join(temp.dir, 'out'), report);
    const json = JSON.parse(readFileSync(join(temp.dir, 'out', 'report.json'), 'utf8')) as RunReport;
    expect(json).toEqual(JSON.parse(JSON.stringify(report, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))));
    expect(json.schemaVersion).toBe(1);
    expect(json.engine).toBe('reference interpreter');
    const comment = readFileSync(join(temp.dir, 'out', 'comment.md'), 'utf8');
    expect(comment).toContain('**Size**');
    expect(comment).toContain('**Accuracy**');
    expect(comment).toContain('Op coverage');
  });

  it('measures each package as the bytes of all its files and keeps the packages in the output folder', async () => {
    copyFixture('seed_simple_cnn', temp.dir, 'cnn');
    const report = await runModels(options(['cnn/model.onnx']));
    const [fp32, fp16] = report.models[0]!.variants;
    expect(existsSync(join(temp.dir, 'out', 'cnn-model', 'fp32.mlpackage', 'Manifest.json'))).toBe(true);
    // fp32 weights are 4 bytes each, fp16 2: the fp16 package is roughly half the size.
    expect(fp16!.sizeBytes! / fp32!.sizeBytes!).toBeGreaterThan(0.45);
    expect(fp16!.sizeBytes! / fp32!.sizeBytes!).toBeLessThan(0.6);
  });

  it('raises the deployment target of a compressed variant and says so in its warnings', async () => {
    copyFixture('seed_simple_cnn', temp.dir, 'cnn');
    const report = await runModels(options(['cnn/model.onnx'], { variants: ['int8'] }));
    const int8 = report.models[0]!.variants[0]!;
    expect(int8.target).toBe('iOS16');
    expect(int8.warnings).toContain('int8 needs iOS16 or later; deployment target raised from iOS15 to iOS16');
    expect(int8.status).toBe('passed');
  });

  it('falls back to onnxruntime on seeded inputs when no test data ships with the model', async () => {
    writeTinyModel(temp.dir);
    const report = await runModels(options(['tiny.onnx']));
    const tiny = report.models[0]!;
    expect(tiny.reference).toBe('onnxruntime');
    expect(tiny.variants.map((v) => v.status)).toEqual(['passed', 'passed']);
    expect(tiny.variants[0]!.outputs[0]!.name).toBe('y');
  });

  it('fails an output that misses a user min PSNR, with one failure line naming model, variant and output', async () => {
    copyFixture('seed_simple_cnn', temp.dir, 'cnn');
    const report = await runModels(options(['cnn/model.onnx'], { gates: { failOnUnsupported: true, minPsnr: 200 } }));
    const [fp32, fp16] = report.models[0]!.variants;
    // The user's PSNR applies where the default gate is a PSNR gate (fp16); fp32 keeps its element-wise gate.
    expect(fp32!.status).toBe('passed');
    expect(fp16!.status).toBe('failed');
    expect(fp16!.gate).toBe('PSNR ≥ 200 dB');
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]).toMatch(/^cnn\/model\.onnx \[fp16\] output "output_0": PSNR \d+\.\d+ dB is below the 200 dB gate$/);
  });

  it('holds fp32 variants to a user max abs error', async () => {
    copyFixture('seed_simple_cnn', temp.dir, 'cnn');
    const report = await runModels(options(['cnn/model.onnx'], { variants: ['fp32'], gates: { failOnUnsupported: true, maxAbsError: 1e-12 } }));
    const fp32 = report.models[0]!.variants[0]!;
    expect(fp32.gate).toBe('max abs error ≤ 1e-12');
    expect(fp32.status).toBe('failed');
    expect(report.failures).toHaveLength(1);
  });

  it('leaves unsupported models out of the failures when failOnUnsupported is off', async () => {
    writeUnsupportedModel(temp.dir);
    const report = await runModels(options(['unsupported.onnx'], { gates: { failOnUnsupported: false } }));
    expect(report.models[0]!.status).toBe('unsupported');
    expect(report.failures).toEqual([]);
    expect(report.passed).toBe(true);
  });

  it('fails every model that runs out of its time limit, names the stage, and still returns the report', async () => {
    copyFixture('seed_simple_cnn', temp.dir, 'cnn');
    copyFixture('seed_custom_activation', temp.dir, 'act');
    const report = await runModels(options(['cnn/model.onnx', 'act/model.onnx'], { timeoutSecondsPerModel: 1e-9 }));
    for (const m of report.models) {
      expect(m.status).toBe('error');
      expect(m.error?.code).toBe('LIMIT_EXCEEDED');
      expect(m.error?.message).toMatch(/timed out after 1e-9 s \(per-model time limit\) while /);
    }
    expect(report.failures).toHaveLength(2);
    expect(report.passed).toBe(false);
  });

  it('refuses an unknown variant name before doing any work', async () => {
    await expect(runModels(options([], { variants: ['fp12'] }))).rejects.toThrow(/unknown variant "fp12"/);
  });

  it('reports progress for every model and stage', async () => {
    copyFixture('seed_custom_activation', temp.dir, 'act');
    const messages: string[] = [];
    await runModels(options(['act/model.onnx'], { onProgress: (m) => messages.push(m) }));
    expect(messages[0]).toBe('[1/1] act/model.onnx: reading');
    expect(messages).toContain('[1/1] act/model.onnx: building fp16');
    expect(messages).toContain('[1/1] act/model.onnx: verifying fp16');
    expect(messages.at(-1)).toMatch(/^\[1\/1\] act\/model\.onnx: passed \(/);
  });
});
