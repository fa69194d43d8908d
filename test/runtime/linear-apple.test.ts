import { describe, expect, it } from 'vitest';
import type { DType } from '../../src/tensor/dtype.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { f16, f32, flag, i32, runOp, values } from './build.js';
import { seededFloats } from '../helpers/seeded.js';

/**
 * linear and matmul on the cases of Apple's linear tests
 * (iOS14/test_linear.py; iOS17/test_linear.py for operands of mixed dtypes,
 * int32 included, the result in the dtype of the non-constant operand).
 */

const F = (shape: number[]) => ({ dtype: 'float32' as const, shape });

describe('linear', () => {
  it('x · Wᵀ + b on the smoke-test values', () => {
    const x = f32([2, 2], [-4.7182, 11.94, -3.3939, 9.2166]);
    const weight = f32([2, 2], [1.2313, -0.095, -1.4075, -0.8816]);
    const got = values(runOp('linear', { x, weight, bias: f32([2], [1, 2]) }, F([2, 2]))[0]!);
    [-5.9438195, -1.8854373, -4.054486, -1.3484411].forEach((w, i) => expect(got[i]).toBeCloseTo(w, 4));
  });
});

describe('matmul on x = [[-4, 13], [-3, 9]], y = [[1, -7], [-1, -8]]', () => {
  const x = f32([2, 2], [-4, 13, -3, 9]);
  const y = f32([2, 2], [1, -7, -1, -8]);
  const mm = (tx: boolean, ty: boolean) => values(runOp('matmul', { x, y, transpose_x: flag(tx), transpose_y: flag(ty) }, F([2, 2]))[0]!);
  it('each combination of transposes', () => {
    expect(mm(false, false)).toEqual([-17, -76, -12, -51]);
    expect(mm(true, true)).toEqual([17, 28, -50, -85]);
    expect(mm(true, false)).toEqual([-1, 52, 4, -163]);
    expect(mm(false, true)).toEqual([-95, -100, -66, -69]);
  });
});

describe('iOS17 operands of mixed dtypes, int32 included', () => {
  const ints = (n: number, seed: number) => Array.from(seededFloats(n, seed), (v) => Math.floor(Math.abs(v) * 10) % 10);
  const xv = ints(10, 3);
  const yv = ints(50, 4);
  const product = Array.from({ length: 20 }, (_, o) => {
    const [r, c] = [Math.floor(o / 10), o % 10];
    let s = 0;
    for (let k = 0; k < 5; k++) s += xv[r * 5 + k]! * yv[k * 10 + c]!;
    return s;
  });
  const as = (dtype: DType, shape: number[], v: number[]): Tensor => (dtype === 'int32' ? i32(shape, v) : dtype === 'float16' ? f16(shape, v) : f32(shape, v));
  const dtypes: DType[] = ['float32', 'float16', 'int32'];
  for (const xd of dtypes) {
    for (const yd of dtypes) {
      it(`matmul ${xd} × ${yd}: the result in x's dtype, exact on small integers`, () => {
        const [out] = runOp('matmul', { x: as(xd, [2, 5], xv), y: as(yd, [5, 10], yv) }, { dtype: xd, shape: [2, 10] }, 'CoreML7');
        expect(out!.dtype).toBe(xd);
        expect(values(out!)).toEqual(product);
      });
    }
  }
  it('linear with an int32 weight and bias on a float x, and an int32 x', () => {
    const x = [1, 2, 3, 4, 5, 6];
    const w = [1, 0, 2, 3, 1, 0, 0, 4, 1];
    const b = [5, 6, 7];
    const want = [0, 1].flatMap((r) => [0, 1, 2].map((o) => b[o]! + [0, 1, 2].reduce((s, k) => s + x[r * 3 + k]! * w[o * 3 + k]!, 0)));
    for (const xd of ['float32', 'float16', 'int32'] as DType[]) {
      const [out] = runOp('linear', { x: as(xd, [2, 3], x), weight: i32([3, 3], w), bias: i32([3], b) }, { dtype: xd, shape: [2, 3] }, 'CoreML7');
      expect(out!.dtype).toBe(xd);
      expect(values(out!)).toEqual(want);
    }
  });
});
