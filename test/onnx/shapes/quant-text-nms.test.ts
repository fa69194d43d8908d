import { describe, expect, it } from 'vitest';
import { node } from '../../helpers/onnx-graph.js';
import type { InferredType } from '../../../src/onnx/shapes/types.js';
import { f32, infer } from './nn-helpers.js';

const typed = (dtype: InferredType['dtype'], ...shape: (number | string | null)[]): InferredType => ({ dtype, shape });

describe('integer product shape inference', () => {
  it('gives ConvInteger the shape Conv gives x and w, as int32', () => {
    const n = node('ConvInteger', ['x', 'w', 'xz'], ['y'], { pads: [1, 1, 1, 1] });
    expect(infer(n, [typed('uint8', 'N', 3, 8, 6), typed('uint8', 4, 3, 3, 3), typed('uint8')])).toEqual([typed('int32', 'N', 4, 8, 6)]);
  });
  it('gives QLinearConv the conv shape of x and w (inputs 0 and 3) in y_zero_point’s type', () => {
    const n = node('QLinearConv', ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz'], ['y'], { strides: [2, 2] });
    const scalar = f32();
    expect(infer(n, [typed('int8', 1, 3, 9, 9), scalar, typed('int8'), typed('int8', 5, 3, 3, 3), scalar, typed('int8'), scalar, typed('int8')])).toEqual([typed('int8', 1, 5, 4, 4)]);
  });
  it('gives MatMulInteger the MatMul shape as int32 and QLinearMatMul uint8 when y_zero_point is omitted', () => {
    expect(infer(node('MatMulInteger', ['a', 'b'], ['y']), [typed('uint8', 'B', 4, 3), typed('int8', 3, 2)])).toEqual([typed('int32', 'B', 4, 2)]);
    const q = node('QLinearMatMul', ['a', 'as', 'az', 'b', 'bs', 'bz', 'ys'], ['y']);
    expect(infer(q, [typed('uint8', 4, 3), f32(), typed('uint8'), typed('uint8', 3, 7), f32(), typed('uint8'), f32()])).toEqual([typed('uint8', 4, 7)]);
  });
  it('refuses operands whose inner dims disagree, as MatMul does', () => {
    expect(() => infer(node('MatMulInteger', ['a', 'b'], ['y']), [typed('uint8', 4, 3), typed('uint8', 5, 2)])).toThrow();
  });
});

describe('TfIdfVectorizer shape inference', () => {
  const n = node('TfIdfVectorizer', ['x'], ['y'], { ngram_indexes: [0, 4, 2] });
  it('gives one row of max(ngram_indexes) + 1 columns for a [C] input', () => {
    expect(infer(n, [typed('int64', 12)])).toEqual([f32(5)]);
  });
  it('keeps the batch dim of an [N, C] input', () => {
    expect(infer(n, [typed('int32', 'N', 12)])).toEqual([f32('N', 5)]);
  });
});

describe('NonMaxSuppression shape inference', () => {
  it('gives int64 rows of (batch, class, box) whose count is only known at run time', () => {
    const n = node('NonMaxSuppression', ['boxes', 'scores', 'k', 'iou', 'score'], ['selected']);
    expect(infer(n, [f32(2, 10, 4), f32(2, 3, 10)])).toEqual([typed('int64', null, 3)]);
  });
});
