import { milConst } from '../../mil/builder.js';
import { makeTensor } from '../../tensor/tensor.js';
import type { ConvertContext } from '../types.js';

/**
 * ONNX Resize as matrix products, for the samplings no Core ML resize op reproduces
 * (cubic, scales that differ from out / in, every coordinate transform and rounding
 * mode, tf_crop_and_resize). ONNX resizes axis by axis with a 1-D kernel over edge-padded
 * data, so along one axis the output is a fixed linear map of the input: a matrix W with
 * out[i] = Σ_j W[i][j]·in[j]. The two last axes then resize as W_h · X · W_wᵀ, two
 * matmuls Core ML broadcasts over the leading dims. W is computed here, at conversion
 * time, from ONNX's own definition (onnx/reference/ops/op_resize.py) in float64.
 */

export interface AxisSampling {
  mode: 'nearest' | 'linear' | 'cubic';
  coordinateMode: string;
  nearestMode: string;
  cubicA: number;
  excludeOutside: boolean;
  /** tf_crop_and_resize only: the normalized [start, end] of this axis. */
  roi?: readonly [number, number];
}

/** One axis: W as rows of `inLen`, and which output rows fall outside the crop (tf_crop_and_resize). */
export interface AxisMatrix {
  weights: Float64Array;
  outside: boolean[];
}

/** One axis as ONNX sees it: input length n, output length, scale s, and outWidth = s·n (a real number). */
interface AxisGeometry {
  n: number;
  outLen: number;
  s: number;
  outWidth: number;
  roi: readonly [number, number];
}

/** Source coordinate of output index i under each coordinate_transformation_mode. */
const COORDINATES: Readonly<Record<string, (i: number, g: AxisGeometry) => number>> = {
  half_pixel: (i, { s }) => (i + 0.5) / s - 0.5,
  pytorch_half_pixel: (i, { s, outWidth }) => (outWidth === 1 ? -0.5 : (i + 0.5) / s - 0.5),
  align_corners: (i, { n, outWidth }) => (outWidth === 1 ? 0 : (i * (n - 1)) / (outWidth - 1)),
  asymmetric: (i, { s }) => i / s,
  tf_half_pixel_for_nn: (i, { s }) => (i + 0.5) / s,
  half_pixel_symmetric: (i, { n, s, outLen, outWidth }) => (n / 2) * (1 - outLen / outWidth) + (i + 0.5) / s - 0.5,
  tf_crop_and_resize: (i, { n, outWidth, roi: [start, end] }) =>
    (outWidth === 1 ? ((end - start) * (n - 1)) / 2 : (i * (end - start) * (n - 1)) / (outWidth - 1)) + start * (n - 1),
};

/** Round-to-nearest choices between the two taps left and right of the coordinate (ratio in (0, 1]). */
const NEAREST_PICKS_RIGHT: Readonly<Record<string, (ratio: number) => boolean>> = {
  round_prefer_floor: (r) => r > 0.5,
  round_prefer_ceil: (r) => r >= 0.5,
  floor: () => false,
  ceil: () => true,
};

function kernel(s: AxisSampling, ratio: number): number[] {
  if (s.mode === 'linear') return [1 - ratio, ratio];
  if (s.mode === 'nearest') {
    const right = ratio === 1 || NEAREST_PICKS_RIGHT[s.nearestMode]!(ratio);
    return right ? [0, 1] : [1, 0];
  }
  const a = s.cubicA;
  const far = (t: number): number => ((a * t - 5 * a) * t + 8 * a) * t - 4 * a; // 1 < t < 2
  const near = (t: number): number => ((a + 2) * t - (a + 3)) * t * t + 1; // t ≤ 1
  return [far(ratio + 1), near(ratio), near(1 - ratio), far(2 - ratio)];
}

export function isKnownSampling(s: AxisSampling): string | undefined {
  if (!(s.coordinateMode in COORDINATES)) return `coordinate_transformation_mode ${s.coordinateMode} is not supported`;
  if (s.mode === 'nearest' && !(s.nearestMode in NEAREST_PICKS_RIGHT)) return `nearest_mode ${s.nearestMode} is not supported`;
  return undefined;
}

