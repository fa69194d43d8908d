import { describe, expect, it } from 'vitest';
import { erf, fastExp } from '../../src/runtime/fast-math.js';

/**
 * fastExp and erf against the float32 values of what they replace: Math.exp
 * rounded to float32, and the Abramowitz–Stegun erf with Math.exp that the
 * kernels used. Inputs are float32 bit patterns spread over the whole range
 * (every STEP-th pattern, both signs, denormals, infinities and NaNs among them).
 */

const STEP = 1021;

const bits = new Int32Array(2);
const floats = new Float32Array(bits.buffer);

/** Position of a float32 on the number line, so that neighbouring floats differ by 1 (−0 and +0 coincide). */
function order(v: number): number {
  floats[1] = v;
  const b = bits[1]!;
  return b < 0 ? -(b & 0x7fffffff) : b;
}

/** Distance in float32 units in the last place; NaN matches only NaN. */
function ulps(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  return Math.abs(order(Math.fround(a)) - order(Math.fround(b)));
}

const ERF_P = 0.3275911;
const ERF_A = [0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429];

/** The kernels' former erf: Maclaurin series below 0.5, else A–S 7.1.26 with Math.exp. */
function erfWithMathExp(x: number): number {
  const ax = Math.abs(x);
  if (ax < 0.5) {
    let factorial = 1;
    let sum = 0;
    for (let n = 0, power = x; n < 12; n++, power *= x * x) {
      if (n > 0) factorial *= n;
      sum += ((n % 2 === 0 ? 1 : -1) * power) / (factorial * (2 * n + 1));
    }
    return sum * (2 / Math.sqrt(Math.PI));
  }
  const t = 1 / (1 + ERF_P * ax);
  let poly = 0;
  for (let i = ERF_A.length - 1; i >= 0; i--) poly = poly * t + ERF_A[i]!;
  const y = 1 - poly * t * Math.exp(-ax * ax);
  return x < 0 ? -y : y;
}

/** Largest ulp distance of f from reference over the sampled float32 inputs, and where. */
function worst(f: (x: number) => number, reference: (x: number) => number): { ulps: number; at: number; inputs: number } {
  let most = 0;
  let at = NaN;
  let inputs = 0;
  for (let b = 0; b < 2 ** 32; b += STEP) {
    bits[0] = b | 0;
    const x = floats[0]!;
    inputs++;
    const d = ulps(f(x), reference(x));
    if (d > most) {
      most = d;
      at = x;
    }
  }
  return { ulps: most, at, inputs };
}

describe('fastExp', () => {
  it('is within 1 ulp of Math.exp rounded to float32 over millions of float32 inputs', () => {
    const w = worst(fastExp, Math.exp);
    expect(w.inputs).toBeGreaterThan(4_000_000);
    expect(w.ulps, `at x = ${w.at}`).toBeLessThanOrEqual(1);
  });

  it('gives the exact values at zero, the infinities, NaN and past float32 overflow and underflow', () => {
    expect(fastExp(0)).toBe(1);
    expect(fastExp(-0)).toBe(1);
    expect(fastExp(Infinity)).toBe(Infinity);
    expect(fastExp(-Infinity)).toBe(0);
    expect(fastExp(NaN)).toBeNaN();
    expect(fastExp(1e30)).toBe(Infinity);
    expect(fastExp(-1e30)).toBe(0);
    expect(Math.fround(fastExp(88.8))).toBe(Infinity);
    expect(Math.fround(fastExp(-104))).toBe(0);
    expect(Math.fround(fastExp(-103.9))).toBe(Math.fround(Math.exp(-103.9)));
    expect(Math.fround(fastExp(88.7))).toBe(Math.fround(Math.exp(88.7)));
  });
});

describe('erf', () => {
  it('is within 1 ulp of the Math.exp form over millions of float32 inputs', () => {
    const w = worst(erf, erfWithMathExp);
    expect(w.ulps, `at x = ${w.at}`).toBeLessThanOrEqual(1);
  });

  it('is odd, exact at zero and saturates to ±1 with NaN kept', () => {
    expect(erf(0)).toBe(0);
    expect(Object.is(erf(-0), -0)).toBe(true);
    expect(erf(Infinity)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
    expect(erf(4)).toBe(1);
    expect(erf(NaN)).toBeNaN();
    for (const x of [0.3, 0.75, 1.5, 2.9]) expect(erf(-x)).toBe(-erf(x));
  });
});
