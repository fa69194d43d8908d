import { describe, expect, it } from 'vitest';
import { convertOnnxModel } from '../../src/convert/index.js';
import type { CoreMLModel } from '../../src/coreml/model.js';
import { FP16_GATE } from '../../src/parity/gates.js';
import { generateInputs } from '../../src/reference/seeded-inputs.js';
import type { TestDataSet } from '../../src/reference/test-data-set.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { traceDivergence } from '../../src/verify/divergence.js';
import { judgeOnDataSets } from '../../src/verify/judge.js';
import { searchMixedPrecision } from '../../src/verify/mixed-precision.js';
import { runOnOrt } from '../helpers/ort.js';
import { HIDDEN, SEQUENCE, layerNormBlock, layerNormBlockBytes } from './layernorm-block.js';

/** onnxruntime's output for seeded inputs: the reference changes with the input. */
async function referenceSet(projectionScale: number, seed: number): Promise<TestDataSet> {
  const inputs = generateInputs([{ name: 'x', dtype: 'float32', shape: [1, SEQUENCE, HIDDEN] }], seed);
  const out = await runOnOrt(layerNormBlockBytes(projectionScale), inputs);
  const y = out['y']!;
  const tensor: Tensor = { dtype: 'float32', shape: [...y.dims], data: y.data as Float32Array };
  return { name: `onnxruntime, seed ${seed}`, inputs: [{ name: 'x', tensor: inputs['x']! }], outputs: [{ name: 'y', tensor }] };
}

function convert(projectionScale: number, precision: 'fp16' | 'fp32', keep?: ReadonlySet<string>): CoreMLModel {
  return convertOnnxModel(layerNormBlock(projectionScale), { target: 'iOS15', precision, ...(keep ? { keepInFp32: keep } : {}) }).model;
}

function psnr(model: CoreMLModel, sets: readonly TestDataSet[]): number {
  const [y] = judgeOnDataSets(model, sets, { gate: FP16_GATE, referenceFile: 'block.onnx', packageFile: 'block.mlpackage' });
  return y!.verdict.metrics.psnrDb;
}

const inputsOf = (set: TestDataSet) => ({ x: set.inputs[0]!.tensor });

describe('fp16 divergence in a hand-written LayerNorm', () => {
  it('has references that change with the input', async () => {
    const [a, b] = await Promise.all([referenceSet(60, 1), referenceSet(60, 2)]);
    expect(a.outputs[0]!.tensor.data).not.toEqual(b.outputs[0]!.tensor.data);
  });

  it('fails the fp16 gate, and the first divergence is the square overflowing to +inf', async () => {
    const set = await referenceSet(60, 1);
    const fp32 = convert(60, 'fp32');
    const fp16 = convert(60, 'fp16');
    expect(psnr(fp32, [set])).toBeGreaterThan(60);
    expect(psnr(fp16, [set])).toBeLessThan(FP16_GATE.kind === 'psnr' ? FP16_GATE.minDb : 0);
    const profile = traceDivergence(fp32, fp16, { fp32: inputsOf(set), variant: inputsOf(set) }, { fp32: 'fp32', variant: 'fp16' });
    const first = profile.first!;
    expect(first.onnxNode).toBe('Pow_squared');
    expect(first.error.kind).toBe('overflow');
    expect(first.error.count).toBeGreaterThan(0);
    expect(first.fp32Range[1]).toBeGreaterThan(65504);
    expect(first.variantRange[1]).toBe('+inf');
    // Everything before the square stays within fp16's noise.
    for (const op of profile.ops.filter((o) => o.index < first.index)) expect(op.error.relative!).toBeLessThan(1e-2);
  });

  it('gives the same profile when the fp32 results are held a few at a time', async () => {
    const set = await referenceSet(60, 1);
    const [fp32, fp16] = [convert(60, 'fp32'), convert(60, 'fp16')];
    const trace = (memoryBytes?: number) =>
      traceDivergence(fp32, fp16, { fp32: inputsOf(set), variant: inputsOf(set) }, { fp32: 'fp32', variant: 'fp16' }, memoryBytes === undefined ? {} : { memoryBytes });
    const whole = trace();
    // 4 KB: one [16, 64] activation per window, so the trace takes a pair of runs per op.
    expect(trace(4096)).toEqual(whole);
    expect(whole.first!.onnxNode).toBe('Pow_squared');
  });

  it('finds no divergence when the activations are small', async () => {
    const set = await referenceSet(1, 1);
    const profile = traceDivergence(convert(1, 'fp32'), convert(1, 'fp16'), { fp32: inputsOf(set), variant: inputsOf(set) }, { fp32: 'fp32', variant: 'fp16' });
    expect(profile.ops.length).toBeGreaterThan(8);
    expect(profile.first).toBeNull();
  });
});

describe('mixed precision search', () => {
  it('keeps a few ops of the LayerNorm in fp32 and then passes the fp16 gate on every seed', async () => {
    const sets = await Promise.all([referenceSet(60, 1), referenceSet(60, 2)]);
    const result = searchMixedPrecision({
      fp32: convert(60, 'fp32'),
      build: (keep) => convert(60, 'fp16', keep),
      sets,
      gate: FP16_GATE,
      referenceFile: 'block.onnx',
      packageFile: 'block.mlpackage',
    });
    expect(result.passed).toBe(true);
    expect(result.kept.map((k) => k.onnxNode)).toContain('Pow_squared');
    expect(result.kept.length).toBeGreaterThan(0);
    expect(result.kept.length).toBeLessThanOrEqual(5);
    expect(psnr(result.model, sets)).toBeGreaterThanOrEqual(40);
  });

  it('keeps nothing when plain fp16 already passes', async () => {
    const sets = [await referenceSet(1, 1)];
    const result = searchMixedPrecision({ fp32: convert(1, 'fp32'), build: (keep) => convert(1, 'fp16', keep), sets, gate: FP16_GATE, referenceFile: 'block.onnx', packageFile: 'block.mlpackage' });
    expect(result.passed).toBe(true);
    expect(result.kept).toEqual([]);
  });

  it('widens op by op where the error only accumulates, until a gate plain fp16 misses passes', async () => {
    const sets = [await referenceSet(1, 1)];
    const fp16Psnr = psnr(convert(1, 'fp16'), sets);
    // A gate between fp16's PSNR and fp32's: no op jumps, so the search widens by the op that adds the most error.
    const gate = { kind: 'psnr', minDb: fp16Psnr + 6 } as const;
    expect(psnr(convert(1, 'fp32'), sets)).toBeGreaterThan(gate.minDb);
    const result = searchMixedPrecision({ fp32: convert(1, 'fp32'), build: (keep) => convert(1, 'fp16', keep), sets, gate, referenceFile: 'block.onnx', packageFile: 'block.mlpackage' });
    expect(result.passed).toBe(true);
    expect(result.kept.length).toBeGreaterThan(0);
    const [y] = judgeOnDataSets(result.model, sets, { gate, referenceFile: 'block.onnx', packageFile: 'block.mlpackage' });
    expect(y!.verdict.metrics.psnrDb).toBeGreaterThanOrEqual(gate.minDb);
  });
});
