import { describe, expect, it } from 'vitest';
import type { MilOpset } from '../../src/mil/ir.js';
import { f32, i32, int, runOp, str, values, type Arg } from './build.js';

/**
 * gather and scatter ops on the cases Apple's MIL op tests pin
 * (iOS14/test_scatter_gather.py, iOS16 batch_dims, iOS17 index rules); the
 * expected values are those tests' expected arrays and numpy/TensorFlow
 * formulas.
 */

const F = (shape: number[]) => ({ dtype: 'float32' as const, shape });
const run = (op: string, inputs: Record<string, Arg>, shape: number[], opset?: MilOpset) => values(runOp(op, inputs, F(shape), opset)[0]!);
const grid = f32([2, 3], [1, 2, 3, 4, 5, 6]);

describe('gather', () => {
  const idx = i32([2], [1, 0]);
  it('rows for axis 0, −2 and the default; columns for axis 1 and −1', () => {
    for (const axis of [0, -2]) expect(run('gather', { x: grid, indices: idx, axis: int(axis) }, [2, 3])).toEqual([4, 5, 6, 1, 2, 3]);
    expect(run('gather', { x: grid, indices: idx }, [2, 3])).toEqual([4, 5, 6, 1, 2, 3]);
    for (const axis of [1, -1]) expect(run('gather', { x: grid, indices: idx, axis: int(axis) }, [2, 2])).toEqual([2, 1, 5, 4]);
  });

  describe('iOS16 batch_dims on x = [[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]]', () => {
    const x = f32([2, 2, 3], Array.from({ length: 12 }, (_, i) => i + 1));
    const indices = i32([2, 2, 2], [1, 0, 0, 1, 1, 0, 0, 0]);
    const cases: [number, number, number[], number[]][] = [
      [1, 0, [2, 2, 2, 2, 3], [4, 5, 6, 1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6, 1, 2, 3, 1, 2, 3, 1, 2, 3, 10, 11, 12, 7, 8, 9, 7, 8, 9, 10, 11, 12, 10, 11, 12, 7, 8, 9, 7, 8, 9, 7, 8, 9]],
      [1, 1, [2, 2, 2, 3], [4, 5, 6, 1, 2, 3, 1, 2, 3, 4, 5, 6, 10, 11, 12, 7, 8, 9, 7, 8, 9, 7, 8, 9]],
      [2, 0, [2, 2, 2, 2, 2], [2, 1, 1, 2, 2, 1, 1, 1, 5, 4, 4, 5, 5, 4, 4, 4, 8, 7, 7, 8, 8, 7, 7, 7, 11, 10, 10, 11, 11, 10, 10, 10]],
      [2, 1, [2, 2, 2, 2], [2, 1, 1, 2, 5, 4, 4, 5, 8, 7, 7, 7, 11, 10, 10, 10]],
      [2, 2, [2, 2, 2], [2, 1, 4, 5, 8, 7, 10, 10]],
    ];
    for (const [axis, batchDims, shape, want] of cases) {
      it(`axis ${axis}, batch_dims ${batchDims}`, () => {
        expect(run('gather', { x, indices, axis: int(axis), batch_dims: int(batchDims) }, shape, 'CoreML6')).toEqual(want);
      });
    }
    it('gather_nd with batch_dims 0 and 1', () => {
      expect(run('gather_nd', { x, indices, batch_dims: int(0) }, [2, 2, 3], 'CoreML6')).toEqual([7, 8, 9, 4, 5, 6, 7, 8, 9, 1, 2, 3]);
      expect(run('gather_nd', { x, indices, batch_dims: int(1) }, [2, 2], 'CoreML6')).toEqual([4, 2, 10, 7]);
    });
  });

  it('a negative index counts from the end before iOS17 and is refused from iOS17', () => {
    expect(run('gather', { x: grid, indices: i32([2], [-1, 0]), axis: int(-1) }, [2, 2], 'CoreML6')).toEqual([3, 1, 6, 4]);
    expect(() => run('gather', { x: grid, indices: i32([2], [-1, 0]), axis: int(-1) }, [2, 2], 'CoreML7')).toThrow(/out of bounds/);
    expect(() => run('gather', { x: grid, indices: i32([2], [0, 3]), axis: int(-1) }, [2, 2], 'CoreML6')).toThrow(/out of bounds/);
  });

  it('a scalar index drops the axis', () => {
    const [out] = runOp('gather', { x: i32([4], [1, 2, 3, 4]), indices: int(1), axis: int(0) }, { dtype: 'int32', shape: [] }, 'CoreML7');
    expect(out!.shape).toEqual([]);
    expect(values(out!)).toEqual([2]);
  });

  it('gather_nd: each index row addresses one element', () => {
    expect(run('gather_nd', { x: grid, indices: i32([2, 2], [1, 0, 0, 2]) }, [2])).toEqual([4, 3]);
  });
});

