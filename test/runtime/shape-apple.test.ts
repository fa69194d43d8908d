import { describe, expect, it } from 'vitest';
import { f32, flag, i32, int, ints, runOp, scalar, values, type Arg } from './build.js';

/**
 * Shape-making and shape-changing ops on the cases Apple's tests pin
 * (iOS14/test_tensor_operation.py: fill, non_zero, one_hot, range_1d,
 * flatten2d; iOS14/test_tensor_transformation.py: stack, expand_dims,
 * squeeze, transpose, reverse), expected values from their numpy formulas.
 */

const F = (shape: number[]) => ({ dtype: 'float32' as const, shape });
const I = (shape: number[]) => ({ dtype: 'int32' as const, shape });
const run = (op: string, inputs: Record<string, Arg>, shape: number[]) => values(runOp(op, inputs, F(shape))[0]!);

describe('tensor-making ops', () => {
  it('fill a [2, 1, 3] shape with one value', () => {
    expect(run('fill', { shape: ints([2, 1, 3]), value: scalar(1) }, [2, 1, 3])).toEqual([1, 1, 1, 1, 1, 1]);
    expect(run('fill', { shape: ints([1, 2]), value: scalar(-1917) }, [1, 2])).toEqual([-1917, -1917]);
  });
  it('non_zero lists the coordinates of non-zero elements in row-major order', () => {
    const [out] = runOp('non_zero', { x: f32([3, 3], [3, 0, 0, 0, 4, 0, 5, 6, 0]) }, { dtype: 'int32', shape: [null, 2] });
    expect(out!.shape).toEqual([4, 2]);
    expect(values(out!)).toEqual([0, 0, 1, 1, 2, 0, 2, 1]);
  });
  it('one_hot: last axis by default, axis 0, float and int on/off values', () => {
    const indices = i32([2], [1, 0]);
    expect(values(runOp('one_hot', { indices, one_hot_vector_size: int(4) }, I([2, 4]))[0]!)).toEqual([0, 1, 0, 0, 1, 0, 0, 0]);
    expect(values(runOp('one_hot', { indices, one_hot_vector_size: int(4), axis: int(0) }, I([4, 2]))[0]!)).toEqual([0, 1, 1, 0, 0, 0, 0, 0]);
    const soft = run('one_hot', { indices, one_hot_vector_size: int(4), on_value: scalar(1), off_value: scalar(0.1) }, [2, 4]);
    [0.1, 1, 0.1, 0.1, 1, 0.1, 0.1, 0.1].forEach((w, i) => expect(soft[i]).toBeCloseTo(w, 6));
    expect(values(runOp('one_hot', { indices, one_hot_vector_size: int(4), on_value: int(1), off_value: int(9) }, I([2, 4]))[0]!)).toEqual([9, 1, 9, 9, 1, 9, 9, 9]);
  });
  it('range_1d from 5 to 15 by 2, and a long range stays exact', () => {
    expect(run('range_1d', { start: scalar(5), end: scalar(15), step: scalar(2) }, [5])).toEqual([5, 7, 9, 11, 13]);
    expect(values(runOp('range_1d', { start: int(5), end: int(15), step: int(2) }, I([5]))[0]!)).toEqual([5, 7, 9, 11, 13]);
    const long = run('range_1d', { start: scalar(0), end: scalar(2_000_000), step: scalar(1) }, [2_000_000]);
    expect(long[1_999_999]).toBe(1_999_999);
    expect(long[1_234_567]).toBe(1_234_567);
  });
});

