import { assignToCentroids, kmeans1d } from './kmeans1d.js';

/**
 * Palettization: every weight is replaced by the index of its nearest entry in
 * a small look-up table (2^nbits entries) found by k-means. Per-tensor tables
 * suit iOS16+ (constexpr_lut_to_dense); per-grouped-channel tables (several
 * output channels share one table) need iOS18.
 */

export const PALETTE_BITS = [1, 2, 3, 4, 6, 8] as const;
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
}

export function palettize(weights: Float32Array, shape: readonly number[], options: PalettizeOptions): Palettized {
  const k = 2 ** options.nbits;
  const channels = shape[0] ?? 1;
  const groupChannels = options.channelGroupSize && options.channelGroupSize > 0 ? Math.min(options.channelGroupSize, channels) : channels;
  if (channels % groupChannels !== 0) throw new RangeError(`${channels} channels do not split into groups of ${groupChannels}`);
  const groups = channels / groupChannels;
  const groupSize = weights.length / groups;
  const indices = new Uint8Array(weights.length);
  const lut = new Float32Array(groups * k);
  for (let g = 0; g < groups; g++) {
    const part = weights.subarray(g * groupSize, (g + 1) * groupSize);
    const centroids = kmeans1d(part, k);
    lut.set(centroids, g * k);
    assignToCentroids(part, centroids, indices.subarray(g * groupSize, (g + 1) * groupSize));
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
