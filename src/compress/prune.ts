/**
 * Magnitude pruning: the smallest |w| are set to zero until `sparsity` of the
 * weights are zero. Core ML stores the result as a bit mask plus the non-zero
 * values (constexpr_sparse_to_dense).
 */
export interface Pruned {
  /** 1 where the weight is kept, one element per byte (unpacked). */
  mask: Uint8Array;
  /** The kept weights, in row-major order. */
  nonzero: Float32Array;
}

export function pruneByMagnitude(weights: Float32Array, sparsity: number): Pruned {
  if (!(sparsity >= 0 && sparsity < 1)) throw new RangeError(`sparsity must be in [0, 1), got ${sparsity}`);
  const toDrop = Math.floor(weights.length * sparsity);
  const threshold = magnitudeAtRank(weights, toDrop);
  const mask = new Uint8Array(weights.length);
  // Values strictly below the threshold go; ties at the threshold are dropped in order until the count is met.
  let dropped = 0;
  for (let i = 0; i < weights.length; i++) if (Math.abs(weights[i]!) < threshold) dropped++;
  let kept = 0;
  for (let i = 0; i < weights.length; i++) {
    const a = Math.abs(weights[i]!);
    if (a < threshold || (a === threshold && dropped < toDrop)) {
      if (a === threshold) dropped++;
      continue;
    }
    mask[i] = 1;
    kept++;
  }
  const nonzero = new Float32Array(kept);
  for (let i = 0, j = 0; i < weights.length; i++) if (mask[i]) nonzero[j++] = weights[i]!;
  return { mask, nonzero };
}

/** The |w| that has `rank` magnitudes below it (rank 0: the smallest). */
function magnitudeAtRank(weights: Float32Array, rank: number): number {
  if (rank <= 0) return 0;
  const mags = new Float32Array(weights.length);
  for (let i = 0; i < weights.length; i++) mags[i] = Math.abs(weights[i]!);
  mags.sort();
  return mags[Math.min(rank, mags.length - 1)]!;
}

export function unprune(p: Pruned): Float32Array {
  const out = new Float32Array(p.mask.length);
  for (let i = 0, j = 0; i < out.length; i++) if (p.mask[i]) out[i] = p.nonzero[j++]!;
  return out;
}
