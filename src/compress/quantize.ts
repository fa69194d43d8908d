/**
 * Linear weight quantization: q = round(w / scale) + zeroPoint, stored as int8
 * or uint8 (or int4/uint4 per block), dequantized by Core ML's constexpr ops as
 * scale · (q − zeroPoint). Works on fp32 weights so the error is measured against
 * the original values, not an fp16 copy.
 */

export type QuantizedDType = 'int8' | 'uint8' | 'int4' | 'uint4';

export interface LinearQuantizeOptions {
  dtype: QuantizedDType;
  /** Symmetric: zero point 0 (int) or mid-range (uint); asymmetric: min/max mapped to the full range. */
  symmetric: boolean;
  /** Quantization groups along axis 0 (per output channel) when true, one group otherwise. */
  perChannel: boolean;
}

export interface LinearQuantized {
  /** One quantized value per weight (unpacked), Int8Array for signed, Uint8Array for unsigned types. */
  data: Int8Array | Uint8Array;
  /** One scale per group. */
  scale: Float32Array;
  /** One zero point per group, in the quantized domain. */
  zeroPoint: Int8Array | Uint8Array;
  /** Number of groups (1 or the size of axis 0). */
  groups: number;
}

const RANGES: Record<QuantizedDType, { min: number; max: number; signed: boolean }> = {
  int8: { min: -128, max: 127, signed: true },
  uint8: { min: 0, max: 255, signed: false },
  int4: { min: -8, max: 7, signed: true },
  uint4: { min: 0, max: 15, signed: false },
};

/**
 * Fractions of the max-based scale tried per group; the one with the lowest
 * squared error wins. 1.0 (the classic max-abs scale) is always a candidate, so
 * the result is never worse than plain min/max quantization.
 */
const SCALE_CANDIDATES = [1.0, 0.97, 0.94, 0.9, 0.85];

export function quantizeLinear(weights: Float32Array, shape: readonly number[], options: LinearQuantizeOptions): LinearQuantized {
  const range = RANGES[options.dtype];
  const groups = options.perChannel && shape.length > 0 ? shape[0]! : 1;
  const groupSize = weights.length / groups;
  const data = range.signed ? new Int8Array(weights.length) : new Uint8Array(weights.length);
  const scale = new Float32Array(groups);
  const zeroPoint = range.signed ? new Int8Array(groups) : new Uint8Array(groups);
  for (let g = 0; g < groups; g++) {
    const start = g * groupSize;
    const group = weights.subarray(start, start + groupSize);
    const { s, zp } = chooseScale(group, range, options.symmetric);
    scale[g] = s;
    zeroPoint[g] = zp;
    quantizeGroup(group, s, zp, range, data, start);
  }
  return { data, scale, zeroPoint, groups };
}

function minMax(values: Float32Array): { lo: number; hi: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { lo: Math.min(lo, 0), hi: Math.max(hi, 0) };
}

function chooseScale(group: Float32Array, range: { min: number; max: number; signed: boolean }, symmetric: boolean): { s: number; zp: number } {
  const { lo, hi } = minMax(group);
  let best = { s: 1, zp: 0 };
  let bestErr = Infinity;
  for (const fraction of SCALE_CANDIDATES) {
    const cand = scaleFor(lo * fraction, hi * fraction, range, symmetric);
    const err = squaredError(group, cand.s, cand.zp, range);
    if (err < bestErr) {
      bestErr = err;
      best = cand;
    }
  }
  return best;
}

function scaleFor(lo: number, hi: number, range: { min: number; max: number; signed: boolean }, symmetric: boolean): { s: number; zp: number } {
  if (symmetric) {
    const maxAbs = Math.max(Math.abs(lo), Math.abs(hi));
    // Signed symmetric uses the restricted range ±max so that 0 is exact and the range is balanced.
    const s = maxAbs > 0 ? maxAbs / range.max : 1;
    const zp = range.signed ? 0 : Math.ceil((range.max + range.min) / 2);
    return { s: Math.fround(s), zp };
  }
  const span = hi - lo;
  const s = span > 0 ? span / (range.max - range.min) : 1;
  const zp = Math.min(range.max, Math.max(range.min, Math.round(range.min - lo / s)));
  return { s: Math.fround(s), zp };
}

function squaredError(group: Float32Array, s: number, zp: number, range: { min: number; max: number }): number {
  let err = 0;
  const inv = 1 / s;
  for (let i = 0; i < group.length; i++) {
    const w = group[i]!;
    let q = Math.round(w * inv) + zp;
    q = q < range.min ? range.min : q > range.max ? range.max : q;
    const d = (q - zp) * s - w;
    err += d * d;
  }
  return err;
}

function quantizeGroup(
  group: Float32Array,
  s: number,
  zp: number,
  range: { min: number; max: number },
  out: Int8Array | Uint8Array,
  offset: number,
): void {
  const inv = 1 / s;
  for (let i = 0; i < group.length; i++) {
    let q = Math.round(group[i]! * inv) + zp;
    q = q < range.min ? range.min : q > range.max ? range.max : q;
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
export function quantizeBlockwise(weights: Float32Array, shape: readonly number[], dtype: 'int8' | 'int4', blockSize: number): BlockQuantized {
  if (shape.length < 2) throw new RangeError('block quantization needs a weight of rank ≥ 2');
  const [cout, cin] = [shape[0]!, shape[1]!];
  const inner = weights.length / (cout * cin);
  const block = Math.min(blockSize, cin);
  if (cin % block !== 0) throw new RangeError(`input channels ${cin} are not a multiple of block size ${block}`);
  const blocks = cin / block;
  const range = RANGES[dtype];
  const data = new Int8Array(weights.length);
  const scale = new Float32Array(cout * blocks);
  const gather = new Float32Array(block * inner);
  for (let o = 0; o < cout; o++) {
    for (let b = 0; b < blocks; b++) {
      const start = (o * cin + b * block) * inner;
      // A block of input channels is contiguous in row-major order.
      gather.set(weights.subarray(start, start + block * inner));
      const { s } = chooseScale(gather, range, true);
      scale[o * blocks + b] = s;
      quantizeGroup(gather, s, 0, range, data, start);
    }
  }
  const scaleShape = [cout, blocks, ...shape.slice(2).map(() => 1)];
  return { data, scale, scaleShape };
}
