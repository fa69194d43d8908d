import { float16ArrayToFloat32 } from '../../src/tensor/fp16.js';
import type { Tensor } from '../../src/tensor/tensor.js';

/**
 * Independent float comparisons for tests that check whole models against stored
 * reference outputs, written here rather than taken from src/parity so that a bug
 * in the metrics cannot hide a bug in what they measure.
 */

/** A float tensor's values as a fresh Float32Array (float16 decoded). */
export function asFloat32(t: Tensor): Float32Array {
  if (t.dtype === 'float16') return float16ArrayToFloat32(t.data as Uint16Array);
  return Float32Array.from(t.data as ArrayLike<number>);
}

/** 20·log10(max|ref| / RMSE); Infinity when the two are identical. */
export function psnr(out: Float32Array, ref: Float32Array): number {
  let peak = 0;
  let se = 0;
  for (let i = 0; i < ref.length; i++) {
    peak = Math.max(peak, Math.abs(ref[i]!));
    se += (out[i]! - ref[i]!) ** 2;
  }
  const rmse = Math.sqrt(se / ref.length);
  return rmse === 0 ? Infinity : 20 * Math.log10(peak / rmse);
}
