import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/tensor/tensor.js';
import { f32, flag, ints, runOp, str, values } from './build.js';
import { seededFloats } from '../helpers/seeded.js';
import { maxAbsDiff, runOnnxNode, type OnnxAttr } from './ort.js';

const F = (shape: number[]) => ({ dtype: 'float32' as const, shape });
const x4 = f32([1, 1, 4, 4], Array.from({ length: 16 }, (_, i) => i));

describe('pooling', () => {
  it('max_pool 2×2 stride 2 takes each window maximum', () => {
    const [out] = runOp('max_pool', { x: x4, kernel_sizes: ints([2, 2]), strides: ints([2, 2]), pad_type: str('valid') }, F([1, 1, 2, 2]));
    expect(values(out!)).toEqual([5, 7, 13, 15]);
  });

  it('avg_pool counts padding in the divisor unless exclude_padding_from_average', () => {
    const x = f32([1, 1, 1, 2], [2, 4]);
    const base = { x, kernel_sizes: ints([1, 2]), pad_type: str('custom'), pad: ints([0, 0, 1, 0]) };
    expect(values(runOp('avg_pool', base, F([1, 1, 1, 2]))[0]!)).toEqual([1, 3]);
    expect(values(runOp('avg_pool', { ...base, exclude_padding_from_average: flag(true) }, F([1, 1, 1, 2]))[0]!)).toEqual([2, 3]);
  });

  it('l2_pool takes the root of the sum of squares', () => {
    const [out] = runOp('l2_pool', { x: f32([1, 1, 2], [3, 4]), kernel_sizes: ints([2]), pad_type: str('valid') }, F([1, 1, 1]));
    expect(values(out!)).toEqual([5]);
  });

  it("pad_type 'same' keeps ceil(in/stride) outputs", () => {
    const [out] = runOp('max_pool', { x: x4, kernel_sizes: ints([3, 3]), strides: ints([2, 2]), pad_type: str('same') }, F([1, 1, 2, 2]));
    // Total pad 1 goes after: windows cover rows/cols 0–2 and 2–3 (+1 pad).
    expect(values(out!)).toEqual([10, 11, 14, 15]);
  });

  it.each([
    { name: 'max ceil_mode', op: 'max_pool', onnx: 'MaxPool', attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }, mil: { kernel_sizes: ints([3, 3]), strides: ints([2, 2]), pad_type: str('valid'), ceil_mode: flag(true) } },
    { name: 'avg ceil_mode with pads, count_include_pad', op: 'avg_pool', onnx: 'AveragePool', attrs: { kernel_shape: [3, 2], strides: [2, 2], pads: [1, 0, 1, 1], ceil_mode: 1, count_include_pad: 1 }, mil: { kernel_sizes: ints([3, 2]), strides: ints([2, 2]), pad_type: str('custom'), pad: ints([1, 1, 0, 1]), ceil_mode: flag(true) } },
    { name: 'avg excluding pads', op: 'avg_pool', onnx: 'AveragePool', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, mil: { kernel_sizes: ints([3, 3]), pad_type: str('custom'), pad: ints([1, 1, 1, 1]), exclude_padding_from_average: flag(true) } },
  ] as { name: string; op: string; onnx: string; attrs: Record<string, OnnxAttr>; mil: Record<string, Tensor> }[])('$name matches onnxruntime', async ({ op, onnx, attrs, mil }) => {
    const x = f32([1, 2, 7, 8], seededFloats(112, 21));
    const ref = await runOnnxNode(onnx, { x }, {}, attrs);
    const [out] = runOp(op, { x, ...mil }, { dtype: 'float32', shape: [null, null, null, null] });
    expect(out!.data.length).toBe(ref.length);
    expect(maxAbsDiff(values(out!), ref)).toBeLessThan(1e-6);
  });
});
