import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { convertOnnxModel } from '../../../src/convert/index.js';
import { walkOperations } from '../../../src/mil/ir.js';
import { encodeOnnxModel } from '../../../src/onnx/encode.js';
import type { OnnxNode, OnnxValueInfo } from '../../../src/onnx/ir.js';
import { runModel } from '../../../src/runtime/interpreter.js';
import { makeTensor, toNumberList, type Tensor } from '../../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../../helpers/onnx-graph.js';

const f32 = (shape: number[], ...v: number[]) => makeTensor('float32', shape, Float32Array.from(v));
const u8 = (shape: number[], ...v: number[]) => makeTensor('uint8', shape, Uint8Array.from(v));
const i8 = (shape: number[], ...v: number[]) => makeTensor('int8', shape, Int8Array.from(v));

/** Runs a one-node model on onnxruntime and, converted, on the interpreter; returns both outputs as number lists. */
async function both(n: OnnxNode, x: Tensor, outputs: OnnxValueInfo[], initializers: Record<string, Tensor>) {
  const m = model({ nodes: [n], inputs: [valueInfo('x', x.dtype, [...x.shape])], outputs, initializers, opset: 13 });
  const session = await ort.InferenceSession.create(encodeOnnxModel(m));
  const ref = await session.run({ x: new ort.Tensor(x.dtype as 'float32', x.data as Float32Array, [...x.shape]) });
  const converted = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' });
  const feed = x.dtype === 'float32' ? x : makeTensor('int32', x.shape, Int32Array.from(x.data as Uint8Array));
  const got = runModel(converted.model, { [converted.model.inputs[0]!.name]: feed });
  const ops = [...walkOperations(converted.model.program.functions.main!.block)].map((o) => o.type);
  return {
    ops,
    pairs: outputs.map((o, k) => ({ expected: Array.from(ref[o.name]!.data as ArrayLike<number>, Number), actual: toNumberList(got[converted.model.outputs[k]!.name]!) })),
  };
}

describe('QuantizeLinear', () => {
  it('rounds halves to even, adds the zero point and saturates to uint8, like onnxruntime', async () => {
    const x = f32([8], 0, 1, 2.5, 3.5, -3, 300, 1000, -1000);
    const n = node('QuantizeLinear', ['x', 's', 'z'], ['y']);
    const r = await both(n, x, [valueInfo('y', 'uint8', [8])], { s: f32([], 2), z: u8([], 128) });
    expect(r.pairs[0]!.actual).toEqual(r.pairs[0]!.expected);
    expect(r.ops).toEqual(expect.arrayContaining(['real_div', 'round', 'clip', 'cast']));
  });

  it('quantizes per channel along axis to int8', async () => {
    const x = f32([2, 3], -1, 0.5, 2, 40, -40, 7);
    const n = node('QuantizeLinear', ['x', 's', 'z'], ['y'], { axis: 1 });
    const r = await both(n, x, [valueInfo('y', 'int8', [2, 3])], { s: f32([3], 0.1, 0.2, 0.5), z: i8([3], 0, -5, 3) });
    expect(r.pairs[0]!.actual).toEqual(r.pairs[0]!.expected);
  });
});

describe('DequantizeLinear', () => {
  it('folds a constant int8 weight with per-channel scales into a float constant', async () => {
    const n = node('DequantizeLinear', ['w', 's', 'z'], ['wf'], { axis: 0 });
    const add = node('Add', ['x', 'wf'], ['y']);
    const m = model({
      nodes: [n, add], inputs: [valueInfo('x', 'float32', [2, 2])], outputs: [valueInfo('y', 'float32', [2, 2])],
      initializers: { w: i8([2, 2], -128, 127, 3, -4), s: f32([2], 0.5, 0.25), z: i8([2], 0, 2) }, opset: 13,
    });
    const converted = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' });
    const ops = [...walkOperations(converted.model.program.functions.main!.block)].map((o) => o.type).filter((t) => t !== 'const');
    expect(ops).toEqual(['add']);
    const out = runModel(converted.model, { x: f32([2, 2], 0, 0, 0, 0) });
    expect(toNumberList(out[converted.model.outputs[0]!.name]!)).toEqual([-64, 63.5, 0.25, -1.5]);
  });

  it('folds blocked quantization (opset 21 block_size) along either axis', () => {
    const fold = (x: Tensor, scale: Tensor, axis: number, zp?: Tensor) => {
      const n = node('DequantizeLinear', ['w', 's', ...(zp ? ['z'] : [])], ['y'], { axis, block_size: 2 });
      const m = model({
        nodes: [n], inputs: [], outputs: [valueInfo('y', 'float32', [...x.shape])],
        initializers: { w: x, s: scale, ...(zp ? { z: zp } : {}) }, opset: 21,
      });
      const converted = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' });
      return toNumberList(runModel(converted.model, {})[converted.model.outputs[0]!.name]!);
    };
    const along1 = fold(i8([2, 4], 1, 2, 3, 4, 5, 6, 7, 8), f32([2, 2], 1, 10, 100, 1000), 1, i8([2, 2], 0, 1, 2, 3));
    expect(along1).toEqual([1, 2, 20, 30, 300, 400, 4000, 5000]);
    const along0 = fold(i8([4, 2], 1, 2, 3, 4, 5, 6, 7, 8), f32([2, 2], 1, 2, 3, 4), 0);
    expect(along0).toEqual([1, 4, 3, 8, 15, 24, 21, 32]);
  });

  it('dequantizes a run-time uint8 tensor like onnxruntime', async () => {
    const x = u8([4], 0, 3, 128, 255);
    const n = node('DequantizeLinear', ['x', 's', 'z'], ['y']);
    const r = await both(n, x, [valueInfo('y', 'float32', [4])], { s: f32([], 0.5), z: u8([], 128) });
    expect(r.pairs[0]!.actual).toEqual(r.pairs[0]!.expected);
  });
});

describe('DynamicQuantizeLinear', () => {
  it('derives scale and zero point from the data range, like onnxruntime', async () => {
    const x = f32([2, 3], -1.5, 0, 0.7, 2.2, 3.1, -0.2);
    const n = node('DynamicQuantizeLinear', ['x'], ['y', 'ys', 'yz']);
    const outputs = [valueInfo('y', 'uint8', [2, 3]), valueInfo('ys', 'float32', []), valueInfo('yz', 'uint8', [])];
    const r = await both(n, x, outputs, {});
    expect(r.pairs[0]!.actual).toEqual(r.pairs[0]!.expected);
    expect(r.pairs[1]!.actual[0]).toBeCloseTo(r.pairs[1]!.expected[0]!, 6);
    expect(r.pairs[2]!.actual).toEqual(r.pairs[2]!.expected);
  });
});
