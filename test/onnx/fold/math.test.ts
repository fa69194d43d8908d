import { describe, expect, it } from 'vitest';
import { foldFunctionFor } from '../../../src/onnx/fold/index.js';
import { makeTensor, toNumberList, type Tensor } from '../../../src/tensor/tensor.js';
import { node } from '../../helpers/onnx-graph.js';

const i64 = (values: number[], shape = [values.length]): Tensor => makeTensor('int64', shape, BigInt64Array.from(values.map(BigInt)));
const f32 = (values: number[], shape = [values.length]): Tensor => makeTensor('float32', shape, Float32Array.from(values));
const bool = (values: number[]): Tensor => makeTensor('bool', [values.length], Uint8Array.from(values));

function fold(op: string, inputs: Tensor[], attrs: Record<string, number | number[]> = {}): Tensor {
  return foldFunctionFor(op)!(node(op, inputs.map((_, i) => `in${i}`), ['o'], attrs), inputs, 17)[0]!;
}

describe('arithmetic fold evaluators for padding and shape arithmetic', () => {
  it('Mod with fmod 0 takes the divisor sign (Swin window padding: [0, 9] mod 7)', () => {
    const out = fold('Mod', [i64([0, 0, 0, 0, 0, 9, 9, 0]), i64([7], [])]);
    expect(out.dtype).toBe('int64');
    expect(toNumberList(out)).toEqual([0, 0, 0, 0, 0, 2, 2, 0]);
    expect(toNumberList(fold('Mod', [i64([-7, 7, -7]), i64([3, -3, -3])]))).toEqual([2, -2, -1]);
  });

  it('Mod with fmod 1 takes the dividend sign for ints and floats', () => {
    expect(toNumberList(fold('Mod', [i64([-7, 7]), i64([3, -3])], { fmod: 1 }))).toEqual([-1, 1]);
    expect(toNumberList(fold('Mod', [f32([-5.5, 5.5]), f32([2])], { fmod: 1 }))).toEqual([-1.5, 1.5]);
  });

  it('Mod leaves an integer division by zero to run time', () => {
    expect(() => fold('Mod', [i64([1]), i64([0])])).toThrow(/zero/);
  });

  it('Min, Max and Sum broadcast any number of inputs in the first dtype; Pow keeps the base dtype', () => {
    expect(toNumberList(fold('Min', [i64([5, 1, 9]), i64([4], []), i64([7, 0, 8])]))).toEqual([4, 0, 4]);
    expect(toNumberList(fold('Max', [f32([1.5, -2]), f32([0])]))).toEqual([1.5, 0]);
    expect(toNumberList(fold('Sum', [i64([1, 2]), i64([10], []), i64([100, 200])]))).toEqual([111, 212]);
    expect(toNumberList(fold('Pow', [i64([2, 3]), i64([3])]))).toEqual([8, 27]);
  });

  it('Floor, Ceil, Round (half to even), Sqrt, Abs, Sign and Reciprocal', () => {
    expect(toNumberList(fold('Floor', [f32([1.5, -1.5])]))).toEqual([1, -2]);
    expect(toNumberList(fold('Ceil', [f32([1.5, -1.5])]))).toEqual([2, -1]);
    expect(toNumberList(fold('Round', [f32([0.5, 1.5, 2.5, -0.5, -2.6])]))).toEqual([0, 2, 2, -0, -3]);
    expect(toNumberList(fold('Sqrt', [f32([4, 2])]))).toEqual([2, Math.fround(Math.SQRT2)]);
    expect(toNumberList(fold('Abs', [i64([-3, 4])]))).toEqual([3, 4]);
    expect(toNumberList(fold('Sign', [i64([-3, 0, 4])]))).toEqual([-1, 0, 1]);
    expect(toNumberList(fold('Reciprocal', [f32([4])]))).toEqual([0.25]);
  });

  it('comparisons and logic give bool tensors', () => {
    expect(toNumberList(fold('Less', [i64([1, 5]), i64([3])]))).toEqual([1, 0]);
    expect(toNumberList(fold('GreaterOrEqual', [i64([1, 3]), i64([3])]))).toEqual([0, 1]);
    expect(fold('Greater', [f32([1]), f32([0])]).dtype).toBe('bool');
    expect(toNumberList(fold('And', [bool([1, 1, 0]), bool([1, 0, 0])]))).toEqual([1, 0, 0]);
    expect(toNumberList(fold('Or', [bool([1, 0, 0]), bool([0, 0, 1])]))).toEqual([1, 0, 1]);
    expect(toNumberList(fold('Xor', [bool([1, 1]), bool([1, 0])]))).toEqual([0, 1]);
  });
});

describe('layout fold evaluators', () => {
  it('Transpose of an int64 [4, 2] pad list with perm [1, 0] lists the begins, then the ends', () => {
    const out = fold('Transpose', [i64([0, 0, 0, 0, 0, 2, 0, 2], [4, 2])], { perm: [1, 0] });
    expect(out.shape).toEqual([2, 4]);
    expect(toNumberList(out)).toEqual([0, 0, 0, 0, 0, 0, 2, 2]);
  });

  it('Transpose without perm reverses the axes of a rank-3 constant', () => {
    const x = f32(Array.from({ length: 24 }, (_, i) => i), [2, 3, 4]);
    const out = fold('Transpose', [x]);
    expect(out.shape).toEqual([4, 3, 2]);
    expect(toNumberList(out).slice(0, 4)).toEqual([0, 12, 4, 16]);
  });

  it('Tile repeats each axis', () => {
    const out = fold('Tile', [i64([1, 2], [1, 2]), i64([2, 2])]);
    expect(out.shape).toEqual([2, 4]);
    expect(toNumberList(out)).toEqual([1, 2, 1, 2, 1, 2, 1, 2]);
  });

  it('Split of a shape vector by sizes (opset 13 input) and into equal parts', () => {
    const shape = i64([2, 3, 4, 5]);
    const parts = foldFunctionFor('Split')!(node('Split', ['s', 'k'], ['a', 'b']), [shape, i64([1, 3])], 13);
    expect(parts.map(toNumberList)).toEqual([[2], [3, 4, 5]]);
    const halves = foldFunctionFor('Split')!(node('Split', ['x'], ['a', 'b'], { axis: 1 }), [i64([1, 2, 3, 4], [2, 2])], 13);
    expect(halves.map((t) => [t.shape, toNumberList(t)])).toEqual([[[2, 1], [1, 3]], [[2, 1], [2, 4]]]);
  });
});
