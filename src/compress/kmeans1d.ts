import { float16BitsToFloat32, float32ArrayToFloat16, float32ToFloat16Bits } from '../tensor/fp16.js';

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
  return pointsFromBins(count, sum, squares);
}

/**
 * Bins weights that are fp16 already (their bit patterns): every weight in a
 * bin has the bin's value, so a count per pattern is all the pass collects.
 * Small groups (grouped-channel palettes) sort their patterns instead of
 * sweeping all 65,536 of them.
 */
export function binHalfWeights(bits: Uint16Array): WeightedPoints {
  if (bits.length < SMALL_GROUP_ELEMENTS) return binFewHalfWeights(bits);
  const counts = new Uint32Array(65536);
  for (let i = 0; i < bits.length; i++) counts[bits[i]!]!++;
  const count = new Float64Array(65536);
  const sum = new Float64Array(65536);
  const squares = new Float64Array(65536);
  for (let b = 0; b < 65536; b++) {
    const c = counts[b]!;
    if (c === 0) continue;
    const v = float16BitsToFloat32(b);
    count[b] = c;
    sum[b] = c * v;
    squares[b] = c * v * v;
  }
  return pointsFromBins(count, sum, squares);
}

/** Below this many weights, sorting beats a 65,536-entry histogram. */
const SMALL_GROUP_ELEMENTS = 8192;

function binFewHalfWeights(bits: Uint16Array): WeightedPoints {
  const values = Float64Array.from(bits, float16BitsToFloat32).sort();
  const distinct: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (i > 0 && values[i] === values[i - 1]) counts[counts.length - 1]!++;
    else {
      distinct.push(values[i]!);
      counts.push(1);
    }
  }
  const n = distinct.length;
  const points: WeightedPoints = {
    values: Float64Array.from(distinct),
    prefixCount: new Float64Array(n + 1),
    prefixSum: new Float64Array(n + 1),
    prefixSquares: new Float64Array(n + 1),
  };
  for (let i = 0; i < n; i++) {
    const [v, c] = [distinct[i]!, counts[i]!];
    points.prefixCount[i + 1] = points.prefixCount[i]! + c;
    points.prefixSum[i + 1] = points.prefixSum[i]! + c * v;
    points.prefixSquares[i + 1] = points.prefixSquares[i]! + c * v * v;
  }
  return points;
}

function pointsFromBins(count: Float64Array, sum: Float64Array, squares: Float64Array): WeightedPoints {
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

/** Index of the first entry ≥ x in an ascending array. */
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
    const idx = Math.min(points.values.length - 1, Math.max(0, lowerBound(points.prefixCount, target) - 1));
    out[c] = points.values[idx]!;
  }
  return out;
}

/** Centroids spread evenly between min and max: covers the tails that quantiles miss. */
function uniformInit(points: WeightedPoints, k: number): Float64Array {
  const lo = points.values[0]!;
  const hi = points.values[points.values.length - 1]!;
  const out = new Float64Array(k);
  for (let c = 0; c < k; c++) out[c] = lo + ((c + 0.5) / k) * (hi - lo);
  return out;
}

export interface KMeansOptions {
  maxIterations?: number;
  /**
   * Storage of the centroids. With float16 the result is rounded to fp16 and
   * then each centroid is nudged one fp16 step at a time while that lowers
   * the error, so the stored table is the best found on the fp16 grid rather
   * than a rounded fp32 optimum.
   */
  centroidDType?: 'float16' | 'float32';
}

/**
 * k centroids minimising the squared error of `weights` (ascending). When the
 * weights have no more than k distinct binned values, those values are returned
 * (padded by repetition) and the palette is exact up to binning.
 */
export function kmeans1d(weights: Float32Array, k: number, options: KMeansOptions = {}): Float64Array {
  return kmeansOfPoints(binWeights(weights), k, options);
}

/** k-means of binned points (from `binWeights` or `binHalfWeights`). */
export function kmeansOfPoints(points: WeightedPoints, k: number, options: KMeansOptions = {}): Float64Array {
  const maxIterations = options.maxIterations ?? 300;
  const n = points.values.length;
  if (n <= k) {
    const out = new Float64Array(k);
    for (let c = 0; c < k; c++) out[c] = points.values[Math.min(c, n - 1)] ?? 0;
    return options.centroidDType === 'float16' ? out.map(roundHalf) : out;
  }
  const inits = [quantileInit(points, k, 0.5), quantileInit(points, k, 0.25), uniformInit(points, k), mixInit(points, k)];
  if (k <= OPTIMAL_INIT_MAX_K) inits.unshift(optimalInit(points, k));
  let best = lloyd(points, inits[0]!, maxIterations);
  for (const init of inits.slice(1)) {
    const r = lloyd(points, init, maxIterations);
    if (r.error < best.error) best = r;
  }
  return options.centroidDType === 'float16' ? refineOnHalfGrid(points, best.centroids) : best.centroids;
}

