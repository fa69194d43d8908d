import { elementCount } from '../../tensor/tensor.js';
import type { KernelTable, OpContext } from '../kernel.js';
import { makeFloat, type RtFloatValue, type RtValue } from '../value.js';

/** Nearest and bilinear resampling of the last two dims. */

/** Source coordinate of output index i, for an input of `inLen` and an output of `outLen`. */
type GridRule = (i: number, inLen: number, outLen: number) => number;

const clampTo = (v: number, inLen: number): number => Math.min(inLen - 1, Math.max(0, v));

/** The sampling modes of resize_bilinear / resize, from the op definitions' grid formulas. */
const SAMPLING: Record<string, GridRule> = {
  STRICT_ALIGN_CORNERS: (i, inLen, outLen) => (outLen === 1 ? 0 : clampTo((i * (inLen - 1)) / (outLen - 1), inLen)),
  ALIGN_CORNERS: (i, inLen, outLen) => (outLen === 1 ? (inLen - 1) / 2 : clampTo((i * (inLen - 1)) / (outLen - 1), inLen)),
  DEFAULT: (i, inLen, outLen) => (outLen === 1 ? 0 : clampTo((i * (inLen - inLen / outLen)) / (outLen - 1), inLen)),
  OFFSET_CORNERS: (i, inLen, outLen) => {
    const delta = Math.max(1, inLen - 1) / outLen;
    return clampTo(0.5 * delta + i * delta, inLen);
  },
  UNALIGN_CORNERS: (i, inLen, outLen) => clampTo((i + 0.5) * (inLen / outLen) - 0.5, inLen),
};

/** TF/PyTorch "asymmetric" coordinates: i · in/out. */
const ASYMMETRIC: GridRule = (i, inLen, outLen) => clampTo((i * inLen) / outLen, inLen);

interface Taps {
  lo: Int32Array;
  hi: Int32Array;
  frac: Float32Array;
}

function linearTaps(rule: GridRule, inLen: number, outLen: number): Taps {
  const lo = new Int32Array(outLen);
  const hi = new Int32Array(outLen);
  const frac = new Float32Array(outLen);
  for (let i = 0; i < outLen; i++) {
    const p = rule(i, inLen, outLen);
    const l = Math.floor(p);
    lo[i] = l;
    hi[i] = Math.min(l + 1, inLen - 1);
    frac[i] = p - l;
  }
  return { lo, hi, frac };
}

function bilinear(x: RtFloatValue, outH: number, outW: number, rule: GridRule): RtFloatValue {
  const rank = x.shape.length;
  const inH = x.shape[rank - 2]!;
  const inW = x.shape[rank - 1]!;
  const planes = elementCount(x.shape.slice(0, -2));
  const th = linearTaps(rule, inH, outH);
  const tw = linearTaps(rule, inW, outW);
  const out = makeFloat(x.dtype, [...x.shape.slice(0, -2), outH, outW]);
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * inH * inW;
    for (let i = 0; i < outH; i++) {
      const r0 = base + th.lo[i]! * inW;
      const r1 = base + th.hi[i]! * inW;
      const fy = th.frac[i]!;
      for (let j = 0; j < outW; j++, o++) {
        const c0 = tw.lo[j]!;
        const c1 = tw.hi[j]!;
        const fx = tw.frac[j]!;
        const top = x.data[r0 + c0]! + (x.data[r0 + c1]! - x.data[r0 + c0]!) * fx;
        const bottom = x.data[r1 + c0]! + (x.data[r1 + c1]! - x.data[r1 + c0]!) * fx;
        out.data[o] = top + (bottom - top) * fy;
      }
    }
  }
  return out;
}

/** Nearest neighbour with source index floor(i · in/out) on the last two dims. */
function nearest(x: RtFloatValue, outH: number, outW: number): RtFloatValue {
  const rank = x.shape.length;
  const inH = x.shape[rank - 2]!;
  const inW = x.shape[rank - 1]!;
  const rows = Int32Array.from({ length: outH }, (_, i) => Math.min(inH - 1, Math.floor((i * inH) / outH)));
  const cols = Int32Array.from({ length: outW }, (_, j) => Math.min(inW - 1, Math.floor((j * inW) / outW)));
  return gatherRowsCols(x, rows, cols);
}

/** out[..., i, j] = x[..., rows[i], cols[j]]. */
function gatherRowsCols(x: RtFloatValue, rows: Int32Array, cols: Int32Array): RtFloatValue {
  const rank = x.shape.length;
  const inH = x.shape[rank - 2]!;
  const inW = x.shape[rank - 1]!;
  const outH = rows.length;
  const outW = cols.length;
  const planes = elementCount(x.shape.slice(0, -2));
  const out = makeFloat(x.dtype, [...x.shape.slice(0, -2), outH, outW]);
  let o = 0;
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < outH; i++) {
      const r = p * inH * inW + rows[i]! * inW;
      for (let j = 0; j < outW; j++) out.data[o++] = x.data[r + cols[j]!]!;
    }
  }
  return out;
}

