import { describe, expect, it } from 'vitest';
import { float32ArrayToFloat16, float32BitsToFloat16Bits } from '../../src/tensor/fp16.js';

/**
 * float32 → half rounding against an independent reading of IEEE 754: the
 * value divided by the spacing of halves around it (exact, a power of two),
 * rounded half to even, and the half's bits counted from there.
 */
function nearestHalfBits(bits: number): number {
  const value = new Float32Array(new Uint32Array([bits]).buffer)[0]!;
  const sign = bits >>> 31 ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (magnitude >= 65520) return sign | 0x7c00;
  // Halves below 2^-14 are subnormal and spaced like those just above it.
  const exponent = Math.max(((bits >>> 23) & 0xff) - 127, -14);
  const spacing = 2 ** (exponent - 10);
  const whole = Math.floor(magnitude / spacing);
  const rest = magnitude / spacing - whole;
  const rounded = rest > 0.5 || (rest === 0.5 && whole % 2 === 1) ? whole + 1 : whole;
  // The half with exponent field e and mantissa m is (1024 + m)·2^(e-25); below 2^-14, m·2^-24.
  return sign | (((exponent + 15) << 10) + rounded - 1024);
}

/** float32 bit patterns at every exponent, with the dropped 13 bits at and around the rounding ties. */
function edgePatterns(): number[] {
  const dropped = [0, 1, 0xfff, 0x1000, 0x1001, 0x1fff];
  const kept = [0, 1, 0x155, 0x3fe, 0x3ff];
  const out: number[] = [];
  for (let exp = 0; exp < 255; exp++) {
    for (const k of kept) for (const d of dropped) for (const sign of [0, 0x80000000]) out.push((sign | (exp << 23) | (k << 13) | d) >>> 0);
  }
  return out;
}

describe('float32 to half', () => {
  it('rounds to nearest even at every exponent, ties and their neighbours included, normal, subnormal and overflowing', () => {
    for (const bits of edgePatterns()) expect([bits, float32BitsToFloat16Bits(bits)]).toEqual([bits, nearestHalfBits(bits)]);
  });

  it('converts arrays of random finite values to their nearest halves', () => {
    let state = 12345;
    const words = new Uint32Array(100_000).map(() => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      const bits = state >>> 0;
      // Finite float32 bit patterns only: an all-ones exponent becomes 254.
      return ((bits >>> 23) & 0xff) === 0xff ? (bits ^ 0x00800000) >>> 0 : bits;
    });
    const halves = float32ArrayToFloat16(new Float32Array(words.buffer));
    const expected = Uint16Array.from(words, nearestHalfBits);
    expect(halves).toEqual(expected);
  });

  it('keeps infinities and NaN', () => {
    expect(float32BitsToFloat16Bits(0x7f800000)).toBe(0x7c00);
    expect(float32BitsToFloat16Bits(0xff800000)).toBe(0xfc00);
    expect(float32BitsToFloat16Bits(0x7fc00000) & 0x7fff).toBeGreaterThan(0x7c00);
  });
});
