/**
 * Linear weight quantization: q = round(w / scale) + zeroPoint, stored as int8
 * or uint8 (or int4/uint4 per block), dequantized by Core ML's constexpr ops as
 * scale · (q − zeroPoint). Works on fp32 weights so the error is measured against
 * the original values, not an fp16 copy.
 */

import { float16BitsToFloat32, float32ToFloat16Bits } from '../tensor/fp16.js';

export type QuantizedDType = 'int8' | 'uint8' | 'int4' | 'uint4';

export interface BlockQuantizeOptions {
  dtype: QuantizedDType;
  /** Symmetric (default): zero point 0 (int) or mid-range (uint); asymmetric: min/max mapped to the full range. */
  symmetric?: boolean;
  /**
   * How the scales are stored (default float32). With float16 every candidate
   * scale is rounded to fp16 before its error is measured and the weights are
   * quantized with that rounded scale, so the stored parameters reproduce the
   * error the search saw.
   */
  scaleDType?: 'float16' | 'float32';
}

export interface LinearQuantizeOptions extends BlockQuantizeOptions {
  symmetric: boolean;
  /** One quantization group per index of `axis` (per output channel) when true, one group otherwise. */
  perChannel: boolean;
  /** The channel axis of per-channel groups (default 0; a transposed convolution's output channels are axis 1). */
  axis?: number;
}

export interface BlockQuantizedLinear {
  /** One quantized value per weight (unpacked), Int8Array for signed, Uint8Array for unsigned types. */
  data: Int8Array | Uint8Array;
  /** One scale per block (already rounded to the scale dtype), row-major over `scaleShape`. */
  scale: Float32Array;
  /** One zero point per block, in the quantized domain. */
  zeroPoint: Int8Array | Uint8Array;
  shape: number[];
  /** Blocks per axis: same rank as the weight, each dim dividing the weight's. */
  scaleShape: number[];
  /** Σ (w − ŵ)² over the whole weight, to choose between block layouts. */
  squaredError: number;
}

export interface LinearQuantized extends BlockQuantizedLinear {
  /** Number of groups (1 or the size of the channel axis). */
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
 * so the result is never worse than plain min/max quantization. At 4 bits
 * clipping the tails pays (1–2 dB of weight SNR). At 8 bits it gained under
 * 0.1 dB of weight SNR and moved a model's outputs by ±1.5 dB either way
 * (the clipped weights are the largest ones), so 8-bit types keep every
 * weight in range.
 */
const FRACTIONS_8BIT = [1.0];
const FRACTIONS_4BIT = [1.0, 0.97, 0.94, 0.9, 0.86, 0.82, 0.78, 0.74];

/** Adding and subtracting 1.5·2^52 rounds a float64 of magnitude < 2^51 to the nearest integer, ties to even, without a call. */
const ROUND_MAGIC = 6755399441055744;

interface Candidate {
  s: number;
  zp: number;
}

export function quantizeLinear(weights: Float32Array, shape: readonly number[], options: LinearQuantizeOptions): LinearQuantized {
  const axis = options.axis ?? 0;
  const scaleShape = shape.map((d, i) => (options.perChannel && i === axis ? d : 1));
  const q = quantizeBlocks(weights, shape, scaleShape, options);
  return { ...q, groups: q.scale.length };
}

/**
 * Quantizes `weights` with one scale (and zero point) per block, where
 * `scaleShape` has the weight's rank and each of its dims divides the
 * weight's: block (i₀, i₁, …) holds the elements whose index along every
 * axis d lies in [i_d·b_d, (i_d+1)·b_d) with b_d = shape[d] / scaleShape[d].
 * This is the layout of constexpr_blockwise_shift_scale, and covers
 * per-tensor, per-channel on any axis and per-block quantization alike.
 */
export function quantizeBlocks(weights: Float32Array, shape: readonly number[], scaleShape: readonly number[], options: BlockQuantizeOptions): BlockQuantizedLinear {
  const range = RANGES[options.dtype];
  const blocks = new BlockLayout(shape, scaleShape);
  const data = range.signed ? new Int8Array(weights.length) : new Uint8Array(weights.length);
  const scale = new Float32Array(blocks.count);
  const zeroPoint = range.signed ? new Int8Array(blocks.count) : new Uint8Array(blocks.count);
  const roundScale = options.scaleDType === 'float16' ? roundToHalf : Math.fround;
  const symmetric = options.symmetric ?? true;
  let squaredErrorSum = 0;
  blocks.forEach(weights, data, (b, group, out) => {
    const { s, zp, err } = chooseScale(group, range, symmetric, roundScale);
    scale[b] = s;
    zeroPoint[b] = zp;
    squaredErrorSum += err;
    quantizeGroup(group, s, zp, range, out);
  });
  return { data, scale, zeroPoint, shape: [...shape], scaleShape: [...scaleShape], squaredError: squaredErrorSum };
}

/**
 * Which block every element belongs to. Blocks are visited one at a time as
 * contiguous arrays: views when the blocks are runs of the row-major order
 * (per channel on axis 0, blocks of input channels after it), gathered and
 * scattered otherwise, so the scale search runs on plain arrays whatever axes
 * the blocks span.
 */
class BlockLayout {
  readonly count: number;
  private readonly blockSize: number;
  private readonly contiguous: boolean;
  private elementBlocks: Int32Array | undefined;

