/**
 * Linear weight quantization: q = round(w / scale) + zeroPoint, stored as int8
 * or uint8 (or int4/uint4 per block), dequantized by Core ML's constexpr ops as
 * scale · (q − zeroPoint). Works on fp32 weights so the error is measured against
 * the original values, not an fp16 copy.
 */

import { float16BitsToFloat32, float32ToFloat16Bits } from '../tensor/fp16.js';

export type QuantizedDType = 'int8' | 'uint8' | 'int4' | 'uint4';

export interface LinearQuantizeOptions {
  dtype: QuantizedDType;
  /** Symmetric: zero point 0 (int) or mid-range (uint); asymmetric: min/max mapped to the full range. */
  symmetric: boolean;
  /** Quantization groups along axis 0 (per output channel) when true, one group otherwise. */
  perChannel: boolean;
  /**
   * How the scales are stored (default float32). With float16 every candidate
   * scale is rounded to fp16 before its error is measured and the weights are
   * quantized with that rounded scale, so the stored parameters reproduce the
   * error the search saw.
   */
  scaleDType?: 'float16' | 'float32';
}

export interface LinearQuantized {
  /** One quantized value per weight (unpacked), Int8Array for signed, Uint8Array for unsigned types. */
  data: Int8Array | Uint8Array;
  /** One scale per group (already rounded to the scale dtype). */
  scale: Float32Array;
  /** One zero point per group, in the quantized domain. */
  zeroPoint: Int8Array | Uint8Array;
  /** Number of groups (1 or the size of axis 0). */
  groups: number;
}

interface QuantRange {
  min: number;
  max: number;
  signed: boolean;
}

const RANGES: Record<QuantizedDType, QuantRange> = {
  int8: { min: -128, max: 127, signed: true },
  uint8: { min: 0, max: 255, signed: false },
  int4: { min: -8, max: 7, signed: true },
  uint4: { min: 0, max: 15, signed: false },
};

/**
 * Fractions of the max-based range tried per group; the one with the lowest
 * squared error wins. 1.0 (the classic min/max scale) is always a candidate,
 * so the result is never worse than plain min/max quantization. Fewer bits
 * clip more profitably, so 4-bit types search deeper.
 */
const FRACTIONS_8BIT = [1.0, 0.995, 0.99, 0.98, 0.96, 0.93];
const FRACTIONS_4BIT = [1.0, 0.97, 0.94, 0.9, 0.86, 0.82, 0.78, 0.74];

/** Adding and subtracting 1.5·2^52 rounds a float64 of magnitude < 2^51 to the nearest integer, ties to even, without a call. */
const ROUND_MAGIC = 6755399441055744;

interface Candidate {
  s: number;
  zp: number;
}

export function quantizeLinear(weights: Float32Array, shape: readonly number[], options: LinearQuantizeOptions): LinearQuantized {
  const range = RANGES[options.dtype];
  const groups = options.perChannel && shape.length > 0 ? shape[0]! : 1;
  const groupSize = weights.length / groups;
  const data = range.signed ? new Int8Array(weights.length) : new Uint8Array(weights.length);
  const scale = new Float32Array(groups);
  const zeroPoint = range.signed ? new Int8Array(groups) : new Uint8Array(groups);
  const roundScale = options.scaleDType === 'float16' ? roundToHalf : Math.fround;
  for (let g = 0; g < groups; g++) {
    const start = g * groupSize;
    const group = weights.subarray(start, start + groupSize);
    const { s, zp } = chooseScale(group, range, options.symmetric, roundScale);
    scale[g] = s;
    zeroPoint[g] = zp;
    quantizeGroup(group, s, zp, range, data, start);
  }
  return { data, scale, zeroPoint, groups };
}

function roundToHalf(x: number): number {
  return float16BitsToFloat32(float32ToFloat16Bits(x));
}

function minMax(values: Float32Array): { lo: number; hi: number } {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < lo) lo = v;
    else if (v > hi) hi = v;
  }
  return { lo, hi };
}

/**
 * Walks the candidate fractions from 1.0 down and stops at the first one that
 * is worse than its predecessor: the error is close to unimodal in the
 * clipping fraction, and most groups stop after two evaluations.
 */
function chooseScale(group: Float32Array, range: QuantRange, symmetric: boolean, roundScale: (s: number) => number): Candidate {
  const { lo, hi } = minMax(group);
  const fractions = range.max - range.min > 16 ? FRACTIONS_8BIT : FRACTIONS_4BIT;
  let best = scaleFor(lo, hi, range, symmetric, roundScale);
  let bestErr = squaredError(group, best, range);
  for (let c = 1; c < fractions.length; c++) {
    const f = fractions[c]!;
    const cand = scaleFor(lo * f, hi * f, range, symmetric, roundScale);
    if (cand.s === best.s && cand.zp === best.zp) continue;
    const err = squaredError(group, cand, range);
    if (!(err < bestErr)) break;
    best = cand;
    bestErr = err;
  }
  return best;
}