function roundHalf(x: number): number {
  return float16BitsToFloat32(float32ToFloat16Bits(x));
}

/** The fp16 value one step above (dir 1) or below (dir −1) the fp16 value x. */
function halfNeighbour(x: number, dir: 1 | -1): number {
  const bits = float32ToFloat16Bits(x);
  const negative = (bits & 0x8000) !== 0;
  const magnitude = bits & 0x7fff;
  if (magnitude >= 0x7c00) return x;
  const away = negative ? dir === -1 : dir === 1;
  if (away) return float16BitsToFloat32(bits + 1);
  if (magnitude === 0) return float16BitsToFloat32((negative ? 0 : 0x8000) | 1);
  return float16BitsToFloat32(bits - 1);
}

function partitionError(points: WeightedPoints, centroids: Float64Array): number {
  const starts = assignRuns(points, centroids);
  let error = 0;
  for (let c = 0; c < centroids.length; c++) error += runError(points, starts[c]!, starts[c + 1]!, centroids[c]!);
  return error;
}

/** Rounds to fp16, then coordinate descent over one-step fp16 moves of single centroids, keeping them ascending. */
function refineOnHalfGrid(points: WeightedPoints, centroids: Float64Array): Float64Array {
  const out = centroids.map(roundHalf);
  let error = partitionError(points, out);
  for (let pass = 0, improved = true; improved && pass < MAX_GRID_PASSES; pass++) {
    improved = false;
    for (let c = 0; c < out.length; c++) {
      for (const dir of [-1, 1] as const) {
        const old = out[c]!;
        const moved = halfNeighbour(old, dir);
        if ((c > 0 && moved < out[c - 1]!) || (c + 1 < out.length && moved > out[c + 1]!)) continue;
        out[c] = moved;
        const e = partitionError(points, out);
        if (e < error) {
          error = e;
          improved = true;
        } else {
          out[c] = old;
        }
      }
    }
  }
  return out;
}

/** Passes of the fp16-grid descent; one or two usually settle it. */
const MAX_GRID_PASSES = 8;

/** Largest palette that gets the dynamic-programming start (its cost grows with k). */
const OPTIMAL_INIT_MAX_K = 16;
/** Points the dynamic program runs on; more distinct values are merged into this many equal-count runs first. */
const OPTIMAL_INIT_MAX_POINTS = 16384;

/**
 * The optimal k-means partition of (at most 8,192 merged) sorted points, by
 * dynamic programming: in 1-D every cluster is a contiguous run, so the best
 * split of the first i points into j runs extends a best split into j − 1
 * runs, and the split points are monotone in i, which divide and conquer
 * exploits (O(k · n log n)). Exact when the weights have few distinct values;
 * otherwise a start within one merged run of the optimum that Lloyd polishes.
 */
function optimalInit(points: WeightedPoints, k: number): Float64Array {
  const coarse = mergeRuns(points, OPTIMAL_INIT_MAX_POINTS);
  const n = coarse.values.length;
  const { prefixCount: pc, prefixSum: ps, prefixSquares: pq } = coarse;
  let prev = new Float64Array(n + 1);
  for (let i = 1; i <= n; i++) prev[i] = pq[i]! - (ps[i]! * ps[i]!) / pc[i]!;
  let cur = new Float64Array(n + 1);
  const splits: Int32Array[] = [];
  // Explicit stack of (lo, hi, optLo, optHi) ranges instead of recursion: this loop is the hot spot.
  const stack = new Int32Array(4 * 64);
  for (let j = 1; j < k; j++) {
    const arg = new Int32Array(n + 1);
    let top = 0;
    stack[top++] = 0; stack[top++] = n; stack[top++] = 0; stack[top++] = n;
    while (top > 0) {
      const optHi = stack[--top]!, optLo = stack[--top]!, hi = stack[--top]!, lo = stack[--top]!;
      if (lo > hi) continue;
      const mid = (lo + hi) >>> 1;
      let best = Infinity;
      let bestM = optLo;
      const cMid = pc[mid]!, sMid = ps[mid]!, qMid = pq[mid]!;
      for (let m = optLo, end = Math.min(mid, optHi); m <= end; m++) {
        const c = cMid - pc[m]!;
        const s = sMid - ps[m]!;
        const v = prev[m]! + qMid - pq[m]! - (c > 0 ? (s * s) / c : 0);
        if (v < best) {
          best = v;
          bestM = m;
        }
      }
      cur[mid] = best;
      arg[mid] = bestM;
      stack[top++] = lo; stack[top++] = mid - 1; stack[top++] = optLo; stack[top++] = bestM;
      stack[top++] = mid + 1; stack[top++] = hi; stack[top++] = bestM; stack[top++] = optHi;
    }
    splits.push(arg);
    [prev, cur] = [cur, prev];
  }
  // Walk the split points back from the end to recover the runs' means.
  const centroids = new Float64Array(k);
  let end = n;
  for (let j = k - 1; j >= 0; j--) {
    const start = j > 0 ? splits[j - 1]![end]! : 0;
    const c = pc[end]! - pc[start]!;
    centroids[j] = c > 0 ? (ps[end]! - ps[start]!) / c : coarse.values[Math.min(start, n - 1)]!;
    end = start;
  }
  return centroids;
}

