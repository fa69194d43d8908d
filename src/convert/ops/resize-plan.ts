import { milConst, type MilArg } from '../../mil/builder.js';
import type { ResizeTarget } from '../../onnx/shapes/resample.js';

/**
 * Chooses the Core ML op for an ONNX Resize/Upsample, or explains why none
 * samples the same points. Core ML's upsample_* ops take integer factors;
 * resize_* take target sizes and derive the scale as out / in, so they only
 * match ONNX when the ONNX scale equals out / in.
 *
 * Sampling grids (per axis, i = output index):
 *   upsample_nearest_neighbor: in[floor(i / s)]
 *   upsample_bilinear(align_corners) / resize_bilinear STRICT_ALIGN_CORNERS: i·(in−1)/(out−1)
 *   upsample_bilinear(!align_corners) / resize_bilinear UNALIGN_CORNERS: (i + 0.5)·in/out − 0.5
 *   resize_bilinear DEFAULT, resize_nearest_neighbor: i·in/out
 */

export interface ResizeRequest {
  inDims: readonly number[];
  target: ResizeTarget;
  mode: string;
  coordinateMode: string;
  nearestMode: string;
  antialias: boolean;
}

export interface ResizePlan {
  op: 'upsample_nearest_neighbor' | 'upsample_bilinear' | 'resize_nearest_neighbor' | 'resize_bilinear';
  args: Record<string, MilArg>;
}

export type ResizeDecision = ResizePlan | { reason: string };

/**
 * For an integer upsampling factor s, whether ONNX nearest sampling picks
 * in[floor(i / s)] for every i. With half_pixel, (i + 0.5)/s − 0.5 stays
 * strictly within ±0.5 of floor(i / s), so any rounding mode matches; with
 * asymmetric, i / s only rounds to floor(i / s) for s ≤ 2.
 */
const NEAREST_MATCHES_FLOOR_DIV: Readonly<Record<string, (nearestMode: string, s: number) => boolean>> = {
  asymmetric: (m, s) => s === 1 || m === 'floor' || (m === 'round_prefer_floor' && s === 2),
  half_pixel: (m, s) => s === 1 || m === 'round_prefer_floor' || m === 'round_prefer_ceil',
  pytorch_half_pixel: (m, s) => s === 1 || m === 'round_prefer_floor' || m === 'round_prefer_ceil',
  tf_half_pixel_for_nn: (m, s) => m === 'floor' || (s === 1 && m === 'round_prefer_floor'),
  align_corners: (_m, s) => s === 1,
};

/** Bilinear coordinate modes → [sampling mode for resize_bilinear, align_corners for upsample_bilinear]. */
const LINEAR_GRIDS: Readonly<Record<string, { sampling: string; alignCorners?: boolean; needsExactScale: boolean }>> = {
  half_pixel: { sampling: 'UNALIGN_CORNERS', alignCorners: false, needsExactScale: true },
  pytorch_half_pixel: { sampling: 'UNALIGN_CORNERS', alignCorners: false, needsExactScale: true },
  align_corners: { sampling: 'STRICT_ALIGN_CORNERS', alignCorners: true, needsExactScale: false },
  asymmetric: { sampling: 'DEFAULT', needsExactScale: true },
};

interface Axes {
  inH: number;
  inW: number;
  out: [number, number];
  /** Integer factors when out = in · s exactly with s ≥ 1. */
  intScales: [number, number] | undefined;
  /** The ONNX scale equals out / in on both axes. */
  exact: boolean;
}

function spatialAxes(req: ResizeRequest): Axes | { reason: string } {
  const { inDims, target } = req;
  const r = inDims.length;
  for (let a = 0; a < r - 2; a++) {
    if (target.sizes[a] !== inDims[a]) return { reason: `dim ${a} is resized; Core ML only resizes the last two dims` };
  }
  const ins = [inDims[r - 2]!, inDims[r - 1]!];
  const out: [number, number] = [target.sizes[r - 2]!, target.sizes[r - 1]!];
  const exact = target.fromSizes || [0, 1].every((k) => Math.abs(ins[k]! * target.scales[r - 2 + k]! - out[k]!) < 1e-6);
  const ints = out.map((o, k) => (o % ins[k]! === 0 ? o / ins[k]! : 0));
  const intScales = exact && ints.every((s) => s >= 1) ? (ints as [number, number]) : undefined;
  return { inH: ins[0]!, inW: ins[1]!, out, intScales, exact };
}

function planNearest(req: ResizeRequest, axes: Axes): ResizeDecision {
  const rule = NEAREST_MATCHES_FLOOR_DIV[req.coordinateMode];
  if (axes.intScales && rule && axes.intScales.every((s) => rule(req.nearestMode, s))) {
    const [sh, sw] = axes.intScales;
    return { op: 'upsample_nearest_neighbor', args: { scale_factor_height: milConst.int(sh), scale_factor_width: milConst.int(sw) } };
  }
  if (req.coordinateMode === 'asymmetric' && req.nearestMode === 'floor' && axes.exact) {
    return {
      op: 'resize_nearest_neighbor',
      args: { target_size_height: milConst.int(axes.out[0]), target_size_width: milConst.int(axes.out[1]) },
    };
  }
  return {
    reason: `nearest resize with coordinate_transformation_mode ${req.coordinateMode} and nearest_mode ${req.nearestMode} at this scale has no Core ML equivalent`,
  };
}

function planLinear(req: ResizeRequest, axes: Axes): ResizeDecision {
  const grid = LINEAR_GRIDS[req.coordinateMode];
  if (!grid) return { reason: `linear resize with coordinate_transformation_mode ${req.coordinateMode} is not supported` };
  if (grid.needsExactScale && !axes.exact) return { reason: 'the scale differs from output size / input size, which Core ML always uses' };
  const singleOutput = axes.out.some((o) => o === 1);
  if (singleOutput && req.coordinateMode !== 'half_pixel' && req.coordinateMode !== 'asymmetric') {
    return { reason: `an output size of 1 with ${req.coordinateMode} samples a different point in Core ML` };
  }
  if (axes.intScales && grid.alignCorners !== undefined) {
    const [sh, sw] = axes.intScales;
    return {
      op: 'upsample_bilinear',
      args: { scale_factor_height: milConst.int(sh), scale_factor_width: milConst.int(sw), align_corners: milConst.bool(grid.alignCorners) },
    };
  }
  return {
    op: 'resize_bilinear',
    args: {
      target_size_height: milConst.int(axes.out[0]),
      target_size_width: milConst.int(axes.out[1]),
      sampling_mode: milConst.str(grid.sampling),
    },
  };
}

export function planResize(req: ResizeRequest): ResizeDecision {
  const axes = spatialAxes(req);
  if ('reason' in axes) return axes;
  if (req.antialias && (axes.out[0] < axes.inH || axes.out[1] < axes.inW)) return { reason: 'antialiased downsampling is not supported' };
  if (req.mode === 'nearest') return planNearest(req, axes);
  if (req.mode === 'linear' || req.mode === 'bilinear') return planLinear(req, axes);
  return { reason: `mode ${req.mode} is not supported (nearest and linear are)` };
}
