import { milConst } from '../../mil/builder.js';
import { makeTensor } from '../../tensor/tensor.js';
import type { ConvertContext } from '../types.js';
import type { AxisSampling } from './resize-matrix.js';

/**
 * The resize matrix of one axis (resize-matrix.ts) when the scale arrives at run time
 * (a `scales` graph input) and only the sizes are static: the same ONNX definition,
 * written as MIL ops over an [out, 1] column of output indices and a [1, in] row of
 * input indices, so Core ML computes W from the scale it is given. tf_crop_and_resize
 * (whose roi would also be a run-time input) is left to the constant path.
 */

type Emit = (op: string, args: Record<string, string | ReturnType<typeof milConst.float>>, hint: string) => string;

/** Source coordinate x of each output row, from s (shape [1]) and the static sizes. */
const RUNTIME_COORDINATES: Readonly<Record<string, (e: Emit, c: (v: number) => string, i: string, s: string, n: number, o: number) => string>> = {
  half_pixel: (e, c, i, s) => e('sub', { x: e('real_div', { x: e('add', { x: i, y: c(0.5) }, 'centre'), y: s }, 'scaled'), y: c(0.5) }, 'coord'),
  pytorch_half_pixel: (e, c, i, s, n) => {
    const x = e('sub', { x: e('real_div', { x: e('add', { x: i, y: c(0.5) }, 'centre'), y: s }, 'scaled'), y: c(0.5) }, 'coord');
    return e('select', { cond: e('equal', { x: e('mul', { x: s, y: c(n) }, 'width'), y: c(1) }, 'single'), a: c(-0.5), b: x }, 'coord_single');
  },
  align_corners: (e, c, i, s, n) => {
    const width = e('mul', { x: s, y: c(n) }, 'width');
    const x = e('real_div', { x: e('mul', { x: i, y: c(n - 1) }, 'span'), y: e('sub', { x: width, y: c(1) }, 'gaps') }, 'coord');
    return e('select', { cond: e('equal', { x: width, y: c(1) }, 'single'), a: c(0), b: x }, 'coord_single');
  },
  asymmetric: (e, _c, i, s) => e('real_div', { x: i, y: s }, 'coord'),
  tf_half_pixel_for_nn: (e, c, i, s) => e('real_div', { x: e('add', { x: i, y: c(0.5) }, 'centre'), y: s }, 'coord'),
  half_pixel_symmetric: (e, c, i, s, n, o) => {
    const offset = e('mul', { x: c(n / 2), y: e('sub', { x: c(1), y: e('real_div', { x: c(o), y: e('mul', { x: s, y: c(n) }, 'width') }, 'adjust') }, 'shrink') }, 'offset');
    return e('add', { x: offset, y: e('sub', { x: e('real_div', { x: e('add', { x: i, y: c(0.5) }, 'centre'), y: s }, 'scaled'), y: c(0.5) }, 'coord0') }, 'coord');
  },
};

/** Nearest index under each nearest_mode, equal to ONNX's pick between the taps either side. */
const RUNTIME_NEAREST: Readonly<Record<string, (e: Emit, c: (v: number) => string, x: string) => string>> = {
  floor: (e, _c, x) => e('floor', { x }, 'nearest'),
  ceil: (e, _c, x) => e('ceil', { x }, 'nearest'),
  round_prefer_floor: (e, c, x) => e('ceil', { x: e('sub', { x, y: c(0.5) }, 'down') }, 'nearest'),
  round_prefer_ceil: (e, c, x) => e('floor', { x: e('add', { x, y: c(0.5) }, 'up') }, 'nearest'),
};

export function runtimeSamplingProblem(s: AxisSampling): string | undefined {
  if (!(s.coordinateMode in RUNTIME_COORDINATES)) return `coordinate_transformation_mode ${s.coordinateMode} needs constant scales`;
  if (s.mode === 'nearest' && !(s.nearestMode in RUNTIME_NEAREST)) return `nearest_mode ${s.nearestMode} is not supported`;
  return undefined;
}