/** At most `maxPoints` runs of consecutive points with about equal total counts (the points themselves when fewer). */
function mergeRuns(points: WeightedPoints, maxPoints: number): WeightedPoints {
  const n = points.values.length;
  if (n <= maxPoints) return points;
  const total = points.prefixCount[n]!;
  const bounds = [0];
  for (let r = 1; r < maxPoints; r++) {
    const b = lowerBound(points.prefixCount, (r / maxPoints) * total);
    if (b > bounds[bounds.length - 1]! && b < n) bounds.push(b);
  }
  bounds.push(n);
  const m = bounds.length - 1;
  const merged: WeightedPoints = {
    values: new Float64Array(m),
    prefixCount: new Float64Array(m + 1),
    prefixSum: new Float64Array(m + 1),
    prefixSquares: new Float64Array(m + 1),
  };
  for (let r = 0; r <= m; r++) {
    const b = bounds[r]!;
    merged.prefixCount[r] = points.prefixCount[b]!;
    merged.prefixSum[r] = points.prefixSum[b]!;
    merged.prefixSquares[r] = points.prefixSquares[b]!;
  }
  for (let r = 0; r < m; r++) {
    merged.values[r] = (merged.prefixSum[r + 1]! - merged.prefixSum[r]!) / (merged.prefixCount[r + 1]! - merged.prefixCount[r]!);
  }
  return merged;
}

/** Half quantile, half uniform: a compromise start for heavy-tailed weights. */
function mixInit(points: WeightedPoints, k: number): Float64Array {
  const q = quantileInit(points, k, 0.5);
  const u = uniformInit(points, k);
  const out = new Float64Array(k);
  for (let c = 0; c < k; c++) out[c] = (q[c]! + u[c]!) / 2;
  return out;
}

/** Index of the nearest centroid (centroids ascending) for one value. */
function nearestCentroid(w: number, bounds: Float64Array): number {
  let lo = 0;
  let hi = bounds.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (w < bounds[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function midpoints(centroids: Float64Array): Float64Array {
  const bounds = new Float64Array(centroids.length - 1);
  for (let c = 1; c < centroids.length; c++) bounds[c - 1] = (centroids[c - 1]! + centroids[c]!) / 2;
  return bounds;
}

/** Index of the nearest centroid for every weight (centroids ascending). */
export function assignToCentroids(weights: Float32Array, centroids: Float64Array, out: Uint8Array = new Uint8Array(weights.length)): Uint8Array {
  const bounds = midpoints(centroids);
  for (let i = 0; i < weights.length; i++) out[i] = nearestCentroid(weights[i]!, bounds);
  return out;
}

/**
 * The same for fp16 weights given as bit patterns: equal patterns get equal
 * indices, so each distinct pattern is searched once and then looked up.
 */
export function assignHalfToCentroids(bits: Uint16Array, centroids: Float64Array, out: Uint8Array = new Uint8Array(bits.length)): Uint8Array {
  const bounds = midpoints(centroids);
  if (bits.length < SMALL_GROUP_ELEMENTS) {
    for (let i = 0; i < bits.length; i++) out[i] = nearestCentroid(float16BitsToFloat32(bits[i]!), bounds);
    return out;
  }
  const table = new Int16Array(65536).fill(-1);
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]!;
    let c = table[b]!;
    if (c < 0) {
      c = nearestCentroid(float16BitsToFloat32(b), bounds);
      table[b] = c;
    }
    out[i] = c;
  }
  return out;
}
