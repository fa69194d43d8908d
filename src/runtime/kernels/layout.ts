import { stridesOf } from '../../tensor/tensor.js';
import type { RtNumeric, RtValue } from '../value.js';
import { allocFor } from '../value.js';

/**
 * Data-movement primitives shared by the shape kernels: a gather driven by
 * one index map per dimension (slices, pads, tiles, reversals) and a
 * permutation (transpose).
 */

/**
 * out[i0, …, ik] = x[maps[0][i0], …, maps[k][ik]], or `fill` where any map
 * entry is −1. The output shape is the list of map lengths.
 */
export function gatherByDimMaps(x: RtValue, maps: readonly Int32Array[], fill = 0): RtValue['data'] {
  const rank = maps.length;
  const outShape = maps.map((m) => m.length);
  const n = outShape.reduce((p, d) => p * d, 1);
  const strides = stridesOf(x.shape);
  const isString = x.dtype === 'string';
  const out: RtNumeric | string[] = isString ? new Array<string>(n).fill('') : allocFor(x.dtype, n);
  if (n === 0) return out;
  if (rank === 0) {
    out[0] = x.data[0]!;
    return out;
  }
  const src = x.data;
  const last = maps[rank - 1]!;
  const lastStride = strides[rank - 1]!;
  const counter = new Array<number>(rank - 1).fill(0);
  for (let o = 0; o < n; o += last.length) {
    let base = 0;
    let padded = false;
    for (let d = 0; d < rank - 1; d++) {
      const idx = maps[d]![counter[d]!]!;
      if (idx < 0) padded = true;
      base += idx * strides[d]!;
    }
    for (let j = 0; j < last.length; j++) {
      const idx = last[j]!;
      if (padded || idx < 0) {
        if (!isString) out[o + j] = fill;
      } else {
        out[o + j] = src[base + idx * lastStride]!;
      }
    }
    for (let d = rank - 2; d >= 0; d--) {
      if (++counter[d]! < outShape[d]!) break;
      counter[d] = 0;
    }
  }
  return out;
}

/**
 * Copies one run of the output's last axis, `inner` values read `innerStep`
 * apart from `base` to `o`. The last axis kept in place (heads split or
 * joined around attention) is one contiguous copy; float32 gathers (keys
 * transposed for attention) get a loop of their own, which sees one array type.
 */
function runCopier(src: RtValue['data'], out: RtNumeric | string[], inner: number, innerStep: number): (o: number, base: number) => void {
  if (innerStep === 1 && !Array.isArray(src) && !Array.isArray(out)) return (o, base) => out.set(src.subarray(base, base + inner), o);
  if (src instanceof Float32Array && out instanceof Float32Array) {
    return (o, base) => {
      for (let j = 0; j < inner; j++) out[o + j] = src[base + j * innerStep]!;
    };
  }
  return (o, base) => {
    for (let j = 0; j < inner; j++) out[o + j] = src[base + j * innerStep]!;
  };
}

/** Transposes x by `perm` (output dim i is input dim perm[i]). */
export function permute(x: RtValue, perm: readonly number[]): RtValue {
  const rank = x.shape.length;
  const outShape = perm.map((p) => x.shape[p]!);
  const inStrides = stridesOf(x.shape);
  const stepFor = perm.map((p) => inStrides[p]!);
  const n = x.data.length;
  const isString = x.dtype === 'string';
  const out: RtNumeric | string[] = isString ? new Array<string>(n) : allocFor(x.dtype, n);
  if (rank === 0 || n === 0) {
    if (n > 0) out[0] = x.data[0]!;
    return { dtype: x.dtype, shape: outShape, data: out };
  }
  const src = x.data;
  const inner = outShape[rank - 1]!;
  const innerStep = stepFor[rank - 1]!;
  const counter = new Array<number>(rank).fill(0);
  let base = 0;
  const copyRun = runCopier(src, out, inner, innerStep);
  for (let o = 0; o < n; o += inner) {
    copyRun(o, base);
    for (let d = rank - 2; d >= 0; d--) {
      counter[d]!++;
      base += stepFor[d]!;
      if (counter[d]! < outShape[d]!) break;
      base -= stepFor[d]! * counter[d]!;
      counter[d] = 0;
    }
  }
  return { dtype: x.dtype, shape: outShape, data: out };
}

/** The identity index map 0…n−1. */
export function iota(n: number): Int32Array {
  const m = new Int32Array(n);
  for (let i = 0; i < n; i++) m[i] = i;
  return m;
}