/** W for one axis: each output row mixes the kernel's taps around its source coordinate, clamped to the edge. */
export function axisMatrix(inLen: number, outLen: number, scale: number, s: AxisSampling): AxisMatrix {
  const weights = new Float64Array(outLen * inLen);
  const outside: boolean[] = [];
  const transform = COORDINATES[s.coordinateMode]!;
  const geometry: AxisGeometry = { n: inLen, outLen, s: scale, outWidth: scale * inLen, roi: s.roi ?? [0, 1] };
  for (let i = 0; i < outLen; i++) {
    const x = transform(i, geometry);
    const isOutside = s.coordinateMode === 'tf_crop_and_resize' && (x < 0 || x > inLen - 1);
    outside.push(isOutside);
    if (isOutside) continue;
    // ONNX takes the tap left of x as the one at ratio 1 when x is whole, so ratio ∈ (0, 1].
    const left = Number.isInteger(x) ? x - 1 : Math.floor(x);
    const coeffs = kernel(s, x - left);
    const first = left - (coeffs.length / 2 - 1);
    if (s.excludeOutside) {
      coeffs.forEach((_, k) => (first + k < 0 || first + k >= inLen ? (coeffs[k] = 0) : undefined));
      const sum = coeffs.reduce((p, c) => p + c, 0);
      coeffs.forEach((c, k) => (coeffs[k] = c / sum));
    }
    coeffs.forEach((c, k) => {
      const j = Math.min(Math.max(first + k, 0), inLen - 1);
      weights[i * inLen + j] += c;
    });
  }
  return { weights, outside };
}

function isIdentity(m: AxisMatrix, inLen: number, outLen: number): boolean {
  if (inLen !== outLen || m.outside.some((o) => o)) return false;
  return m.weights.every((w, k) => w === (Math.floor(k / inLen) === k % inLen ? 1 : 0));
}

/** The MIL values of a resize by matrices; an axis without one is left as it is. */
export interface ResizeMatrices {
  /** W_h, [out_h, in_h]. */
  rows?: string;
  /** W_w, [out_w, in_w]. */
  cols?: string;
  /** Added last: the extrapolation value where tf_crop_and_resize leaves the crop, [out_h, out_w]. */
  fill?: string;
}

/** The constants for a resize whose matrices are known at conversion time; identity axes are skipped. */
export function constantMatrices(
  ctx: ConvertContext,
  inHW: readonly [number, number],
  outHW: readonly [number, number],
  [h, w]: readonly [AxisMatrix, AxisMatrix],
  extrapolation: number,
  name: string,
): ResizeMatrices {
  const matrix = (m: AxisMatrix, k: 0 | 1, hint: string): string | undefined =>
    isIdentity(m, inHW[k], outHW[k]) ? undefined : ctx.b.const(makeTensor('float32', [outHW[k], inHW[k]], Float32Array.from(m.weights)), `${name}_${hint}`);
  const result: ResizeMatrices = {};
  const rows = matrix(h, 0, 'rows');
  const cols = matrix(w, 1, 'cols');
  if (rows) result.rows = rows;
  if (cols) result.cols = cols;
  if (h.outside.some((o) => o) || w.outside.some((o) => o)) {
    const fill = Float32Array.from({ length: outHW[0] * outHW[1] }, (_, k) => (h.outside[Math.floor(k / outHW[1])] || w.outside[k % outHW[1]] ? extrapolation : 0));
    result.fill = ctx.b.const(makeTensor('float32', [outHW[0], outHW[1]], fill), `${name}_extrapolated`);
  }
  return result;
}

/** Y = W_h · X · W_wᵀ (+ fill), two matmuls broadcast over the leading dims; the last op takes `name`. */
export function emitMatrixResize(ctx: ConvertContext, x: string, m: ResizeMatrices, name: string): string {
  const f = milConst.bool(false);
  const steps: ((input: string, stepName: string) => string)[] = [];
  const { rows, cols, fill } = m;
  if (cols) steps.push((input, n) => ctx.b.op1('matmul', { x: input, y: cols, transpose_x: f, transpose_y: milConst.bool(true) }, { name: n }));
  if (rows) steps.push((input, n) => ctx.b.op1('matmul', { x: rows, y: input, transpose_x: f, transpose_y: f }, { name: n }));
  if (fill) steps.push((input, n) => ctx.b.op1('add', { x: input, y: fill }, { name: n }));
  if (steps.length === 0) return ctx.b.op1('identity', { x }, { name });
  return steps.reduce((input, step, k) => step(input, k === steps.length - 1 ? name : `${name}_step${k}`), x);
}
