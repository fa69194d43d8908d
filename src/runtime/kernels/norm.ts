import { elementCount } from '../../tensor/tensor.js';
import { normAxis, type KernelTable, type OpContext } from '../kernel.js';
import { affineRun, type ChannelAffine } from '../affine.js';
import { makeFloat, makeFloatToOverwrite, type RtFloatValue, type RtValue } from '../value.js';
import { layerNormRowsWasm } from '../wasm-norm.js';

/** batch_norm, instance_norm, layer_norm, l2_norm, local_response_norm. */

/** Per-channel vector parameter (length C) or a constant fill when omitted. */
function channelParam(ctx: OpContext, name: string, channels: number, fill: number): Float32Array {
  const v = ctx.optionalFloat(name)?.data;
  if (!v) return new Float32Array(channels).fill(fill);
  if (v.length !== channels) ctx.fail(`'${name}' has ${v.length} values for ${channels} channels`);
  return v;
}

function batchNorm(ctx: OpContext): RtValue[] {
  const x = ctx.float('x');
  const out = makeFloatToOverwrite(x.dtype, x.shape);
  batchNormInto(ctx, x, out.data, false);
  return [out];
}

/** batch_norm's per-channel scale and shift for `channels` channels, from ctx's parameters. */
export function batchNormAffine(ctx: OpContext, channels: number, relu: boolean): ChannelAffine {
  const mean = channelParam(ctx, 'mean', channels, 0);
  const variance = channelParam(ctx, 'variance', channels, 1);
  const gamma = channelParam(ctx, 'gamma', channels, 1);
  const beta = channelParam(ctx, 'beta', channels, 0);
  const eps = ctx.num('epsilon', 1e-5);
  const scale = new Float64Array(channels);
  const shift = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    scale[c] = gamma[c]! / Math.sqrt(variance[c]! + eps);
    shift[c] = beta[c]! - mean[c]! * scale[c]!;
  }
  return { scale, shift, relu };
}

/**
 * batch_norm of ctx's x into `o` (which may be x's own buffer), optionally
 * followed by relu: the interpreter runs conv → batch_norm → relu this way in
 * place. Each value is rounded to float32 before relu, as the separate ops do.
 */
export function batchNormInto(ctx: OpContext, x: RtFloatValue, o: Float32Array, relu: boolean): void {
  const channels = x.shape[1] ?? 1;
  const { scale, shift } = batchNormAffine(ctx, channels, relu);
  const inner = elementCount(x.shape.slice(2));
  const a = x.data;
  for (let base = 0, c = 0; base < a.length; base += inner, c = (c + 1) % channels) {
    affineRun(a, base, base + inner, o, base, scale[c]!, shift[c]!, relu);
  }
}

/** Normalizes each contiguous run of `inner` elements; gamma/beta are indexed by run % channels. */
function normalizeRuns(x: RtFloatValue, inner: number, channels: number, gamma: Float32Array, beta: Float32Array, eps: number): RtFloatValue {
  const out = makeFloat(x.dtype, x.shape);
  const a = x.data;
  for (let base = 0, c = 0; base < a.length; base += inner, c = (c + 1) % channels) {
    let mean = 0;
    for (let i = base; i < base + inner; i++) mean += a[i]!;
    mean /= inner;
    let variance = 0;
    for (let i = base; i < base + inner; i++) variance += (a[i]! - mean) ** 2;
    variance /= inner;
    const scale = gamma[c]! / Math.sqrt(variance + eps);
    for (let i = base; i < base + inner; i++) out.data[i] = (a[i]! - mean) * scale + beta[c]!;
  }
  return out;
}

function instanceNorm(ctx: OpContext): RtValue[] {
  const x = ctx.float('x');
  const channels = x.shape[1] ?? 1;
  const gamma = channelParam(ctx, 'gamma', channels, 1);
  const beta = channelParam(ctx, 'beta', channels, 0);
  return [normalizeRuns(x, elementCount(x.shape.slice(2)), channels, gamma, beta, ctx.num('epsilon', 1e-5))];
}

/**
 * layer_norm over any set of axes: elements are grouped by their coordinates
 * outside `axes`; gamma/beta are indexed by the coordinates inside them.
 */
