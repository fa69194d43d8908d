import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/tensor/tensor.js';
import { f32, flag, i32, int, ints, runOp, scalar, str, values } from './build.js';

/**
 * Reductions and tensor operations on the cases Apple's MIL op tests pin
 * (iOS14/test_reduction.py, iOS17/test_reduction.py and
 * iOS14/test_tensor_operation.py), the expected values re-derived here from
 * those tests' numpy formulas.
 */

const F = (shape: number[]) => ({ dtype: 'float32' as const, shape });
const I = (shape: number[]) => ({ dtype: 'int32' as const, shape });
const grid = f32([2, 3], [1, 2, 3, 4, 5, 6]);
const run = (op: string, inputs: Record<string, Tensor>, out: { dtype: 'float32' | 'int32'; shape: number[] }) => values(runOp(op, inputs, out)[0]!);

describe('reductions over axis 1 of [[1, 2, 3], [4, 5, 6]] without keep_dims', () => {
  const rowwise: Record<string, (row: number[]) => number> = {
    reduce_l1_norm: (r) => r.reduce((a, v) => a + Math.abs(v), 0),
    reduce_l2_norm: (r) => Math.sqrt(r.reduce((a, v) => a + v * v, 0)),
    reduce_log_sum: (r) => Math.log(r.reduce((a, v) => a + v, 0)),
    reduce_log_sum_exp: (r) => Math.log(r.reduce((a, v) => a + Math.exp(v), 0)),
    reduce_max: (r) => Math.max(...r),
    reduce_mean: (r) => r.reduce((a, v) => a + v, 0) / r.length,
    reduce_min: (r) => Math.min(...r),
    reduce_prod: (r) => r.reduce((a, v) => a * v, 1),
    reduce_sum: (r) => r.reduce((a, v) => a + v, 0),
    reduce_sum_square: (r) => r.reduce((a, v) => a + v * v, 0),
  };
  for (const [op, formula] of Object.entries(rowwise)) {
    it(op, () => {
      const got = run(op, { x: grid, axes: ints([1]), keep_dims: flag(false) }, F([2]));
      [[1, 2, 3], [4, 5, 6]].forEach((r, i) => expect(got[i]).toBeCloseTo(formula(r), 5));
    });
  }

  it('reduce_argmax and reduce_argmin return int32 positions along the axis', () => {
    expect(run('reduce_argmax', { x: grid, axis: int(1), keep_dims: flag(false) }, I([2]))).toEqual([2, 2]);
    expect(run('reduce_argmin', { x: grid, axis: int(1), keep_dims: flag(false) }, I([2]))).toEqual([0, 0]);
    expect(run('reduce_argmax', { x: grid, axis: int(1), keep_dims: flag(true) }, I([2, 1]))).toEqual([2, 2]);
    expect(run('reduce_argmin', { x: grid, axis: int(0), keep_dims: flag(true) }, I([1, 3]))).toEqual([0, 0, 0]);
  });

  it('iOS17 reduce_argmax writes the requested output_dtype', () => {
    const [out] = runOp('reduce_argmax', { x: grid, axis: int(1), keep_dims: flag(false), output_dtype: str('uint16') }, { dtype: 'uint16', shape: [2] }, 'CoreML7');
    expect(out!.dtype).toBe('uint16');
    expect(values(out!)).toEqual([2, 2]);
  });

  it('reduce_prod of int32 input stays int32', () => {
    const [out] = runOp('reduce_prod', { x: i32([2, 3], [1, 2, 3, 4, 5, 6]), axes: ints([1]) }, I([2]));
    expect(out!.dtype).toBe('int32');
    expect(values(out!)).toEqual([6, 120]);
  });
});

