import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { RunReport } from '../../src/report/schema.js';
import type { VerifyReport } from '../../src/verify.js';
import { captureIO, fixtureModel, makeTempDir } from './fixtures.js';

/**
 * `verify PKG --onnx MODEL` and `report` take their references from the same
 * stage with the same seed, so for a model without test data beside it they
 * judge a package on the same inputs and print the same numbers.
 */

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.remove());

async function json<T>(args: string[]): Promise<T> {
  const io = captureIO();
  await main(args, io);
  return JSON.parse(io.out()) as T;
}

const METRICS = ['maxAbsError', 'maxRelError', 'meanAbsError', 'snrDb', 'psnrDb', 'cosine', 'top1Agreement', 'shape'] as const;
const metricsOf = (output: Record<string, unknown>) => Object.fromEntries(METRICS.map((m) => [m, output[m]]));

describe('verify --onnx and report', () => {
  it.each(['seed_simple_cnn', 'tiny_lstm'])('give identical metrics for every variant of %s', async (fixture) => {
    // The model alone, without its test data: report falls back to onnxruntime on seeded inputs, as verify --onnx uses.
    mkdirSync(join(temp.dir, 'm'));
    const model = join(temp.dir, 'm', 'model.onnx');
    copyFileSync(fixtureModel(fixture), model);
    const out = join(temp.dir, 'out');
    const report = await json<RunReport>(['report', model, '--out', out, '--variants', 'fp32,fp16,int8', '--json']);
    const [result] = report.models;
    expect(result!.reference).toBe('onnxruntime');
    expect(result!.variants.map((v) => v.status)).toEqual(['passed', 'passed', 'passed']);
    for (const variant of result!.variants) {
      const verified = await json<VerifyReport>(['verify', join(out, variant.package!), '--onnx', model, '--json']);
      expect(verified.outputs.length).toBe(variant.outputs.length);
      verified.outputs.forEach((o, k) => {
        expect({ variant: variant.name, ...metricsOf(o as unknown as Record<string, unknown>) }).toEqual({
          variant: variant.name,
          ...metricsOf(variant.outputs[k] as unknown as Record<string, unknown>),
        });
      });
    }
  });
});
