/**
 * e^x and erf(x) for kernels whose results are stored as float32 (softmax,
 * the erf GELU chain, sigmoid): inlinable arithmetic instead of a call into
 * Math.exp per element. Each is computed in double precision to about 1e-8
 * relative, so the stored float32 is Math.fround of the exact value or one of
 * its neighbours (test/runtime/fast-math.test.ts measures the distance).
 */

/**
 * x is clamped to [EXP_LOWEST, EXP_HIGHEST] (NaN passes through min and max):
 * every float32 e^x below e^-104 is 0 and above e^89 is +inf, and the 2^n
 * table holds exactly 0 below 2^-150 and +inf above 2^128, so −∞, +∞ and the
 * far tails come out exactly 0 or +inf. Clamping instead of branching keeps
 * the function small enough to inline into the kernels' loops.
 */
export const EXP_LOWEST = -110;
export const EXP_HIGHEST = 100;
/** The 2^n table holds exact powers for n in [POW2_LOWEST, POW2_HIGHEST], 0 below and +inf above. */
export const POW2_LOWEST = -150;
export const POW2_HIGHEST = 128;
/** 2^n for n in [POW2_MIN, POW2_MIN + POW2.length), 0 below 2^-150 and +inf above 2^128. */
const POW2_MIN = -160;
const POW2 = ((): Float64Array => {
  const t = new Float64Array(320);
  let p = 1;
  for (let n = 0; n > POW2_LOWEST; n--) p /= 2;
  for (let n = POW2_LOWEST; n <= POW2_HIGHEST; n++, p *= 2) t[n - POW2_MIN] = p;
  t.fill(Infinity, POW2_HIGHEST + 1 - POW2_MIN);
  return t;
})();
/** Adding 1.5·2^52 to a double of magnitude below 2^51 rounds it to an integer (ties to even) with no Math.round call. */
export const ROUND_MAGIC = 6755399441055744;
/** 1/k! for the Taylor series of e^r on |r| ≤ ln2/2: the degree-7 remainder is below 6e-9 of e^r there. */
const E2 = 1 / 2;
const E3 = 1 / 6;
const E4 = 1 / 24;
const E5 = 1 / 120;
const E6 = 1 / 720;
const E7 = 1 / 5040;
/** 1/k! for k = 2…7, as fastExp's polynomial uses them (for kernels that repeat it in WebAssembly). */
export const EXP_TAYLOR: readonly number[] = [E2, E3, E4, E5, E6, E7];

/**
 * e^x with x = n·ln2 + r, |r| ≤ ln2/2: a polynomial for e^r scaled by 2^n
 * from a table (a power of two, so the product rounds once). NaN stays NaN.
 */
export function fastExp(x: number): number {
  const c = Math.min(Math.max(x, EXP_LOWEST), EXP_HIGHEST);
  const n = c * Math.LOG2E + ROUND_MAGIC - ROUND_MAGIC;
  const r = c - n * Math.LN2;
  const p = 1 + r * (1 + r * (E2 + r * (E3 + r * (E4 + r * (E5 + r * (E6 + r * E7))))));
  return p * POW2[(n | 0) - POW2_MIN]!;
}

/** Abramowitz–Stegun 7.1.26: erf(x) ≈ 1 − (a0·t + … + a4·t⁵)·e^(−x²), t = 1 / (1 + p·x). */
export const ERF_AS_P = 0.3275911;
export const ERF_AS = [0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429] as const;

/**
 * Coefficients of erf's Maclaurin series, 2/√π · (−1)ⁿ / (n!·(2n+1)) for
 * n = 0…11, so the series is one Horner chain in x² (no divisions per element:
 * GELU-shaped models call erf millions of times per run).
 */
const ERF_SERIES = ((): Float64Array => {
  const c = new Float64Array(12);
  let factorial = 1;
  for (let n = 0; n < c.length; n++) {
    if (n > 0) factorial *= n;
    c[n] = ((n % 2 === 0 ? 1 : -1) / (factorial * (2 * n + 1))) * (2 / Math.sqrt(Math.PI));
  }
  return c;
})();
const [S0, S1, S2, S3, S4, S5, S6, S7, S8, S9, S10, S11] = ERF_SERIES as unknown as number[];
export const ERF_SERIES_COEFFICIENTS: readonly number[] = Array.from(ERF_SERIES);
/** erf(x) rounds to ±1 in float32 from here on (erfc(4) < 2^-25, half the spacing of floats below 1). */
export const ERF_SATURATES = 4;

/**
 * erf to ~1e-7 absolute (Abramowitz–Stegun 7.1.26 is only 1.5e-7; refine with
 * the series near zero where relative error matters most). The e^(−x²) of the
 * A–S form is fastExp's, and past ERF_SATURATES the result is ±1 outright.
 */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 0.5) {
    // Maclaurin series: converges fast for small |x| and keeps relative accuracy.
    const z = x * x;
    return x * (S0! + z * (S1! + z * (S2! + z * (S3! + z * (S4! + z * (S5! + z * (S6! + z * (S7! + z * (S8! + z * (S9! + z * (S10! + z * S11!)))))))))));
  }
  if (!(ax < ERF_SATURATES)) return x !== x ? x : x < 0 ? -1 : 1;
  const t = 1 / (1 + ERF_AS_P * ax);
  const poly = ((((ERF_AS[4] * t + ERF_AS[3]) * t + ERF_AS[2]) * t + ERF_AS[1]) * t + ERF_AS[0]) * t;
  const y = 1 - poly * fastExp(-ax * ax);
  return x < 0 ? -y : y;
}