  constructor(
    private readonly shape: readonly number[],
    private readonly scaleShape: readonly number[],
  ) {
    if (scaleShape.length !== shape.length || shape.some((d, i) => scaleShape[i]! < 1 || d % scaleShape[i]! !== 0)) {
      throw new RangeError(`scale shape [${scaleShape.join(', ')}] does not divide weight shape [${shape.join(', ')}] into whole blocks`);
    }
    this.count = scaleShape.reduce((a, d) => a * d, 1);
    this.blockSize = shape.reduce((a, d) => a * d, 1) / this.count;
    // Runs of the row-major order: every axis before the last split one has one index per block, every axis after it is whole.
    const last = scaleShape.reduce((at, d, i) => (d > 1 ? i : at), -1);
    this.contiguous = scaleShape.every((d, i) => (i < last ? d === shape[i] : i > last ? d === 1 : true));
  }

  /** The block of every element, row-major. */
  get blockOf(): Int32Array {
    this.elementBlocks ??= this.computeBlockOf();
    return this.elementBlocks;
  }

  /** Calls `visit` with each block's values and a same-sized buffer whose contents land at the block's elements of `out`. */
  forEach<T extends Int8Array | Uint8Array>(values: Float32Array, out: T, visit: (block: number, group: Float32Array, groupOut: T) => void): void {
    const size = this.blockSize;
    if (this.contiguous) {
      for (let b = 0; b < this.count; b++) visit(b, values.subarray(b * size, (b + 1) * size), out.subarray(b * size, (b + 1) * size) as T);
      return;
    }
    const members = this.membersByBlock();
    const group = new Float32Array(size);
    const groupOut = out.slice(0, size) as T;
    for (let b = 0; b < this.count; b++) {
      const start = b * size;
      for (let i = 0; i < size; i++) group[i] = values[members[start + i]!]!;
      visit(b, group, groupOut);
      for (let i = 0; i < size; i++) out[members[start + i]!] = groupOut[i]!;
    }
  }

  private computeBlockOf(): Int32Array {
    const { shape, scaleShape } = this;
    const rank = shape.length;
    const blockOf = new Int32Array(this.count * this.blockSize);
    const index = new Array<number>(rank).fill(0);
    const per = shape.map((d, i) => d / scaleShape[i]!);
    const stride = new Array<number>(rank).fill(1);
    for (let d = rank - 2; d >= 0; d--) stride[d] = stride[d + 1]! * scaleShape[d + 1]!;
    for (let e = 0; e < blockOf.length; e++) {
      let b = 0;
      for (let d = 0; d < rank; d++) b += Math.floor(index[d]! / per[d]!) * stride[d]!;
      blockOf[e] = b;
      for (let d = rank - 1; d >= 0; d--) {
        if (++index[d]! < shape[d]!) break;
        index[d] = 0;
      }
    }
    return blockOf;
  }

