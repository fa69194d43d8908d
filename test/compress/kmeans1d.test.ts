import { describe, expect, it } from 'vitest';
import { binHalfWeights, binWeights, kmeans1d, kmeansOfPoints } from '../../src/compress/kmeans1d.js';
import { depalettize, palettize, palettizeHalf } from '../../src/compress/palettize.js';
import { float16ArrayToFloat32, float16BitsToFloat32, float32ArrayToFloat16, float32ToFloat16Bits } from '../../src/tensor/fp16.js';
import { seededUniform } from '../helpers/seeded.js';

function squaredError(weights: Float32Array, centroids: Float64Array): number {
  let e = 0;
  for (const w of weights) {
    let best = Infinity;
    for (const c of centroids) best = Math.min(best, (w - c) ** 2);
    e += best;
  }
  return e;
}

/** The least k-means error over every split of sorted values into k contiguous runs (exhaustive). */
function bruteForceOptimum(sorted: number[], k: number): number {
  const runCost = (a: number, b: number): number => {
    const run = sorted.slice(a, b);
    const mean = run.reduce((x, y) => x + y, 0) / run.length;
    return run.reduce((x, y) => x + (y - mean) ** 2, 0);
  };
  const best = (start: number, parts: number): number => {
    if (parts === 1) return runCost(start, sorted.length);
    let m = Infinity;
    for (let end = start + 1; end <= sorted.length - parts + 1; end++) m = Math.min(m, runCost(start, end) + best(end, parts - 1));
    return m;
  };
  return best(0, k);
}

describe('1-D k-means', () => {
  it('reaches the least error over every split into contiguous runs (the 1-D optimum)', () => {
    // Three tight clusters and a far pair: quantile starts put two centroids in one cluster.
    const values = [0, 0.01, 0.02, 0.03, 1, 1.01, 1.02, 5, 5.01, 9, 9.5, 20];
    const weights = Float32Array.from(values);
    for (const k of [2, 3, 4, 5]) {
      const centroids = kmeans1d(weights, k);
      const sorted = [...weights].sort((a, b) => a - b);
      expect(squaredError(weights, centroids)).toBeCloseTo(bruteForceOptimum(sorted, k), 6);
    }
  });

  it('returns fp16 centroids on request, at least as good as rounding the fp32 ones', () => {
    const weights = seededUniform(5000, 11).map((v) => v * 0.05);
    const fp32 = kmeans1d(weights, 16);
    const fp16 = kmeans1d(weights, 16, { centroidDType: 'float16' });
    for (const c of fp16) expect(float16BitsToFloat32(float32ToFloat16Bits(c))).toBe(c);
    const rounded = fp32.map((c) => float16BitsToFloat32(float32ToFloat16Bits(c)));
    expect(squaredError(weights, fp16)).toBeLessThanOrEqual(squaredError(weights, rounded));
  });

  it('bins fp16 bit patterns into the same points as the decoded values', () => {
    for (const n of [1000, 20000]) {
      const bits = float32ArrayToFloat16(seededUniform(n, n));
      const fromBits = binHalfWeights(bits);
      const fromValues = binWeights(float16ArrayToFloat32(bits));
      expect(fromBits.values).toEqual(fromValues.values);
      expect(fromBits.prefixCount).toEqual(fromValues.prefixCount);
      expect(kmeansOfPoints(fromBits, 8)).toEqual(kmeansOfPoints(fromValues, 8));
    }
  });
});

describe('palettizing fp16 weights from their bit patterns', () => {
  it('gives the same tables and indices as palettizing the decoded values', () => {
    const bits = float32ArrayToFloat16(seededUniform(64 * 300, 5));
    for (const options of [{ nbits: 4 as const }, { nbits: 2 as const, channelGroupSize: 8 }]) {
      const half = palettizeHalf(bits, [64, 300], { ...options, lutDType: 'float16' });
      const full = palettize(float16ArrayToFloat32(bits), [64, 300], { ...options, lutDType: 'float16' });
      expect(half.lut).toEqual(full.lut);
      expect(half.indices).toEqual(full.indices);
      expect(depalettize(half)).toEqual(depalettize(full));
    }
  });
});
