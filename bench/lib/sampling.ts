/** Small helpers the benchmarks share: the median of timings and a seeded input. */

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Values in [-0.5, 0.5) from a fixed linear congruential sequence: the same input on every run. */
export function seededInput(n: number): Float32Array {
  let state = 12345;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out[i] = state / 4294967296 - 0.5;
  }
  return out;
}