describe('gather_along_axis with indices [[1, 0, 1], [1, 1, 0]]', () => {
  const indices = i32([2, 3], [1, 0, 1, 1, 1, 0]);
  it('axis 0, −2 and the default read x[indices[i, j], j]', () => {
    for (const axis of [0, -2]) expect(run('gather_along_axis', { x: grid, indices, axis: int(axis) }, [2, 3])).toEqual([4, 2, 6, 4, 5, 3]);
    expect(run('gather_along_axis', { x: grid, indices }, [2, 3])).toEqual([4, 2, 6, 4, 5, 3]);
  });
  it('axis 1 and −1 read x[i, indices[i, j]]', () => {
    for (const axis of [1, -1]) expect(run('gather_along_axis', { x: grid, indices, axis: int(axis) }, [2, 3])).toEqual([2, 1, 2, 5, 5, 4]);
  });
  it('negative indices before iOS17 are take_along_axis with wrap-around', () => {
    expect(run('gather_along_axis', { x: grid, indices: i32([2, 3], [1, 0, -1, 0, 0, 1]), axis: int(0) }, [2, 3], 'CoreML6')).toEqual([4, 2, 6, 1, 2, 6]);
  });
});

describe('scatter family on data [[1, 2, 3], [4, 5, 6]]', () => {
  it('scatter adds by default: rows 1 and 0 receive the two update rows', () => {
    const updates = f32([2, 3], [5, 6, 7, 8, 9, 10]);
    expect(run('scatter', { data: grid, indices: i32([2], [1, 0]), updates }, [2, 3])).toEqual([9, 11, 13, 9, 11, 13]);
  });
  it('every accumulate mode applies per row, repeated indices accumulate (TensorFlow scatter_* semantics)', () => {
    const data = [1, 2, 3, 4, 5, 6];
    const updates = [2, 4, 8, 1, 3, 5, 7, 9, 11];
    const indices = [1, 0, 1];
    const combine: Record<string, (o: number, u: number) => number> = {
      update: (_, u) => u, add: (o, u) => o + u, sub: (o, u) => o - u, mul: (o, u) => o * u,
      div: (o, u) => o / u, max: Math.max, min: Math.min,
    };
    for (const [mode, f] of Object.entries(combine)) {
      const want = [...data];
      indices.forEach((row, k) => { for (let j = 0; j < 3; j++) want[row * 3 + j] = f(want[row * 3 + j]!, updates[k * 3 + j]!); });
      const got = run('scatter', { data: grid, indices: i32([3], indices), updates: f32([3, 3], updates), mode: str(mode) }, [2, 3]);
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
    }
  });
  it('scatter_along_axis in update mode is put_along_axis', () => {
    const updates = f32([2, 3], [5, 6, 7, 8, 9, 10]);
    const got = run('scatter_along_axis', { data: grid, indices: i32([2, 3], [1, 0, 1, 1, 1, 0]), updates, axis: int(0), mode: str('update') }, [2, 3]);
    expect(got).toEqual([1, 6, 10, 8, 9, 7]);
  });
  it('scatter_nd adds at each index tuple by default', () => {
    expect(run('scatter_nd', { data: grid, indices: i32([2, 2], [1, 0, 0, 2]), updates: f32([2], [5, 10]) }, [2, 3])).toEqual([1, 2, 13, 9, 5, 6]);
  });
  it('scatter_nd update and sub modes on slices', () => {
    const indices = i32([1, 1], [1]);
    expect(run('scatter_nd', { data: grid, indices, updates: f32([1, 3], [7, 8, 9]), mode: str('update') }, [2, 3])).toEqual([1, 2, 3, 7, 8, 9]);
    expect(run('scatter_nd', { data: grid, indices, updates: f32([1, 3], [7, 8, 9]), mode: str('sub') }, [2, 3])).toEqual([1, 2, 3, -3, -3, -3]);
  });
  it('iOS17 refuses a negative scatter index', () => {
    const updates = f32([2, 3], [5, 6, 7, 8, 9, 10]);
    expect(() => run('scatter', { data: grid, indices: i32([2], [-1, 0]), updates }, [2, 3], 'CoreML7')).toThrow(/out of bounds/);
  });
});
