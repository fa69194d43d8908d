import { describe, expect, it } from 'vitest';
import { convertOnnxModel } from '../../../src/convert/index.js';
import { runModel } from '../../../src/runtime/interpreter.js';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../../helpers/onnx-graph.js';
import { convertNode, f32 } from './harness.js';
import { maxAbsDiff, runOnnxNode } from '../../runtime/ort.js';
import { compareWithOrt, seededTensor } from './ort-parity.js';

/**
 * ONNX LRN normalizes axis 1 with the window [c - floor((size-1)/2),
 * c + ceil((size-1)/2)]; Core ML's local_response_norm normalizes axis -3 with
 * [c - floor(size/2), c + floor((size-1)/2)]. The two agree only for rank-4
 * inputs and odd sizes; the rest is what the converter has to bridge.
 */

/** Seeded values scaled to ±20, so the squared sums move the result well beyond rounding. */
function scaled(shape: number[], seed: number): Tensor {
  return makeTensor('float32', shape, (seededTensor(shape, seed).data as Float32Array).map((v) => 20 * v));
}

const attrs = (size: number) => ({ size, alpha: 0.01, beta: 0.75, bias: 1 });
const FLOATS = ['alpha', 'beta', 'bias'];

/** The ONNX operator definition's formula. */
function onnxLrn(x: Float32Array, shape: number[], size: number, alpha: number, beta: number, bias: number): Float32Array {
  const channels = shape[1]!;
  const inner = shape.slice(2).reduce((a, b) => a * b, 1);
  return x.map((v, idx) => {
    const c = Math.floor(idx / inner) % channels;
    const base = idx - c * inner;
    let sq = 0;
    for (let j = Math.max(0, c - Math.floor((size - 1) / 2)); j <= Math.min(channels - 1, c + Math.ceil((size - 1) / 2)); j++) sq += x[base + j * inner]! ** 2;
    return v / Math.pow(bias + (alpha / size) * sq, beta);
  });
}

describe('LRN agrees with onnxruntime where onnxruntime runs it (rank 4, odd sizes)', () => {
  it('size 3 and size 5', async () => {
    for (const [size, seed] of [[3, 3], [5, 4]] as const) {
      const verdicts = await compareWithOrt(node('LRN', ['x'], ['y'], attrs(size), FLOATS), { x: scaled([2, 6, 3, 3], seed) });
      for (const v of verdicts) expect(v.pass, `${v.reason ?? ''} max abs ${v.metrics.maxAbsError}`).toBe(true);
    }
  });
  it('the ONNX formula below agrees with onnxruntime there too', async () => {
    const x = scaled([1, 6, 2, 2], 5);
    const ref = await runOnnxNode('LRN', { x }, {}, { size: 3, alpha: 0.01, beta: 0.75, bias: 1.5 });
    expect(maxAbsDiff(onnxLrn(x.data as Float32Array, [1, 6, 2, 2], 3, 0.01, 0.75, 1.5), ref)).toBeLessThan(1e-5);
  });
});

/** onnxruntime runs LRN only on rank 4 with an odd size; the rest is checked against the ONNX formula. */
describe('LRN on other ranks and even sizes follows the ONNX formula', () => {
  const cases = [[[2, 6, 3, 3], 2], [[2, 6, 3, 3], 4], [[2, 5, 4], 3], [[2, 5, 4], 2], [[1, 4, 3, 2, 2], 3], [[1, 4, 3, 2, 2], 2]] as const;
  for (const [shape, size] of cases) {
    it(`size ${size}, rank ${shape.length}`, () => {
      const m = model({
        nodes: [node('LRN', ['x'], ['y'], attrs(size), FLOATS)], inputs: [valueInfo('x', 'float32', [...shape])], outputs: [{ name: 'y', dtype: 'float32' }], opset: 17,
      });
      const converted = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' });
      for (const seed of [3, 4]) {
        const x = scaled([...shape], seed);
        const y = runModel(converted.model, { [converted.model.inputs[0]!.name]: x })[converted.model.outputs[0]!.name]!;
        const expected = onnxLrn(x.data as Float32Array, [...shape], size, 0.01, 0.75, 1);
        const got = y.data as Float32Array;
        expect(y.shape).toEqual([...shape]);
        for (let i = 0; i < expected.length; i++) expect(Math.abs(got[i]! - expected[i]!)).toBeLessThan(1e-4 + 1e-3 * Math.abs(expected[i]!));
      }
    });
  }
});

describe('LRN conversion', () => {
  it('mirrors the channels around the op for an even size only', () => {
    const types = (size: number) => convertNode(node('LRN', ['x'], ['y'], attrs(size), FLOATS), { x: f32(1, 6, 3, 3) }).ops.map((o) => o.type);
    expect(types(3)).toEqual(['local_response_norm']);
    expect(types(2)).toEqual(['reverse', 'local_response_norm', 'reverse']);
  });
  it('brings rank 3 to rank 4 and refuses a dynamic rank-5 input', () => {
    expect(convertNode(node('LRN', ['x'], ['y'], attrs(3), FLOATS), { x: f32(null, 6, 4) }).ops.map((o) => o.type)).toEqual(['expand_dims', 'local_response_norm', 'squeeze']);
    expect(() => convertNode(node('LRN', ['x'], ['y'], attrs(3), FLOATS), { x: f32(null, 6, 2, 2, 2) })).toThrow(/static shape/);
  });
});
