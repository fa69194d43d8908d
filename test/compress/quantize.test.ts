import { describe, expect, it } from 'vitest';
import { dequantizeLinear, quantizeBlockwise, quantizeLinear } from '../../src/compress/quantize.js';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../../src/tensor/fp16.js';
import { seededUniform } from '../helpers/seeded.js';

function noise(ref: Float32Array, approx: Float32Array): number {
  let e = 0;
  for (let i = 0; i < ref.length; i++) e += (ref[i]! - approx[i]!) ** 2;
  return e;
}

const isHalf = (x: number): boolean => float16BitsToFloat32(float32ToFloat16Bits(x)) === x;

describe('scale search with fp16 scales', () => {
  const w = seededUniform(96 * 200, 3).map((v) => v * 0.03);
  const options = { dtype: 'int8', symmetric: true, perChannel: true } as const;

  it('stores only fp16-exact scales', () => {
    const q = quantizeLinear(w, [96, 200], { ...options, scaleDType: 'float16' });
    for (const s of q.scale) expect(isHalf(s)).toBe(true);
  });

  it('is at least as good as searching in fp32 and rounding the scales afterwards', () => {
    const searched = quantizeLinear(w, [96, 200], { ...options, scaleDType: 'float16' });
    const fp32 = quantizeLinear(w, [96, 200], options);
    const roundedAfter = { ...fp32, scale: fp32.scale.map((s) => float16BitsToFloat32(float32ToFloat16Bits(s))) };
    expect(noise(w, dequantizeLinear(searched))).toBeLessThanOrEqual(noise(w, dequantizeLinear(roundedAfter)));
  });

  it('clips heavy tails when that lowers the error', () => {
    // One outlier per channel: a max-abs scale wastes most of the int4 range on it.
    const tailed = seededUniform(16 * 64, 9);
    for (let c = 0; c < 16; c++) tailed[c * 64] = 6;
    const q = quantizeLinear(tailed, [16, 64], { dtype: 'int4', symmetric: true, perChannel: true });
    for (const s of q.scale) expect(s).toBeLessThan(6 / 7);
  });

  it('keeps block-wise scales fp16-exact and inside the int4 range', () => {
    const b = quantizeBlockwise(w, [96, 200], 'int4', 40, 'float16');
    expect(b.scaleShape).toEqual([96, 5]);
    for (const s of b.scale) expect(isHalf(s)).toBe(true);
    for (const q of b.data) expect(q >= -8 && q <= 7).toBe(true);
  });
});
