import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as convert from '../../src/convert/index.js';
import { parseSettings } from '../../src/options/settings-file.js';
import { convertFile } from '../../src/pipeline.js';
import { runModels, type RunOptions } from '../../src/run/index.js';
import { makeTempDir } from '../cli/fixtures.js';
import { copyFixture } from './helpers.js';

/**
 * A model is prepared once per run and converted once per variant: the op
 * coverage comes from the fp32 conversion, which the fp32 variant reuses,
 * instead of a conversion of its own.
 */

vi.mock('../../src/convert/index.js', async (original) => {
  const real = await original<typeof import('../../src/convert/index.js')>();
  return { ...real, prepareOnnxModel: vi.fn(real.prepareOnnxModel), convertPreparedModel: vi.fn(real.convertPreparedModel) };
});

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
  vi.mocked(convert.prepareOnnxModel).mockClear();
  vi.mocked(convert.convertPreparedModel).mockClear();
});
afterEach(() => temp.remove());

function options(extra: Partial<RunOptions> = {}): RunOptions {
  return { models: ['cnn/model.onnx'], outDir: 'out', variants: ['fp32', 'fp16', 'int8'], target: 'iOS15', gates: { failOnUnsupported: true }, cwd: temp.dir, jobs: 1, ...extra };
}

describe('one model in a run', () => {
  it('is prepared once and converted once per variant, the fp32 conversion giving the op coverage', async () => {
    copyFixture('seed_simple_cnn', temp.dir, 'cnn');
    const report = await runModels(options());
    const [model] = report.models;
    expect(model!.variants.map((v) => [v.name, v.status])).toEqual([['fp32', 'passed'], ['fp16', 'passed'], ['int8', 'passed']]);
    expect(model!.coverage.find((row) => row.op === 'MaxPool')?.milOps).toEqual(['max_pool']);
    expect(vi.mocked(convert.prepareOnnxModel)).toHaveBeenCalledTimes(1);
    const precisions = vi.mocked(convert.convertPreparedModel).mock.calls.map(([, o]) => o.precision);
    expect(precisions).toEqual(['fp32', 'fp16', 'fp16']);
  });

  it('writes the same fp32 package from the reused coverage conversion as convert does', async () => {
    const onnx = copyFixture('seed_simple_cnn', temp.dir, 'cnn');
    await runModels(options({ variants: ['fp32'] }));
    const alone = join(temp.dir, 'alone.mlpackage');
    await convertFile(onnx, alone, { target: 'iOS15', precision: 'fp32' });
    const part = (pkg: string, file: string) => readFileSync(join(pkg, 'Data', 'com.apple.CoreML', file));
    const fromRun = join(temp.dir, 'out', 'cnn-model', 'fp32.mlpackage');
    expect(part(fromRun, 'weights/weight.bin').equals(part(alone, 'weights/weight.bin'))).toBe(true);
    expect(part(fromRun, 'model.mlmodel').length).toBeGreaterThan(0);
  });

  it('prepares once per target when dim ranges make preparation depend on it, and converts coverage without them', async () => {
    copyFixture('seed_simple_cnn', temp.dir, 'cnn');
    const settings = parseSettings('models:\n  - match: cnn/*.onnx\n    range: { input_0: { 2: 16..64, 3: 16..64 } }\n', 'onnx-coreml.yml');
    const report = await runModels(options({ variants: ['fp32', 'fp16'], settings }));
    expect(report.models[0]!.status).not.toBe('error');
    // Coverage without the ranges, then the variants' preparation with them.
    expect(vi.mocked(convert.prepareOnnxModel).mock.calls.map(([, o]) => o.ranges !== undefined)).toEqual([false, true]);
  });
});

describe('variants of one model that convert alike', () => {
  const part = (pkg: string, file: string) => readFileSync(join(pkg, 'Data', 'com.apple.CoreML', file));
  const packageOf = (out: string, variant: string) => join(temp.dir, out, 'cnn-model', `${variant}.mlpackage`);

  it('share one conversion (int8 and palettize4 are both fp16 at iOS16) and write the packages their own conversions write', async () => {
    copyFixture('seed_simple_cnn', temp.dir, 'cnn');
    await runModels(options({ variants: ['int8', 'palettize4'] }));
    // Op coverage (fp32), then one fp16 conversion for both variants.
    expect(vi.mocked(convert.convertPreparedModel).mock.calls.map(([, o]) => [o.precision, o.target])).toEqual([['fp32', 'iOS15'], ['fp16', 'iOS16']]);
    for (const variant of ['int8', 'palettize4']) {
      await runModels(options({ variants: [variant], outDir: `alone-${variant}` }));
      for (const file of ['weights/weight.bin', 'model.mlmodel']) {
        expect(part(packageOf('out', variant), file).equals(part(packageOf(`alone-${variant}`, variant), file))).toBe(true);
      }
    }
  });
});
