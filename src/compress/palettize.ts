import { assignHalfToCentroids, assignToCentroids, binHalfWeights, binWeights, kmeansOfPoints } from './kmeans1d.js';

/**
 * Palettization: every weight is replaced by the index of its nearest entry in
 * a small look-up table (2^nbits entries) found by k-means. Per-tensor tables
 * suit iOS16+ (constexpr_lut_to_dense); per-grouped-channel tables (several
 * output channels share one table) need iOS18.
 */

const PALETTE_BITS = [1, 2, 3, 4, 6, 8] as const;
export type PaletteBits = (typeof PALETTE_BITS)[number];

export interface Palettized {
  /** One index per weight, unpacked (one per byte). */
  indices: Uint8Array;
  /** Tables, `groups × 2^nbits` entries, each table ascending. */
  lut: Float32Array;
  groups: number;
  nbits: PaletteBits;
}

export interface PalettizeOptions {
  nbits: PaletteBits;
  /** Output channels (axis 0) per table; 0 or undefined: one table for the whole tensor. */
  channelGroupSize?: number;
  /**
   * How the table is stored (default float32). With float16 the centroids are
   * rounded to fp16 before the weights are assigned, so every weight maps to
   * the nearest entry Core ML will actually hold.
   */
  lutDType?: 'float16' | 'float32';
}

export function palettize(weights: Float32Array, shape: readonly number[], options: PalettizeOptions): Palettized {
  return palettizeGroups(weights.length, shape, options, (start, end, k, centroidDType, out) => {
    const part = weights.subarray(start, end);
    const centroids = kmeansOfPoints(binWeights(part), k, { centroidDType });
    assignToCentroids(part, centroids, out);
    return centroids;
  });
}

/**
 * Palettizes fp16 weights given as their bit patterns (the consts of an fp16
 * program). Same result as `palettize` on the decoded values, found without
 * decoding: binning is a histogram of patterns and assignment a table lookup.
 */
export function palettizeHalf(bits: Uint16Array, shape: readonly number[], options: PalettizeOptions): Palettized {
  return palettizeGroups(bits.length, shape, options, (start, end, k, centroidDType, out) => {
    const part = bits.subarray(start, end);
    const centroids = kmeansOfPoints(binHalfWeights(part), k, { centroidDType });
    assignHalfToCentroids(part, centroids, out);
    return centroids;
  });
}

/** Fits one group's table and writes its indices into `out`; returns the (ascending) table. */
type GroupPalettizer = (start: number, end: number, k: number, centroidDType: 'float16' | 'float32', out: Uint8Array) => Float64Array;

function palettizeGroups(length: number, shape: readonly number[], options: PalettizeOptions, fitGroup: GroupPalettizer): Palettized {
  const k = 2 ** options.nbits;
  const channels = shape[0] ?? 1;
  const groupChannels = options.channelGroupSize && options.channelGroupSize > 0 ? Math.min(options.channelGroupSize, channels) : channels;
  if (channels % groupChannels !== 0) throw new RangeError(`${channels} channels do not split into groups of ${groupChannels}`);
  const groups = channels / groupChannels;
  const groupSize = length / groups;
  const indices = new Uint8Array(length);
  const lut = new Float32Array(groups * k);
  for (let g = 0; g < groups; g++) {
    const [start, end] = [g * groupSize, (g + 1) * groupSize];
    lut.set(fitGroup(start, end, k, options.lutDType ?? 'float32', indices.subarray(start, end)), g * k);
  }
  return { indices, lut, groups, nbits: options.nbits };
}

/** Looks every index up in its group's table: what the runtime will compute. */
export function depalettize(p: Palettized): Float32Array {
  const k = 2 ** p.nbits;
  const out = new Float32Array(p.indices.length);
  const groupSize = p.indices.length / p.groups;
  for (let i = 0; i < out.length; i++) out[i] = p.lut[Math.floor(i / groupSize) * k + p.indices[i]!]!;
  return out;
}
