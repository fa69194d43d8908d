/**
 * mulberry32: a small, fast 32-bit generator with a full period, giving the
 * same uniform values in [0, 1) on every platform. Seeded inputs, the random_*
 * kernels and the benchmarks' synthetic weights all draw from it.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