describe('reductions over several axes, negative and unordered, with keep_dims (global pooling)', () => {
  const x = f32([1, 1, 2, 3], [1, 2, 3, 4, 5, 6]);
  it('reduce_max over [2, -1] and reduce_mean over [3, -2]', () => {
    expect(run('reduce_max', { x, axes: ints([2, -1]), keep_dims: flag(true) }, F([1, 1, 1, 1]))).toEqual([6]);
    expect(run('reduce_mean', { x, axes: ints([3, -2]), keep_dims: flag(true) }, F([1, 1, 1, 1]))).toEqual([3.5]);
  });
  it('omitted axes reduce every axis, kept as ones', () => {
    const two = f32([1, 2, 2, 3], [1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6]);
    expect(run('reduce_max', { x: two, keep_dims: flag(true) }, F([1, 1, 1, 1]))).toEqual([6]);
    expect(run('reduce_mean', { x: two, keep_dims: flag(true) }, F([1, 1, 1, 1]))).toEqual([3.5]);
  });
  it('a rank-5 input reduced over [-3, 3, 4]', () => {
    const five = f32([1, 1, 1, 2, 3], [1, 2, 3, 4, 5, 6]);
    expect(run('reduce_mean', { x: five, axes: ints([-3, 3, 4]), keep_dims: flag(true) }, F([1, 1, 1, 1, 1]))).toEqual([3.5]);
  });
});

