import { float16BitsToFloat32, float32ToFloat16Bits } from '../../src/tensor/fp16.js';

/**
 * coremltools' post-training weight compression, written out from its
 * formulas as the peer our compression is measured against (coremltools
 * itself does not run here). The weights are those of an fp16 program, as
 * coremltools compresses them: the arithmetic is numpy's float16 arithmetic,
 * each result rounded to fp16.
 *
 * - `linear_quantize_weights(mode="linear_symmetric")`: per block, max_abs of
 *   the block, scale = (2·max_abs) / (q_max − q_min) with the restricted range
 *   [−(2^(n−1) − 1), 2^(n−1) − 1], q = clip(round(w / scale)), w' = q · scale.
 *   Per-channel: block 1 on the output-channel axis, the whole of every other
 *   axis; per-block: `block_size` on the input-channel axis as well. A weight
 *   whose dims the blocks do not divide is left uncompressed.
 * - `palettize_weights(mode="kmeans")`, one table per tensor: the clusters of
 *   an exact 1-D k-means over the weight's values (coremltools' kmeans1d
 *   path), each weight replaced by its cluster's mean rounded to fp16. Exact
 *   k-means is the best any k-means can do, so this peer is at least as good
 *   as coremltools on every tensor.
 * - Output and input channel axes per consuming op (`select_input_output_channel_axis`):
 *   conv_transpose weight 1 and 0; matmul y −1 and −2 (−2 and −1 with
 *   transpose_y); matmul x −2 and −1 (swapped with transpose_x); else 0 and 1.
 */

const half = (x: number): number => float16BitsToFloat32(float32ToFloat16Bits(x));

/** Rounding of numpy arithmetic on a weight of this dtype (coremltools keeps the weight's dtype for scales and tables). */
export type WeightDType = 'float16' | 'float32';
const ROUNDING: Record<WeightDType, (x: number) => number> = { float16: half, float32: Math.fround };

export interface ChannelAxes {
  output: number;
  input: number;
}

export function coremltoolsChannelAxes(consumer: string, input: string, rank: number, transposeX = false, transposeY = false): ChannelAxes {
  const [output, inputAxis] =
    consumer === 'conv_transpose' ? [1, 0]
    : consumer === 'matmul' && input === 'y' ? (transposeY ? [-2, -1] : [-1, -2])
    : consumer === 'matmul' && input === 'x' ? (transposeX ? [-1, -2] : [-2, -1])
    : [0, 1];
  return { output: output < 0 ? output + rank : output, input: inputAxis < 0 ? inputAxis + rank : inputAxis };
}

/** numpy's round: half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Symmetric linear quantization of fp16 weights with coremltools' block sizes
 * (0: the whole axis); returns the dequantized weight, or undefined where
 * coremltools would leave the weight alone.
 */
export function coremltoolsLinearSymmetric(
  weight: Float32Array,
  shape: readonly number[],
  blockSizes: readonly number[],
  nbits: 4 | 8,
  dtype: WeightDType = 'float16',
): Float32Array | undefined {
  const round = ROUNDING[dtype];
  const blocks = shape.map((d, i) => (blockSizes[i]! > 0 ? blockSizes[i]! : d));
  if (shape.some((d, i) => d % blocks[i]! !== 0)) return undefined;
  const qMax = 2 ** (nbits - 1) - 1;
  const blockOf = blockIndices(shape, blocks);
  const count = shape.reduce((a, d, i) => a * (d / blocks[i]!), 1);
  const maxAbs = new Float32Array(count);
  for (let e = 0; e < weight.length; e++) maxAbs[blockOf[e]!] = Math.max(maxAbs[blockOf[e]!]!, Math.abs(weight[e]!));
  const scale = maxAbs.map((m) => round(round(2 * m) / (2 * qMax)));
  const out = new Float32Array(weight.length);
  for (let e = 0; e < weight.length; e++) {
    const s = scale[blockOf[e]!]!;
    // A zero scale (an all-zero or sub-fp16 block) divides into inf/NaN; either way the weight comes back as 0 · q = 0.
    if (s === 0) continue;
    const q = Math.min(qMax, Math.max(-qMax, roundHalfEven(round(weight[e]! / s))));
    out[e] = round(q * s);
  }
  return out;
}

