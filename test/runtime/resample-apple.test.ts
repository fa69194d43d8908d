import { describe, expect, it } from 'vitest';
import { f32, flag, runOp, scalar, str, values } from './build.js';
import { seededFloats } from '../helpers/seeded.js';

/**
 * The resizing ops on the grids Apple's tests pin (iOS14 and iOS15
 * test_image_resizing.py), on a row [a, b] whose interpolation is a + (b − a)·t.
 */

const F = (shape: number[]) => ({ dtype: 'float32' as const, shape });
const [a, b] = [1.25, -3.5];
const row = f32([1, 1, 2], [a, b]);
const lerp = (t: number) => a + (b - a) * Math.min(1, Math.max(0, t));

describe('resize_bilinear sampling modes, 2 → 5 columns', () => {
  const grids: Record<string, number[]> = {
    STRICT_ALIGN_CORNERS: [0, 0.25, 0.5, 0.75, 1],
    DEFAULT: [0, 0.4, 0.8, 1.2, 1.6],
    OFFSET_CORNERS: [0.1, 0.3, 0.5, 0.7, 0.9],
    UNALIGN_CORNERS: [-0.3, 0.1, 0.5, 0.9, 1.3],
  };
  for (const [mode, positions] of Object.entries(grids)) {
    it(mode, () => {
      const [out] = runOp('resize_bilinear', { x: row, target_size_height: scalar(1), target_size_width: scalar(5), sampling_mode: str(mode) }, F([1, 1, 5]));
      values(out!).forEach((v, k) => expect(v).toBeCloseTo(lerp(positions[k]!), 5));
    });
  }
});

describe('upsample', () => {
  it('upsample_bilinear with align_corners, scale 3: six evenly spaced samples from a to b', () => {
    const [out] = runOp('upsample_bilinear', { x: row, scale_factor_height: scalar(1), scale_factor_width: scalar(3), align_corners: flag(true) }, F([1, 1, 6]));
    values(out!).forEach((v, k) => expect(v).toBeCloseTo(lerp(k / 5), 5));
  });
  it('upsample_bilinear without align_corners, scale 2.6: half-pixel centres (0, 0.1, 0.5, 0.9, 1)', () => {
    const [out] = runOp('upsample_bilinear', { x: row, scale_factor_height: scalar(1), scale_factor_width: scalar(2.6), align_corners: flag(false) }, F([1, 1, 5]));
    values(out!).forEach((v, k) => expect(v).toBeCloseTo(lerp([0, 0.1, 0.5, 0.9, 1][k]!), 5));
  });
  it('upsample_nearest_neighbor with fractional scales reads floor(i · in/out) of the floored output size', () => {
    const x = seededFloats(3, 9);
    const run = (sh: number, sw: number, shape: number[]) => values(runOp('upsample_nearest_neighbor', { x: f32([1, 1, 1, 3], x), scale_factor_height: scalar(sh), scale_factor_width: scalar(sw) }, F(shape))[0]!);
    const [p, q, r] = Array.from(x);
    expect(run(3.17, 0.67, [1, 1, 3, 2])).toEqual([p, q, p, q, p, q]);
    expect(run(2, 1.12, [1, 1, 2, 3])).toEqual([p, q, r, p, q, r]);
  });
});

describe('l2_norm', () => {
  it('divides by sqrt(sum of squares + epsilon) over the last three dims, per leading index', () => {
    const x = seededFloats(2 * 2 * 3 * 2, 4);
    const [out] = runOp('l2_norm', { x: f32([2, 2, 3, 2], x), epsilon: scalar(0.5) }, F([2, 2, 3, 2]));
    const expected = Array.from(x, (v, k) => {
      const base = Math.floor(k / 12) * 12;
      const sq = x.subarray(base, base + 12).reduce((s, u) => s + u * u, 0);
      return v / Math.sqrt(sq + 0.5);
    });
    values(out!).forEach((v, k) => expect(v).toBeCloseTo(expected[k]!, 5));
  });
});
