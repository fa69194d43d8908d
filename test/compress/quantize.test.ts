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

describe('channels on any axis', () => {
  it('gives every index of the chosen axis its own scale', () => {
    // [4, 3, 2] with axis 1 scaled by 1, 10, 100: each slice must come back with the same relative error.
    const shape = [4, 3, 2];
    const w = seededUniform(24, 5).map((v, i) => v * 10 ** (Math.floor(i / 2) % 3));
    const q = quantizeLinear(w, shape, { dtype: 'int8', symmetric: true, perChannel: true, axis: 1 });
    expect(q.scaleShape).toEqual([1, 3, 1]);
    const back = dequantizeLinear(q);
    for (let i = 0; i < w.length; i++) expect(Math.abs(back[i]! - w[i]!)).toBeLessThanOrEqual(q.scale[Math.floor(i / 2) % 3]! / 2 + 1e-12);
  });

  it('splits a block-wise weight along the axes it is given', () => {
    // A transposed convolution's weight [C_in, C_out, k]: blocks of input channels on axis 0, one scale per output channel on axis 1.
    const b = quantizeBlockwise(seededUniform(64 * 8 * 4, 2), [64, 8, 4], 'int4', 32, 'float16', { output: 1, input: 0 });
    expect(b.scaleShape).toEqual([2, 8, 1]);
  });
});

describe('channels whose weights are below the fp16 normal range', () => {
  it('keep them instead of rounding the fp16 scale to zero', () => {
    // max|w| / 127 ≈ 8e-9 is below the smallest fp16 subnormal (6e-8): the channel must not come back as zeros.
    const tiny = Float32Array.from(seededUniform(256, 4), (v) => float16BitsToFloat32(float32ToFloat16Bits(v * 1e-6)));
    const q = quantizeLinear(tiny, [2, 128], { dtype: 'int8', symmetric: true, perChannel: true, scaleDType: 'float16' });
    for (const s of q.scale) expect(s).toBe(2 ** -24);
    // fp16 weights this small are multiples of 2^-24, which the scale reproduces exactly.
    const plain = (a: Float32Array): number[] => Array.from(a, (v) => v + 0); // −0 and 0 are the same weight
    expect(plain(dequantizeLinear(q))).toEqual(plain(tiny));
  });
});
