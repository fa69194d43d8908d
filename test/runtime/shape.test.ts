import { describe, expect, it } from 'vitest';
import { bool, f32, flag, i32, int, ints, runOp, str, values } from './build.js';

const F = (shape: (number | null)[]) => ({ dtype: 'float32' as const, shape });
const x23 = f32([2, 3], [0, 1, 2, 3, 4, 5]);

describe('shape kernels', () => {
  it('reshape infers -1 and copies 0 by position (iOS15/16)', () => {
    const [out] = runOp('reshape', { x: x23, shape: ints([0, -1]) }, F([2, 3]));
    expect(out!.shape).toEqual([2, 3]);
    const [flat] = runOp('reshape', { x: x23, shape: ints([-1]) }, F([6]));
    expect(values(flat!)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('reshape copies 0 right-aligned from iOS17', () => {
    // The definition's own example: [2, 50] with [1, 0, -1, 0] gives [1, 1, 2, 50].
    const x = f32([2, 50], new Float32Array(100));
    const [out] = runOp('reshape', { x, shape: ints([1, 0, -1, 0]) }, F([1, 1, 2, 50]), 'CoreML7');
    expect(out!.shape).toEqual([1, 1, 2, 50]);
  });

  it('reshape rejects an element count that does not fit', () => {
    expect(() => runOp('reshape', { x: x23, shape: ints([4, 2]) }, F([4, 2]))).toThrow(/cannot reshape \[2,3\] to \[4,2\]/);
  });

  it('transpose permutes dims', () => {
    const [out] = runOp('transpose', { x: x23, perm: ints([1, 0]) }, F([3, 2]));
    expect(values(out!)).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it('transpose keeping the last axis in place (attention heads) puts every element where the index map says', () => {
    const shape = [2, 5, 3, 4];
    const x = f32(shape, Float32Array.from({ length: 120 }, (_, i) => i));
    const [out] = runOp('transpose', { x, perm: ints([2, 0, 1, 3]) }, F([3, 2, 5, 4]));
    const want: number[] = [];
    for (let c = 0; c < 3; c++) for (let a = 0; a < 2; a++) for (let b = 0; b < 5; b++) for (let d = 0; d < 4; d++) want.push(((a * 5 + b) * 3 + c) * 4 + d);
    expect(values(out!)).toEqual(want);
  });

  it('squeeze, expand_dims and flatten2d only change the shape', () => {
    const x = f32([1, 2, 1, 3], [0, 1, 2, 3, 4, 5]);
    expect(runOp('squeeze', { x }, F([2, 3]))[0]!.shape).toEqual([2, 3]);
    expect(runOp('squeeze', { x, axes: ints([2]) }, F([1, 2, 3]))[0]!.shape).toEqual([1, 2, 3]);
    expect(runOp('expand_dims', { x: x23, axes: ints([0, -1]) }, F([1, 2, 3, 1]))[0]!.shape).toEqual([1, 2, 3, 1]);
    expect(runOp('flatten2d', { x, axis: int(2) }, F([2, 3]))[0]!.shape).toEqual([2, 3]);
  });

  it('concat joins along an axis, and interleave alternates elements', () => {
    const a = f32([2, 1], [1, 2]);
    const b = f32([2, 2], [3, 4, 5, 6]);
    expect(values(runOp('concat', { values: [a, b], axis: int(1) }, F([2, 3]))[0]!)).toEqual([1, 3, 4, 2, 5, 6]);
    const c = f32([1, 2], [1, 2]);
    const d = f32([1, 2], [10, 20]);
    expect(values(runOp('concat', { values: [c, d], axis: int(1), interleave: flag(true) }, F([1, 4]))[0]!)).toEqual([1, 10, 2, 20]);
  });

  it('stack adds a new axis', () => {
    const [out] = runOp('stack', { values: [f32([2], [1, 2]), f32([2], [3, 4])], axis: int(1) }, F([2, 2]));
    expect(values(out!)).toEqual([1, 3, 2, 4]);
  });

  it('split by split_sizes and by num_splits', () => {
    const outs = runOp('split', { x: x23, axis: int(1), split_sizes: ints([1, 2]) }, [F([2, 1]), F([2, 2])]);
    expect(outs.map(values)).toEqual([[0, 3], [1, 2, 4, 5]]);
    const halves = runOp('split', { x: x23, axis: int(0), num_splits: int(2) }, [F([1, 3]), F([1, 3])]);
    expect(halves.map(values)).toEqual([[0, 1, 2], [3, 4, 5]]);
  });

  it('slice_by_index handles negative indices, strides, masks and squeeze', () => {
    const x = f32([3, 4], Array.from({ length: 12 }, (_, i) => i));
    const run = (p: Record<string, ReturnType<typeof ints>>, shape: number[]) => values(runOp('slice_by_index', { x, ...p }, F(shape))[0]!);
    expect(run({ begin: ints([1, -3]), end: ints([3, 4]) }, [2, 3])).toEqual([5, 6, 7, 9, 10, 11]);
    expect(run({ begin: ints([0, 3]), end: ints([3, 0]), stride: ints([2, -2]) }, [2, 2])).toEqual([3, 1, 11, 9]);
    expect(run({ begin: ints([2, 0]), end: ints([0, 2]), begin_mask: bool([2], [1, 0]), end_mask: bool([2], [0, 1]) }, [0, 4])).toEqual([]);
    expect(run({ begin: ints([-1, 1]), end: ints([0, 3]), squeeze_mask: bool([2], [1, 0]) }, [2])).toEqual([9, 10]);
    expect(run({ begin: ints([0, 0]), end: ints([0, 0]), stride: ints([-1, 1]), begin_mask: bool([2], [1, 1]), end_mask: bool([2], [1, 1]) }, [3, 4]).slice(0, 4)).toEqual([8, 9, 10, 11]);
  });

  it('slice_by_size takes -1 as "to the end"', () => {
    const [out] = runOp('slice_by_size', { x: x23, begin: ints([1, 1]), size: ints([1, -1]) }, F([1, 2]));
    expect(values(out!)).toEqual([4, 5]);
  });

  it('tile repeats along each dim', () => {
    const [out] = runOp('tile', { x: f32([1, 2], [1, 2]), reps: ints([2, 2]) }, F([2, 4]));
    expect(values(out!)).toEqual([1, 2, 1, 2, 1, 2, 1, 2]);
  });

  it('pad in constant, reflect and replicate modes on the last dims', () => {
    const x = f32([1, 3], [1, 2, 3]);
    const pad = ints([0, 0, 2, 1]);
    expect(values(runOp('pad', { x, pad, constant_val: f32([], [9]) }, F([1, 6]))[0]!)).toEqual([9, 9, 1, 2, 3, 9]);
    expect(values(runOp('pad', { x, pad, mode: str('reflect') }, F([1, 6]))[0]!)).toEqual([3, 2, 1, 2, 3, 2]);
    expect(values(runOp('pad', { x, pad, mode: str('replicate') }, F([1, 6]))[0]!)).toEqual([1, 1, 1, 2, 3, 3]);
    expect(values(runOp('pad', { x, pad: ints([1, 0]) }, F([1, 4]))[0]!)).toEqual([0, 1, 2, 3]);
  });

  it('reverse flips listed axes', () => {
    expect(values(runOp('reverse', { x: x23, axes: ints([1]) }, F([2, 3]))[0]!)).toEqual([2, 1, 0, 5, 4, 3]);
  });

  it('shape returns int32 dims', () => {
    const [out] = runOp('shape', { x: x23 }, { dtype: 'int32', shape: [2] });
    expect(Array.from(out!.data as Int32Array)).toEqual([2, 3]);
  });

  it('reshape keeps int32 data intact', () => {
    const [out] = runOp('reshape', { x: i32([2, 2], [1, 2, 3, 4]), shape: ints([4]) }, { dtype: 'int32', shape: [4] });
    expect(Array.from(out!.data as Int32Array)).toEqual([1, 2, 3, 4]);
  });
});
