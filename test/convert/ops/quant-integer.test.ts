import { describe, expect, it } from 'vitest';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../../helpers/onnx-graph.js';
import { compareModelWithOrt } from './ort-graph.js';

/** Seeded 8-bit values, so failures reproduce. */
function bytes(dtype: 'uint8' | 'int8', shape: number[], seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  let s = seed;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) & 0xff;
  return dtype === 'uint8' ? makeTensor('uint8', shape, Uint8Array.from({ length: n }, next)) : makeTensor('int8', shape, Int8Array.from({ length: n }, () => next() - 128));
}
const f32 = (shape: number[], ...v: number[]) => makeTensor('float32', shape, Float32Array.from(v));

async function verdicts(m: ReturnType<typeof model>, feeds: Record<string, Tensor>): Promise<string[]> {
  const [results] = await compareModelWithOrt(m, [feeds]);
  return results!.map((v) => v.reason ?? 'pass');
}

describe('integer and quantized-linear products against onnxruntime', () => {
  it('ConvInteger with strides, a group and padding (onnxruntime takes per-tensor zero points only)', async () => {
    const m = model({
      nodes: [node('ConvInteger', ['x', 'w', 'xz', 'wz'], ['y'], { strides: [2, 1], pads: [1, 0, 1, 2], group: 2 })],
      inputs: [valueInfo('x', 'uint8', [1, 4, 7, 6]), valueInfo('w', 'uint8', [6, 2, 3, 3])],
      outputs: [{ name: 'y', dtype: 'int32' }],
      initializers: { xz: makeTensor('uint8', [], Uint8Array.of(131)), wz: makeTensor('uint8', [], Uint8Array.of(120)) },
    });
    expect(await verdicts(m, { x: bytes('uint8', [1, 4, 7, 6], 3), w: bytes('uint8', [6, 2, 3, 3], 4) })).toEqual(['pass']);
  });

  it('MatMulInteger with batched int8 operands and per-column zero points', async () => {
    const m = model({
      nodes: [node('MatMulInteger', ['a', 'b', 'az', 'bz'], ['y'])],
      inputs: [valueInfo('a', 'int8', [2, 5, 16]), valueInfo('b', 'int8', [16, 3])],
      outputs: [{ name: 'y', dtype: 'int32' }],
      initializers: { az: makeTensor('int8', [], Int8Array.of(-3)), bz: makeTensor('int8', [3], Int8Array.of(5, -7, 0)) },
    });
    expect(await verdicts(m, { a: bytes('int8', [2, 5, 16], 5), b: bytes('int8', [16, 3], 6) })).toEqual(['pass']);
  });

  it('QLinearConv with per-channel weight scales and an int32 bias, saturating to uint8', async () => {
    const m = model({
      nodes: [node('QLinearConv', ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz', 'bias'], ['y'], { pads: [1, 1, 1, 1] })],
      inputs: [valueInfo('x', 'uint8', [1, 3, 6, 6])],
      outputs: [{ name: 'y', dtype: 'uint8' }],
      initializers: {
        xs: f32([], 0.02), xz: makeTensor('uint8', [], Uint8Array.of(128)),
        w: bytes('uint8', [4, 3, 3, 3], 8), ws: f32([4], 0.01, 0.003, 0.02, 0.007), wz: makeTensor('uint8', [4], Uint8Array.of(128, 100, 140, 128)),
        ys: f32([], 0.05), yz: makeTensor('uint8', [], Uint8Array.of(120)), bias: makeTensor('int32', [4], Int32Array.of(100, -2000, 0, 5000)),
      },
    });
    expect(await verdicts(m, { x: bytes('uint8', [1, 3, 6, 6], 7) })).toEqual(['pass']);
  });

  it('QLinearMatMul to int8 with per-column scales of the right operand', async () => {
    const m = model({
      nodes: [node('QLinearMatMul', ['a', 'as', 'az', 'b', 'bs', 'bz', 'ys', 'yz'], ['y'])],
      inputs: [valueInfo('a', 'int8', [4, 8])],
      outputs: [{ name: 'y', dtype: 'int8' }],
      initializers: {
        as: f32([], 0.03), az: makeTensor('int8', [], Int8Array.of(2)),
        b: bytes('int8', [8, 3], 9), bs: f32([3], 0.01, 0.02, 0.005), bz: makeTensor('int8', [3], Int8Array.of(0, 0, 0)),
        ys: f32([], 0.2), yz: makeTensor('int8', [], Int8Array.of(-10)),
      },
    });
    expect(await verdicts(m, { a: bytes('int8', [4, 8], 10) })).toEqual(['pass']);
  });
});