function blockIndices(shape: readonly number[], blocks: readonly number[]): Int32Array {
  const total = shape.reduce((a, d) => a * d, 1);
  const out = new Int32Array(total);
  const index = new Array<number>(shape.length).fill(0);
  for (let e = 0; e < total; e++) {
    let b = 0;
    for (let d = 0; d < shape.length; d++) b = b * (shape[d]! / blocks[d]!) + Math.floor(index[d]! / blocks[d]!);
    out[e] = b;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d]! < shape[d]!) break;
      index[d] = 0;
    }
  }
  return out;
}

/** Per-tensor k-means palettization with `2^nbits` entries (exact 1-D k-means); returns the dequantized weight. */
export function coremltoolsPalettizeKmeans(weight: Float32Array, nbits: number, dtype: WeightDType = 'float16'): Float32Array {
  const counts = new Map<number, number>();
  for (const w of weight) counts.set(w, (counts.get(w) ?? 0) + 1);
  const values = Float64Array.from([...counts.keys()].sort((a, b) => a - b));
  const weights = Float64Array.from(values, (v) => counts.get(v)!);
  const segments = optimalSegments(values, weights, Math.min(2 ** nbits, values.length));
  const mapped = new Map<number, number>();
  for (const [start, end] of segments) {
    let w = 0;
    let s = 0;
    for (let i = start; i < end; i++) {
      w += weights[i]!;
      s += weights[i]! * values[i]!;
    }
    const centroid = ROUNDING[dtype](s / w);
    for (let i = start; i < end; i++) mapped.set(values[i]!, centroid);
  }
  return weight.map((w) => mapped.get(w)!);
}

/**
 * Exact weighted 1-D k-means: clusters of sorted points are contiguous runs,
 * and the best split into k runs follows from dynamic programming; the
 * optimal split points are monotone, so each layer is solved by divide and
 * conquer in O(n log n).
 */
function optimalSegments(values: Float64Array, weights: Float64Array, k: number): [number, number][] {
  const n = values.length;
  const pw = new Float64Array(n + 1);
  const ps = new Float64Array(n + 1);
  const pq = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    pw[i + 1] = pw[i]! + weights[i]!;
    ps[i + 1] = ps[i]! + weights[i]! * values[i]!;
    pq[i + 1] = pq[i]! + weights[i]! * values[i]! ** 2;
  }
  const cost = (i: number, j: number): number => {
    const w = pw[j]! - pw[i]!;
    const s = ps[j]! - ps[i]!;
    return w > 0 ? Math.max(0, pq[j]! - pq[i]! - (s * s) / w) : 0;
  };
  let prev = Float64Array.from({ length: n + 1 }, (_, j) => cost(0, j));
  const splits: Int32Array[] = [];
  for (let m = 2; m <= k; m++) {
    const cur = new Float64Array(n + 1).fill(Infinity);
    const arg = new Int32Array(n + 1);
    const solve = (lo: number, hi: number, optLo: number, optHi: number): void => {
      if (lo > hi) return;
      const mid = (lo + hi) >> 1;
      let best = Infinity;
      let bestI = optLo;
      for (let i = optLo; i <= Math.min(mid - 1, optHi); i++) {
        const c = prev[i]! + cost(i, mid);
        if (c < best) {
          best = c;
          bestI = i;
        }
      }
      cur[mid] = best;
      arg[mid] = bestI;
      solve(lo, mid - 1, optLo, bestI);
      solve(mid + 1, hi, bestI, optHi);
    };
    solve(m, n, m - 1, n - 1);
    splits.push(arg);
    prev = cur;
  }
  const segments: [number, number][] = [];
  let end = n;
  for (let m = k; m >= 2; m--) {
    const start = splits[m - 2]![end]!;
    segments.unshift([start, end]);
    end = start;
  }
  segments.unshift([0, end]);
  return segments;
}

/**
 * The SNR coremltools' compression tests use (compute_snr_and_psnr):
 * 10·log10((mean(ref²) + 1e-5) / (mean((x − ref)²) + 1e-10)).
 */
export function coremltoolsSnrDb(reference: Float32Array, approx: Float32Array): number {
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < reference.length; i++) {
    signal += reference[i]! ** 2;
    noise += (approx[i]! - reference[i]!) ** 2;
  }
  return 10 * Math.log10((signal / reference.length + 1e-5) / (noise / reference.length + 1e-10));
}
