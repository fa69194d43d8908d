import { float32ArrayToFloat16 } from '../tensor/fp16.js';

/**
 * Weighted 1-D k-means for weight palettization.
 *
 * Weights are first binned by their fp16 bit pattern (at most 65,536 bins, each
 * keeping the exact fp32 sum), so clustering costs O(bins) instead of O(weights).
 * On sorted 1-D points a cluster is a contiguous run, so one Lloyd step is k
 * binary searches over prefix sums. That makes many restarts cheap: several
 * deterministic initialisations run to convergence and the lowest error wins.
 */

export interface WeightedPoints {
  /** Distinct (binned) values, ascending. */
  values: Float64Array;
  /** Prefix sums of counts, of count·value and of count·value², length n+1. */
  prefixCount: Float64Array;
  prefixSum: Float64Array;
  prefixSquares: Float64Array;
}

export function binWeights(weights: Float32Array): WeightedPoints {
  const half = float32ArrayToFloat16(weights);
  const count = new Float64Array(65536);
  const sum = new Float64Array(65536);
  const squares = new Float64Array(65536);
  for (let i = 0; i < weights.length; i++) {
    const b = half[i]!;
    const w = weights[i]!;
    count[b]! += 1;
    sum[b]! += w;
    squares[b]! += w * w;
  }
  const bins: number[] = [];
  for (let b = 0; b < 65536; b++) if (count[b]! > 0) bins.push(b);
  bins.sort((a, b) => sum[a]! / count[a]! - sum[b]! / count[b]!);
  const n = bins.length;
  const values = new Float64Array(n);
  const prefixCount = new Float64Array(n + 1);
  const prefixSum = new Float64Array(n + 1);
  const prefixSquares = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const b = bins[i]!;
    values[i] = sum[b]! / count[b]!;
    prefixCount[i + 1] = prefixCount[i]! + count[b]!;
    prefixSum[i + 1] = prefixSum[i]! + sum[b]!;
    prefixSquares[i + 1] = prefixSquares[i]! + squares[b]!;
  }
  return { values, prefixCount, prefixSum, prefixSquares };
}

/** Index of the first value ≥ x. */
function lowerBound(values: Float64Array, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Splits points at the midpoints of sorted centroids; returns run starts (length k+1). */
function assignRuns(points: WeightedPoints, centroids: Float64Array): Int32Array {
  const k = centroids.length;
  const starts = new Int32Array(k + 1);
  for (let c = 1; c < k; c++) starts[c] = lowerBound(points.values, (centroids[c - 1]! + centroids[c]!) / 2);
  starts[k] = points.values.length;
  return starts;
}

function runError(p: WeightedPoints, a: number, b: number, centroid: number): number {
  const n = p.prefixCount[b]! - p.prefixCount[a]!;
  const s = p.prefixSum[b]! - p.prefixSum[a]!;
  const q = p.prefixSquares[b]! - p.prefixSquares[a]!;
  return q - 2 * centroid * s + n * centroid * centroid;
}

/** Runs Lloyd iterations from `initial` until the centroids stop moving; returns centroids and error. */
function lloyd(points: WeightedPoints, initial: Float64Array, maxIterations: number): { centroids: Float64Array; error: number } {
  const centroids = Float64Array.from(initial).sort();
  for (let iter = 0; iter < maxIterations; iter++) {
    const starts = assignRuns(points, centroids);
    let moved = false;
    for (let c = 0; c < centroids.length; c++) {
      const a = starts[c]!;
      const b = starts[c + 1]!;
      const n = points.prefixCount[b]! - points.prefixCount[a]!;
      if (n === 0) continue; // empty cluster keeps its place
      const mean = (points.prefixSum[b]! - points.prefixSum[a]!) / n;
      if (mean !== centroids[c]) moved = true;
      centroids[c] = mean;
    }
    centroids.sort();
    if (!moved) break;
  }
  const starts = assignRuns(points, centroids);
  let error = 0;
  for (let c = 0; c < centroids.length; c++) error += runError(points, starts[c]!, starts[c + 1]!, centroids[c]!);
  return { centroids, error };
}

/** Centroids at weighted quantiles: dense regions get more palette entries. */
function quantileInit(points: WeightedPoints, k: number, offset: number): Float64Array {
  const total = points.prefixCount[points.values.length]!;
  const out = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const target = ((c + offset) / k) * total;
    const idx = Math.min(points.values.length - 1, Math.max(0, lowerBoundCount(points.prefixCount, target) - 1));
    out[c] = points.values[idx]!;
  }
  return out;
}

function lowerBoundCount(prefix: Float64Array, target: number): number {
  let lo = 0;
  let hi = prefix.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (prefix[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Centroids spread evenly between min and max: covers the tails that quantiles miss. */
function uniformInit(points: WeightedPoints, k: number): Float64Array {
  const lo = points.values[0]!;
  const hi = points.values[points.values.length - 1]!;
  const out = new Float64Array(k);
  for (let c = 0; c < k; c++) out[c] = lo + ((c + 0.5) / k) * (hi - lo);
  return out;
}

/**
 * k centroids minimising the squared error of `weights` (ascending). When the
 * weights have no more than k distinct binned values, those values are returned
 * (padded by repetition) and the palette is exact up to binning.
 */
export function kmeans1d(weights: Float32Array, k: number, maxIterations = 300): Float64Array {
  const points = binWeights(weights);
  const n = points.values.length;
  if (n <= k) {
    const out = new Float64Array(k);
    for (let c = 0; c < k; c++) out[c] = points.values[Math.min(c, n - 1)] ?? 0;
    return out;
  }
  const inits = [quantileInit(points, k, 0.5), quantileInit(points, k, 0.25), uniformInit(points, k), mixInit(points, k)];
  let best = lloyd(points, inits[0]!, maxIterations);
  for (const init of inits.slice(1)) {
    const r = lloyd(points, init, maxIterations);
    if (r.error < best.error) best = r;
  }
  return best.centroids;
}

/** Half quantile, half uniform: a compromise start for heavy-tailed weights. */
function mixInit(points: WeightedPoints, k: number): Float64Array {
  const q = quantileInit(points, k, 0.5);
  const u = uniformInit(points, k);
  const out = new Float64Array(k);
  for (let c = 0; c < k; c++) out[c] = (q[c]! + u[c]!) / 2;
  return out;
}

/** Index of the nearest centroid for every weight (centroids ascending). */
export function assignToCentroids(weights: Float32Array, centroids: Float64Array, out: Uint8Array = new Uint8Array(weights.length)): Uint8Array {
  const k = centroids.length;
  const bounds = new Float64Array(k - 1);
  for (let c = 1; c < k; c++) bounds[c - 1] = (centroids[c - 1]! + centroids[c]!) / 2;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    let lo = 0;
    let hi = k - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (w < bounds[mid]!) hi = mid;
      else lo = mid + 1;
    }
    out[i] = lo;
  }
  return out;
}