function scaleFor(lo: number, hi: number, range: QuantRange, symmetric: boolean, roundScale: (s: number) => number): Candidate {
  if (symmetric) {
    const maxAbs = Math.max(-lo, hi);
    // Signed symmetric uses the restricted range ±max so that 0 is exact and the range is balanced.
    const s = maxAbs > 0 ? roundScale(maxAbs / range.max) : 1;
    const zp = range.signed ? 0 : Math.ceil((range.max + range.min) / 2);
    return { s: s > 0 ? s : 1, zp };
  }
  const span = hi - lo;
  const s = span > 0 ? roundScale(span / (range.max - range.min)) : 1;
  const safe = s > 0 ? s : 1;
  const zp = Math.min(range.max, Math.max(range.min, Math.round(range.min - lo / safe)));
  return { s: safe, zp };
}

/** Squared reconstruction error of one candidate over the group. */
function squaredError(group: Float32Array, cand: Candidate, range: QuantRange): number {
  const s = cand.s;
  const inv = 1 / s;
  const zp = cand.zp;
  const min = range.min;
  const max = range.max;
  let err = 0;
  for (let i = 0; i < group.length; i++) {
    const w = group[i]!;
    let q = w * inv + ROUND_MAGIC - ROUND_MAGIC + zp;
    q = q < min ? min : q > max ? max : q;
    const d = (q - zp) * s - w;
    err += d * d;
  }
  return err;
}

function quantizeGroup(group: Float32Array, s: number, zp: number, range: { min: number; max: number }, out: Int8Array | Uint8Array, offset: number): void {
  const inv = 1 / s;
  const { min, max } = range;
  for (let i = 0; i < group.length; i++) {
    let q = group[i]! * inv + ROUND_MAGIC - ROUND_MAGIC + zp;
    q = q < min ? min : q > max ? max : q;
    out[offset + i] = q;
  }
}

/** scale · (q − zeroPoint) for every element: what the runtime will compute. */
export function dequantizeLinear(q: LinearQuantized): Float32Array {
  const out = new Float32Array(q.data.length);
  const groupSize = q.data.length / q.groups;
  for (let g = 0; g < q.groups; g++) {
    const s = q.scale[g]!;
    const zp = q.zeroPoint[g]!;
    for (let i = g * groupSize, end = i + groupSize; i < end; i++) out[i] = (q.data[i]! - zp) * s;
  }
  return out;
}

export interface BlockQuantized {
  data: Int8Array;
  /** Scales shaped like the weight with axis 1 divided by the block size: [C_out, C_in / block, 1, ...]. */
  scale: Float32Array;
  scaleShape: number[];
}

/**
 * Symmetric per-block quantization along axis 1 (input channels), as
 * constexpr_blockwise_shift_scale (iOS18) expects: one scale per
 * (output channel, block of `blockSize` input channels).
 */
export function quantizeBlockwise(
  weights: Float32Array,
  shape: readonly number[],
  dtype: 'int8' | 'int4',
  blockSize: number,
  scaleDType: 'float16' | 'float32' = 'float32',
): BlockQuantized {
  if (shape.length < 2) throw new RangeError('block quantization needs a weight of rank ≥ 2');
  const [cout, cin] = [shape[0]!, shape[1]!];
  const inner = weights.length / (cout * cin);
  const block = Math.min(blockSize, cin);
  if (cin % block !== 0) throw new RangeError(`input channels ${cin} are not a multiple of block size ${block}`);
  const blocks = cin / block;
  const range = RANGES[dtype];
  const roundScale = scaleDType === 'float16' ? roundToHalf : Math.fround;
  const data = new Int8Array(weights.length);
  const scale = new Float32Array(cout * blocks);
  for (let o = 0; o < cout; o++) {
    for (let b = 0; b < blocks; b++) {
      // A block of input channels is contiguous in row-major order.
      const start = (o * cin + b * block) * inner;
      const part = weights.subarray(start, start + block * inner);
      const { s } = chooseScale(part, range, true, roundScale);
      scale[o * blocks + b] = s;
      quantizeGroup(part, s, 0, range, data, start);
    }
  }
  const scaleShape = [cout, blocks, ...shape.slice(2).map(() => 1)];
  return { data, scale, scaleShape };
}