describe('shape-changing ops', () => {
  it('flatten2d keeps dims before the axis in the first output dim, for every axis from −rank to rank', () => {
    const x = f32([2, 2, 3], [1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6]);
    expect(run('flatten2d', { x }, [2, 6])).toEqual([1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6]);
    const shape = [2, 2, 3];
    for (let axis = -3; axis <= 3; axis++) {
      const a = axis < 0 ? axis + 3 : axis;
      const left = shape.slice(0, a).reduce((p, d) => p * d, 1);
      const [out] = runOp('flatten2d', { x, axis: int(axis) }, F([left, 12 / left]));
      expect(out!.shape).toEqual([left, 12 / left]);
    }
  });
  it('stack on axis 0, 1 and −1', () => {
    const [a, b] = [f32([3], [1, 2, 3]), f32([3], [7, 8, 9])];
    expect(run('stack', { values: [a, b], axis: int(0) }, [2, 3])).toEqual([1, 2, 3, 7, 8, 9]);
    expect(run('stack', { values: [a, b], axis: int(1) }, [3, 2])).toEqual([1, 7, 2, 8, 3, 9]);
    expect(run('stack', { values: [a, b], axis: int(-1) }, [3, 2])).toEqual([1, 7, 2, 8, 3, 9]);
  });
  it('expand_dims inserts unit dims at positions of the output, negative ones counted from its end', () => {
    const x = f32([2, 3], [1, 2, 3, 4, 5, 6]);
    for (const [axes, shape] of [[[0], [1, 2, 3]], [[1], [2, 1, 3]], [[-1], [2, 3, 1]], [[0, 1], [1, 1, 2, 3]], [[-2, -1], [2, 3, 1, 1]], [[0, -1], [1, 2, 3, 1]], [[-4, 1], [1, 1, 2, 3]]] as const) {
      const [out] = runOp('expand_dims', { x, axes: ints([...axes]) }, F([...shape]));
      expect(out!.shape).toEqual(shape);
      expect(values(out!)).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });
  it('squeeze drops the listed unit dims, or all of them', () => {
    const x = f32([1, 2, 1, 3, 1], [1, 2, 3, 4, 5, 6]);
    expect(runOp('squeeze', { x, axes: ints([0, -1]) }, F([2, 1, 3]))[0]!.shape).toEqual([2, 1, 3]);
    expect(runOp('squeeze', { x }, F([2, 3]))[0]!.shape).toEqual([2, 3]);
    expect(runOp('squeeze', { x: f32([1, 1], [7]) }, F([]))[0]!.shape).toEqual([]);
  });
  it('transpose by a permutation', () => {
    const x = f32([2, 3], [1, 2, 3, 4, 5, 6]);
    expect(run('transpose', { x, perm: ints([1, 0]) }, [3, 2])).toEqual([1, 4, 2, 5, 3, 6]);
    const y = f32([2, 3, 4], Array.from({ length: 24 }, (_, i) => i));
    const got = run('transpose', { x: y, perm: ints([2, 0, 1]) }, [4, 2, 3]);
    got.forEach((v, i) => {
      const [c, a, b] = [Math.floor(i / 6), Math.floor(i / 3) % 2, i % 3];
      expect(v).toBe(a * 12 + b * 4 + c);
    });
  });
  it('reverse along listed axes, or all', () => {
    const x = f32([2, 3], [1, 2, 3, 4, 5, 6]);
    expect(run('reverse', { x }, [2, 3])).toEqual([6, 5, 4, 3, 2, 1]);
    expect(run('reverse', { x, axes: ints([0]) }, [2, 3])).toEqual([4, 5, 6, 1, 2, 3]);
    expect(run('reverse', { x, axes: ints([-1]) }, [2, 3])).toEqual([3, 2, 1, 6, 5, 4]);
  });
});

describe('iOS16 tensor operations', () => {
  it('fill_like takes the shape of an int32 reference and the dtype of the value', () => {
    const [out] = runOp('fill_like', { ref_tensor: i32([2, 1, 3], [0, 0, 0, 0, 0, 0]), value: scalar(1) }, F([2, 1, 3]), 'CoreML6');
    expect(out!.dtype).toBe('float32');
    expect(values(out!)).toEqual([1, 1, 1, 1, 1, 1]);
  });
  it('topk with sort false still returns the values in order, and return_indices false returns the values alone', () => {
    const x = f32([2, 3], [-1, 2, -3, 4, -5, 6]);
    for (const sort of [true, false]) {
      const both = runOp('topk', { x, k: int(2), axis: int(1), sort: flag(sort), return_indices: flag(true) }, [F([2, 2]), I([2, 2])], 'CoreML6').map(values);
      expect(both).toEqual([[2, -1, 6, 4], [1, 0, 2, 0]]);
      const only = runOp('topk', { x, k: int(2), axis: int(1), sort: flag(sort), return_indices: flag(false) }, [F([2, 2])], 'CoreML6').map(values);
      expect(only).toEqual([[2, -1, 6, 4]]);
    }
  });
});

describe('shape and identity', () => {
  it('shape is the int32 dims of a float or int32 input', () => {
    for (const x of [f32([2, 3], [1, 2, 3, 4, 5, 6]), i32([2, 3], [1, 2, 3, 4, 5, 6]), f32([1, 2, 3], [1, 2, 3, 4, 5, 6])]) {
      const [out] = runOp('shape', { x }, I([x.shape.length]));
      expect(out!.dtype).toBe('int32');
      expect(values(out!)).toEqual([...x.shape]);
    }
  });
  it('identity passes values and dtype through', () => {
    for (const x of [f32([2, 3], [1, 2, 3, 4, 5, 6]), i32([2, 3], [1, 2, 3, 4, 5, 6])]) {
      const [out] = runOp('identity', { x }, { dtype: x.dtype as 'float32' | 'int32', shape: [2, 3] });
      expect(out!.dtype).toBe(x.dtype);
      expect(values(out!)).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });
});
