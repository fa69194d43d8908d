import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { RunReport } from '../../src/report/schema.js';
import type { VerifyReport } from '../../src/verify.js';
import { encodeOnnxModel } from '../../src/onnx/encode.js';
import { model as onnxModel, node, valueInfo } from '../helpers/onnx-graph.js';
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

/** A model with a rank-0 bool input choosing between two branches, and a rank-0 output. */
function scalarModel() {
  const branch = (name: string, op: string) => ({ name, nodes: [node(op, ['x'], [`${name}_out`])], inputs: [], outputs: [valueInfo(`${name}_out`, 'float32', [1, 3])], initializers: new Map(), valueInfo: new Map() });
  return onnxModel({
    nodes: [
      node('If', ['c'], ['y'], { then_branch: { type: 'graph', value: branch('then', 'Sigmoid') }, else_branch: { type: 'graph', value: branch('else', 'Tanh') } }),
      node('ReduceMax', ['x'], ['top'], { keepdims: 0 }),
    ],
    inputs: [valueInfo('x', 'float32', [1, 3]), valueInfo('c', 'bool', [])],
    outputs: [valueInfo('y', 'float32', [1, 3]), valueInfo('top', 'float32', [])],
  });
}

describe('a model with rank-0 inputs and outputs', () => {
  it('is judged by report on seeded inputs (a scalar fed as Core ML\'s one-element array), with the numbers verify --onnx gives', async () => {
    mkdirSync(join(temp.dir, 's'));
    const model = join(temp.dir, 's', 'model.onnx');
    writeFileSync(model, encodeOnnxModel(scalarModel()));
    const out = join(temp.dir, 'out');
    const report = await json<RunReport>(['report', model, '--out', out, '--variants', 'fp32,fp16', '--json']);
    const [result] = report.models;
    expect(result!.reference).toBe('onnxruntime');
    expect(result!.variants.map((v) => [v.status, v.error])).toEqual([['passed', undefined], ['passed', undefined]]);
    for (const variant of result!.variants) {
      expect(variant.outputs.map((o) => o.shape)).toEqual([[1, 3], []]);
      const verified = await json<VerifyReport>(['verify', join(out, variant.package!), '--onnx', model, '--json']);
      expect(verified.outputs.map((o) => metricsOf(o as unknown as Record<string, unknown>))).toEqual(
        variant.outputs.map((o) => metricsOf(o as unknown as Record<string, unknown>)),
      );
    }
  });
});