describe('band_part on a 4×4 matrix', () => {
  const m = [3, 3, 5, 1, 5, 6, 3, 8, 7, 2, 7, 2, 6, 7, 7, 1];
  const x = f32([4, 4], m);
  const band = (lower: number, upper: number) => m.map((v, i) => {
    const [r, c] = [Math.floor(i / 4), i % 4];
    return (lower < 0 || r - c <= lower) && (upper < 0 || c - r <= upper) ? v : 0;
  });
  it('defaults keep everything; a negative bound keeps that whole triangle', () => {
    expect(run('band_part', { x }, F([4, 4]))).toEqual(m);
    expect(run('band_part', { x, lower: int(0), upper: int(-1) }, F([4, 4]))).toEqual(band(0, -1));
    expect(run('band_part', { x, lower: int(-1), upper: int(0) }, F([4, 4]))).toEqual(band(-1, 0));
    expect(run('band_part', { x, lower: int(0), upper: int(0) }, F([4, 4]))).toEqual([3, 0, 0, 0, 0, 6, 0, 0, 0, 0, 7, 0, 0, 0, 0, 1]);
  });
  it('partial bands on a 3×4 int32 matrix keep the dtype', () => {
    const y = i32([3, 4], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    for (const [lo, up] of [[1, 1], [1, 2], [2, 1]] as const) {
      const [out] = runOp('band_part', { x: y, lower: int(lo), upper: int(up) }, I([3, 4]));
      expect(out!.dtype).toBe('int32');
      values(out!).forEach((v, i) => {
        const [r, c] = [Math.floor(i / 4), i % 4];
        expect(v).toBe(r - c <= lo && c - r <= up ? i + 1 : 0);
      });
    }
  });
});

describe('cumsum', () => {
  it('reverse inclusive along axis 0', () => {
    expect(run('cumsum', { x: grid, axis: int(0), reverse: flag(true), exclusive: flag(false) }, F([2, 3]))).toEqual([5, 7, 9, 4, 5, 6]);
  });
  it('exclusive is the inclusive sum minus the element itself, in both directions and on every axis', () => {
    const data = Array.from({ length: 24 }, (_, i) => ((i * 37) % 23) - 11);
    const x = f32([2, 3, 4], data);
    const shape = [2, 3, 4];
    const strides = [12, 4, 1];
    for (let axis = 0; axis < 3; axis++) {
      for (const reverse of [false, true]) {
        const got = run('cumsum', { x, axis: int(axis), exclusive: flag(true), reverse: flag(reverse) }, F(shape));
        data.forEach((_, i) => {
          const k = Math.floor(i / strides[axis]!) % shape[axis]!;
          const base = i - k * strides[axis]!;
          let inclusive = 0;
          for (let j = 0; j < shape[axis]!; j++) if (reverse ? j >= k : j <= k) inclusive += data[base + j * strides[axis]!]!;
          expect(got[i]).toBe(inclusive - data[i]!);
        });
      }
    }
  });
});

describe('pad on [[1, 2, 3], [4, 5, 6]] with pad [1, 1, 2, 2]', () => {
  const pad = ints([1, 1, 2, 2]);
  it('constant, with 0 and with 0.5', () => {
    const frame = (c: number) => [c, c, c, c, c, c, c, c, c, 1, 2, 3, c, c, c, c, 4, 5, 6, c, c, c, c, c, c, c, c, c];
    expect(run('pad', { x: grid, pad, mode: str('constant'), constant_val: scalar(0) }, F([4, 7]))).toEqual(frame(0));
    expect(run('pad', { x: grid, pad, mode: str('constant'), constant_val: scalar(0.5) }, F([4, 7]))).toEqual(frame(0.5));
  });
  it('reflect mirrors without repeating the edge', () => {
    const a = [6, 5, 4, 5, 6, 5, 4];
    const b = [3, 2, 1, 2, 3, 2, 1];
    expect(run('pad', { x: grid, pad, mode: str('reflect') }, F([4, 7]))).toEqual([...a, ...b, ...a, ...b]);
  });
  it('replicate repeats the edge', () => {
    const a = [1, 1, 1, 2, 3, 3, 3];
    const b = [4, 4, 4, 5, 6, 6, 6];
    expect(run('pad', { x: grid, pad, mode: str('replicate') }, F([4, 7]))).toEqual([...a, ...a, ...b, ...b]);
  });
  it('constant padding of every axis of a rank-3 input', () => {
    const x = f32([2, 2, 3], Array.from({ length: 12 }, (_, i) => i + 1));
    const got = run('pad', { x, pad: ints([1, 1, 2, 2, 1, 1]), mode: str('constant'), constant_val: scalar(0) }, F([4, 6, 5]));
    got.forEach((v, i) => {
      const [a, b, c] = [Math.floor(i / 30) - 1, (Math.floor(i / 5) % 6) - 2, (i % 5) - 1];
      const inside = a >= 0 && a < 2 && b >= 0 && b < 2 && c >= 0 && c < 3;
      expect(v).toBe(inside ? a * 6 + b * 3 + c + 1 : 0);
    });
  });
});

describe('tile', () => {
  it('repeats whole blocks per axis', () => {
    expect(run('tile', { x: grid, reps: ints([1, 1]) }, F([2, 3]))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(run('tile', { x: grid, reps: ints([2, 1]) }, F([4, 3]))).toEqual([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6]);
    const r = [1, 2, 3, 1, 2, 3, 1, 2, 3];
    const s = [4, 5, 6, 4, 5, 6, 4, 5, 6];
    expect(run('tile', { x: grid, reps: ints([2, 3]) }, F([4, 9]))).toEqual([...r, ...s, ...r, ...s]);
  });
});

describe('topk and argsort on [[-1, 2, -3], [4, -5, 6]]', () => {
  const x = f32([2, 3], [-1, 2, -3, 4, -5, 6]);
  it('topk descending by default, indices of the picked values', () => {
    const [vals, idx] = runOp('topk', { x, k: int(2), axis: int(1) }, [F([2, 2]), I([2, 2])]);
    expect(values(vals!)).toEqual([2, -1, 6, 4]);
    expect(values(idx!)).toEqual([1, 0, 2, 0]);
  });
  it('topk ascending along the last axis', () => {
    const y = f32([2, 3], [1, 2, -3, 4, -5, 6]);
    const [vals, idx] = runOp('topk', { x: y, k: int(2), axis: int(-1), ascending: flag(true) }, [F([2, 2]), I([2, 2])]);
    expect(values(vals!)).toEqual([-3, 1, -5, 4]);
    expect(values(idx!)).toEqual([2, 0, 1, 0]);
  });
  it('topk k=1 along axis 0', () => {
    const y = f32([2, 3], [-1, 7, -3, 4, -5, 8]);
    const [vals, idx] = runOp('topk', { x: y, k: int(1), axis: int(0) }, [F([1, 3]), I([1, 3])]);
    expect(values(vals!)).toEqual([4, 7, 8]);
    expect(values(idx!)).toEqual([1, 0, 1]);
  });
  it('argsort is descending by default; ascending along axis 0 on request', () => {
    expect(run('argsort', { x }, I([2, 3]))).toEqual([1, 0, 2, 2, 0, 1]);
    expect(run('argsort', { x, axis: int(0), ascending: flag(true) }, I([2, 3]))).toEqual([0, 1, 0, 1, 0, 1]);
  });
});