  /** Element indices sorted by block (a counting sort; each block's elements keep their order). */
  private membersByBlock(): Int32Array {
    const blockOf = this.blockOf;
    const next = new Int32Array(this.count);
    for (let b = 0; b < this.count; b++) next[b] = b * this.blockSize;
    const members = new Int32Array(blockOf.length);
    for (let e = 0; e < blockOf.length; e++) members[next[blockOf[e]!]!++] = e;
    return members;
  }
}

/** The smallest positive fp16 (a subnormal): every fp16 weight below 127 of it is an exact multiple of it. */
const HALF_MIN_SUBNORMAL = 2 ** -24;

/**
 * Rounds a scale to fp16, but never down to zero: a channel whose weights
 * are all tiny (decayed by training, then rescaled by a batch norm) would
 * otherwise get scale 0, stored as "all zeros", or the fallback scale 1 that
 * quantizes every weight to 0. The smallest subnormal reproduces such fp16
 * weights exactly, since they are multiples of it.
 */
function roundToHalf(x: number): number {
  return x > 0 ? Math.max(float16BitsToFloat32(float32ToFloat16Bits(x)), HALF_MIN_SUBNORMAL) : float16BitsToFloat32(float32ToFloat16Bits(x));
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
function chooseScale(group: Float32Array, range: QuantRange, symmetric: boolean, roundScale: (s: number) => number): Candidate & { err: number } {
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
  return { ...best, err: bestErr };
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

function quantizeGroup(group: Float32Array, s: number, zp: number, range: { min: number; max: number }, out: Int8Array | Uint8Array): void {
  const inv = 1 / s;
  const { min, max } = range;
  for (let i = 0; i < group.length; i++) {
    const q = group[i]! * inv + ROUND_MAGIC - ROUND_MAGIC + zp;
    out[i] = q < min ? min : q > max ? max : q;
  }
}

/** scale · (q − zeroPoint) for every element: what the runtime will compute. */
export function dequantizeLinear(q: BlockQuantizedLinear): Float32Array {
  const out = new Float32Array(q.data.length);
  const { blockOf } = new BlockLayout(q.shape, q.scaleShape);
  for (let e = 0; e < out.length; e++) {
    const b = blockOf[e]!;
    out[e] = (q.data[e]! - q.zeroPoint[b]!) * q.scale[b]!;
  }
  return out;
}

export interface BlockQuantized {
  data: Int8Array;
  /** Scales shaped like the weight with the input axis divided by the block size and every other axis but the output one 1. */
  scale: Float32Array;
  scaleShape: number[];
}

/** Which axes of a weight hold the output and the input channels of the op reading it. */
export interface ChannelAxes {
  output: number;
  input: number;
  /** Groups of a transposed convolution: its input axis (0) is split into this many groups, each feeding its own output channels. */
  groups?: number;
}

/**
 * Symmetric per-block quantization as constexpr_blockwise_shift_scale (iOS18)
 * expects: one scale per output channel and block of `blockSize` input
 * channels; every other axis (kernel positions) shares the block's scale.
 * For a grouped transposed convolution, blocks that stay inside one group
 * give every true output channel its own scales; they are tried next to the
 * plain layout and the lower error wins.
 */
export function quantizeBlockwise(
  weights: Float32Array,
  shape: readonly number[],
  dtype: 'int8' | 'int4',
  blockSize: number,
  scaleDType: 'float16' | 'float32' = 'float32',
  axes: ChannelAxes = { output: 0, input: 1 },
): BlockQuantized {
  if (shape.length < 2) throw new RangeError('block quantization needs a weight of rank ≥ 2');
  const cin = shape[axes.input]!;
  const block = Math.min(blockSize, cin);
  if (cin % block !== 0) throw new RangeError(`input channels ${cin} are not a multiple of block size ${block}`);
  const groups = axes.groups ?? 1;
  const perGroup = groups > 1 && axes.input === 0 && cin % groups === 0 ? cin / groups : cin;
  const blocks = [...new Set([block, Math.min(blockSize, perGroup)])].filter((b) => cin % b === 0);
  let best: BlockQuantizedLinear | undefined;
  for (const b of blocks) {
    const scaleShape = shape.map((d, i) => (i === axes.output ? d : i === axes.input ? cin / b : 1));
    const q = quantizeBlocks(weights, shape, scaleShape, { dtype, symmetric: true, scaleDType });
    if (!best || q.squaredError < best.squaredError) best = q;
  }
  return { data: best!.data as Int8Array, scale: best!.scale, scaleShape: best!.scaleShape };
}