/** W [out, in] of one axis from the run-time scale `scale` (an fp32 value of shape [1]). */
export function runtimeAxisMatrix(ctx: ConvertContext, scale: string, inLen: number, outLen: number, s: AxisSampling, name: string): string {
  const emit: Emit = (op, args, hint) => ctx.b.op1(op, args, { name: `${name}_${hint}` });
  const c = (v: number): string => ctx.b.const(makeTensor('float32', [], Float32Array.of(v)), `${name}_k`);
  const rows = ctx.b.const(makeTensor('float32', [outLen, 1], Float32Array.from({ length: outLen }, (_, i) => i)), `${name}_rows`);
  const cols = ctx.b.const(makeTensor('float32', [1, inLen], Float32Array.from({ length: inLen }, (_, j) => j)), `${name}_cols`);
  const x = RUNTIME_COORDINATES[s.coordinateMode]!(emit, c, rows, scale, inLen, outLen);
  const oneHot = (tap: string): string =>
    emit('cast', { x: emit('equal', { x: emit('clip', { x: tap, alpha: milConst.float(0), beta: milConst.float(inLen - 1) }, 'clamped'), y: cols }, 'hit'), dtype: milConst.str('fp32') }, 'onehot');
  if (s.mode === 'nearest') return oneHot(RUNTIME_NEAREST[s.nearestMode]!(emit, c, x));
  // ONNX's left tap is the one at ratio 1 when x is whole: left = ceil(x) − 1, ratio ∈ (0, 1].
  const left = emit('sub', { x: emit('ceil', { x }, 'ceil'), y: c(1) }, 'left');
  const ratio = emit('sub', { x, y: left }, 'ratio');
  const taps = s.mode === 'linear' ? [0, 1] : [-1, 0, 1, 2];
  let coeffs = s.mode === 'linear' ? [emit('sub', { x: c(1), y: ratio }, 'w0'), ratio] : cubicCoefficients(emit, c, ratio, s.cubicA);
  const positions = taps.map((t) => emit('add', { x: left, y: c(t) }, 'tap'));
  if (s.excludeOutside) {
    coeffs = coeffs.map((w, k) => {
      const inside = emit('logical_and', { x: emit('greater_equal', { x: positions[k]!, y: c(0) }, 'lo'), y: emit('less_equal', { x: positions[k]!, y: c(inLen - 1) }, 'hi') }, 'inside');
      return emit('mul', { x: w, y: emit('cast', { x: inside, dtype: milConst.str('fp32') }, 'mask') }, 'kept');
    });
    const total = coeffs.reduce((a, b) => emit('add', { x: a, y: b }, 'total'));
    coeffs = coeffs.map((w) => emit('real_div', { x: w, y: total }, 'normalized'));
  }
  return coeffs.map((w, k) => emit('mul', { x: w, y: oneHot(positions[k]!) }, 'term')).reduce((a, b) => emit('add', { x: a, y: b }, 'sum'));
}

/** Keys' cubic convolution weights of the taps at distances ratio + 1, ratio, 1 − ratio, 2 − ratio. */
function cubicCoefficients(e: Emit, c: (v: number) => string, ratio: string, a: number): string[] {
  const poly = (t: string, coefficients: number[], hint: string): string =>
    coefficients.slice(1).reduce((acc, k) => e('add', { x: e('mul', { x: acc, y: t }, `${hint}_h`), y: c(k) }, hint), c(coefficients[0]!));
  const far = [a, -5 * a, 8 * a, -4 * a]; // 1 < t < 2
  const near = [a + 2, -(a + 3), 0, 1]; // t ≤ 1
  const oneMinus = e('sub', { x: c(1), y: ratio }, 'one_minus');
  return [
    poly(e('add', { x: ratio, y: c(1) }, 'd0'), far, 'w0'),
    poly(ratio, near, 'w1'),
    poly(oneMinus, near, 'w2'),
    poly(e('sub', { x: c(2), y: ratio }, 'd3'), far, 'w3'),
  ];
}
