import { describe, expect, it } from 'vitest';
import { foldFunctionFor } from '../../../src/onnx/fold/index.js';
import { makeTensor, toNumberList, type Tensor } from '../../../src/tensor/tensor.js';
import { node } from '../../helpers/onnx-graph.js';

const i64 = (values: number[], shape = [values.length]): Tensor => makeTensor('int64', shape, BigInt64Array.from(values.map(BigInt)));
const f32 = (values: number[], shape = [values.length]): Tensor => makeTensor('float32', shape, Float32Array.from(values));

function fold(op: string, inputs: Tensor[]): Tensor {
  return foldFunctionFor(op)!(node(op, inputs.map((_, i) => `in${i}`), ['o']), inputs, 17)[0]!;
}

describe('element-wise fold evaluators', () => {
  it('Add, Sub and Mul broadcast int64 operands and keep int64', () => {
    const sum = fold('Add', [i64([1, 2, 3]), i64([10], [])]);
    expect(sum.dtype).toBe('int64');
    expect(toNumberList(sum)).toEqual([11, 12, 13]);
    expect(toNumberList(fold('Sub', [i64([5]), i64([1, 2])]))).toEqual([4, 3]);
    expect(toNumberList(fold('Mul', [f32([1.5, 2], [2, 1]), f32([2, 4], [1, 2])]))).toEqual([3, 6, 4, 8]);
  });

  it('Div truncates integers toward zero and divides floats exactly', () => {
    expect(toNumberList(fold('Div', [i64([7, -7]), i64([2])]))).toEqual([3, -3]);
    expect(toNumberList(fold('Div', [f32([1]), f32([4])]))).toEqual([0.25]);
  });

  it('Equal and Not give bool tensors', () => {
    const eq = fold('Equal', [i64([1, 2, 3]), i64([2])]);
    expect(eq.dtype).toBe('bool');
    expect(toNumberList(eq)).toEqual([0, 1, 0]);
    expect(toNumberList(fold('Not', [eq]))).toEqual([1, 0, 1]);
  });

  it('Where picks from x where the condition holds, else from y', () => {
    const cond = makeTensor('bool', [3], Uint8Array.from([1, 0, 1]));
    expect(toNumberList(fold('Where', [cond, i64([1, 2, 3]), i64([-1], [])]))).toEqual([1, -1, 3]);
  });

  it('Neg negates shape arithmetic and keeps the dtype', () => {
    const neg = fold('Neg', [i64([1, -2])]);
    expect(neg.dtype).toBe('int64');
    expect(toNumberList(neg)).toEqual([-1, 2]);
  });
});