function layerNorm(ctx: OpContext): RtValue[] {
  const x = ctx.float('x');
  const rank = x.shape.length;
  const axes = [...new Set((ctx.ints('axes') ?? x.shape.map((_, i) => i)).map((a) => normAxis(ctx, a, rank)))].sort((p, q) => p - q);
  const eps = ctx.num('epsilon', 1e-5);
  const normShape = axes.map((a) => x.shape[a]!);
  const normCount = elementCount(normShape);
  const gamma = ctx.optionalFloat('gamma')?.data;
  const beta = ctx.optionalFloat('beta')?.data;
  for (const [name, p] of [['gamma', gamma], ['beta', beta]] as const) {
    if (p && p.length !== normCount) ctx.fail(`'${name}' has ${p.length} values, the normalized dims [${normShape.join(',')}] hold ${normCount}`);
  }
  const trailing = axes.every((a, i) => a === rank - axes.length + i);
  if (trailing) {
    const ones = gamma ?? new Float32Array(normCount).fill(1);
    const zeros = beta ?? new Float32Array(normCount);
    return [layerNormTrailing(x, normCount, ones, zeros, eps)];
  }
  // General axes: map every element to (group, position-in-group) through strides.
  const strides = x.shape.map((_, i) => elementCount(x.shape.slice(i + 1)));
  const inAxes = x.shape.map((_, i) => axes.includes(i));
  const group = new Int32Array(x.data.length);
  const pos = new Int32Array(x.data.length);
  for (let i = 0; i < x.data.length; i++) {
    let g = 0;
    let p = 0;
    for (let d = 0; d < rank; d++) {
      const coord = Math.floor(i / strides[d]!) % x.shape[d]!;
      if (inAxes[d]) p = p * x.shape[d]! + coord;
      else g = g * x.shape[d]! + coord;
    }
    group[i] = g;
    pos[i] = p;
  }
  const groups = x.data.length / (normCount || 1);
  const sum = new Float64Array(groups);
  const sq = new Float64Array(groups);
  for (let i = 0; i < x.data.length; i++) sum[group[i]!]! += x.data[i]!;
  for (let i = 0; i < x.data.length; i++) sq[group[i]!]! += (x.data[i]! - sum[group[i]!]! / normCount) ** 2;
  const out = makeFloat(x.dtype, x.shape);
  for (let i = 0; i < x.data.length; i++) {
    const g = group[i]!;
    const norm = (x.data[i]! - sum[g]! / normCount) / Math.sqrt(sq[g]! / normCount + eps);
    out.data[i] = norm * (gamma ? gamma[pos[i]!]! : 1) + (beta ? beta[pos[i]!]! : 0);
  }
  return [out];
}

function layerNormTrailing(x: RtFloatValue, inner: number, gamma: Float32Array, beta: Float32Array, eps: number): RtFloatValue {
  const out = makeFloat(x.dtype, x.shape);
  if (!layerNormRowsWasm(x.data, inner, gamma, beta, eps, out.data)) layerNormScalar(x.data, inner, gamma, beta, eps, out.data);
  return out;
}

/** layer_norm over trailing runs of `inner` values in JavaScript: the definition wasm-norm.ts reproduces bit for bit. */
export function layerNormScalar(a: Float32Array, inner: number, gamma: Float32Array, beta: Float32Array, eps: number, o: Float32Array): void {
  for (let base = 0; base < a.length; base += inner) {
    let mean = 0;
    for (let i = 0; i < inner; i++) mean += a[base + i]!;
    mean /= inner;
    let variance = 0;
    for (let i = 0; i < inner; i++) variance += (a[base + i]! - mean) ** 2;
    const inv = 1 / Math.sqrt(variance / inner + eps);
    for (let i = 0; i < inner; i++) o[base + i] = (a[base + i]! - mean) * inv * gamma[i]! + beta[i]!;
  }
}

function l2Norm(ctx: OpContext): RtValue[] {
  const x = ctx.float('x');
  if (x.shape.length < 3) ctx.fail(`x must have rank ≥ 3, got ${x.shape.length}`);
  const eps = ctx.num('epsilon', 1e-6);
  const inner = elementCount(x.shape.slice(-3));
  const out = makeFloat(x.dtype, x.shape);
  for (let base = 0; base < x.data.length; base += inner) {
    let sq = 0;
    for (let i = base; i < base + inner; i++) sq += x.data[i]! ** 2;
    const inv = 1 / Math.sqrt(sq + eps);
    for (let i = base; i < base + inner; i++) out.data[i] = x.data[i]! * inv;
  }
  return [out];
}

/**
 * Normalizes along axis -3 (Core ML treats the last three dims as C, H, W, so
 * a rank-3 x normalizes its first axis). The window of channel c is
 * [c - floor(size/2), c + floor((size-1)/2)]: for an even size one more
 * channel below c than above, as Apple's tests (iOS14/test_normalization.py,
 * checked against PyTorch's LocalResponseNorm) expect.
 */
function localResponseNorm(ctx: OpContext): RtValue[] {
  const x = ctx.float('x');
  const rank = x.shape.length;
  if (rank < 3) ctx.fail(`x must have rank ≥ 3, got ${rank}`);
  const size = ctx.num('size');
  const alpha = ctx.num('alpha', 1e-4);
  const beta = ctx.num('beta', 0.75);
  const k = ctx.num('k', 1);
  const outer = elementCount(x.shape.slice(0, rank - 3));
  const channels = x.shape[rank - 3]!;
  const inner = elementCount(x.shape.slice(rank - 2));
  const below = Math.floor(size / 2);
  const above = size - 1 - below;
  const out = makeFloat(x.dtype, x.shape);
  for (let n = 0; n < outer; n++) {
    for (let c = 0; c < channels; c++) {
      const lo = Math.max(0, c - below);
      const hi = Math.min(channels - 1, c + above);
      for (let i = 0; i < inner; i++) {
        let sq = 0;
        for (let j = lo; j <= hi; j++) sq += x.data[(n * channels + j) * inner + i]! ** 2;
        const idx = (n * channels + c) * inner + i;
        out.data[idx] = x.data[idx]! / Math.pow(k + (alpha / size) * sq, beta);
      }
    }
  }
  return [out];
}

export const normKernels: KernelTable = {
  batch_norm: batchNorm,
  instance_norm: instanceNorm,
  layer_norm: layerNorm,
  l2_norm: l2Norm,
  local_response_norm: localResponseNorm,
};