/**
 * iOS17 resize in NEAREST_NEIGHBOR mode: the pixel nearest to the sampling
 * mode's grid point, halves rounded up. Apple's test (iOS17/test_image_resizing.py,
 * DEFAULT mode, 2 → 3 rows) expects rows [0, 1, 1], where floor(i·in/out) gives [0, 0, 1].
 */
function nearestOnGrid(x: RtFloatValue, outH: number, outW: number, rule: GridRule): RtFloatValue {
  const rank = x.shape.length;
  const inH = x.shape[rank - 2]!;
  const inW = x.shape[rank - 1]!;
  const pick = (i: number, inLen: number, outLen: number) => clampTo(Math.floor(rule(i, inLen, outLen) + 0.5), inLen);
  return gatherRowsCols(x, Int32Array.from({ length: outH }, (_, i) => pick(i, inH, outH)), Int32Array.from({ length: outW }, (_, j) => pick(j, inW, outW)));
}

function spatial(ctx: OpContext): { x: RtFloatValue; inH: number; inW: number } {
  const x = ctx.float('x');
  if (x.shape.length < 2) ctx.fail(`x must have rank ≥ 2, got ${x.shape.length}`);
  return { x, inH: x.shape[x.shape.length - 2]!, inW: x.shape[x.shape.length - 1]! };
}

function upsampleNearest(ctx: OpContext): RtValue[] {
  const { x, inH, inW } = spatial(ctx);
  const outH = Math.floor(inH * ctx.num('scale_factor_height', 1));
  const outW = Math.floor(inW * ctx.num('scale_factor_width', 1));
  return [nearest(x, outH, outW)];
}

function upsampleBilinear(ctx: OpContext): RtValue[] {
  const { x, inH, inW } = spatial(ctx);
  const outH = Math.floor(inH * ctx.num('scale_factor_height', 1));
  const outW = Math.floor(inW * ctx.num('scale_factor_width', 1));
  const alignCorners = ctx.bool('align_corners', true);
  const halfPixel = ctx.bool('half_pixel_centers', !alignCorners);
  const rule = alignCorners ? SAMPLING.STRICT_ALIGN_CORNERS! : halfPixel ? SAMPLING.UNALIGN_CORNERS! : ASYMMETRIC;
  return [bilinear(x, outH, outW, rule)];
}

function samplingRule(ctx: OpContext): GridRule {
  const mode = ctx.str('sampling_mode', 'DEFAULT');
  const rule = SAMPLING[mode];
  if (!rule) ctx.fail(`unknown sampling_mode '${mode}' (expected ${Object.keys(SAMPLING).join(', ')})`);
  return rule;
}

function resizeBilinear(ctx: OpContext): RtValue[] {
  const { x } = spatial(ctx);
  return [bilinear(x, ctx.num('target_size_height', 1), ctx.num('target_size_width', 1), samplingRule(ctx))];
}

function resizeNearest(ctx: OpContext): RtValue[] {
  const { x } = spatial(ctx);
  return [nearest(x, ctx.num('target_size_height'), ctx.num('target_size_width'))];
}

/** iOS17 resize: the right-most `resized_dims` (1 or 2) dims take sizes from `shape` (0 keeps a dim). */
function resize(ctx: OpContext): RtValue[] {
  const { x, inH, inW } = spatial(ctx);
  const dims = ctx.num('resized_dims');
  const target = ctx.requiredInts('shape');
  if (dims < 1 || dims > 2) ctx.fail(`resized_dims must be 1 or 2, got ${dims}`);
  const last = target.slice(-dims);
  const outW = last[last.length - 1] || inW;
  const outH = dims === 2 ? last[0] || inH : inH;
  const mode = ctx.str('interpolation_mode', 'LINEAR');
  if (mode === 'NEAREST_NEIGHBOR') return [nearestOnGrid(x, outH, outW, samplingRule(ctx))];
  if (mode !== 'LINEAR') ctx.fail(`unknown interpolation_mode '${mode}'`);
  return [bilinear(x, outH, outW, samplingRule(ctx))];
}

export const resampleKernels: KernelTable = {
  upsample_nearest_neighbor: upsampleNearest,
  upsample_bilinear: upsampleBilinear,
  resize_bilinear: resizeBilinear,
  resize_nearest_neighbor: resizeNearest,
  resize,
};
