import { milConst } from '../../mil/builder.js';
import { attrFloat, attrInt, attrString, type OnnxNode } from '../../onnx/ir.js';
import type { DType } from '../../tensor/dtype.js';
import { makeTensor, type Tensor } from '../../tensor/tensor.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type OpConverter } from '../types.js';
import { castTo } from './elementwise.js';
import { floatScalar, floatTensor, outputName, typeOfInput } from './nn-util.js';

/**
 * RoiAlign as matrix products. ONNX averages s × s bilinear samples per output
 * bin; bilinear weights factor into a row part and a column part, and so does
 * their average, so each ROI's output is Py · X[batch] · Pxᵀ where Py [oh, H]
 * and Px [ow, W] hold the averaged per-axis sampling weights. Those matrices
 * are computed at run time from the ROI coordinates with ONNX's sampling
 * rules (samples beyond one pixel outside the image weigh nothing; the rest
 * are clamped into it). MIL's crop_resize samples once per output pixel and
 * pads out-of-image samples differently, so it is not used.
 */

interface AxisSpec {
  /** Column of the ROI start in the [R, 4] rois (x1, y1, x2, y2): 0 for x, 1 for y. */
  column: number;
  /** Image size along the axis, output bins and samples per bin. */
  size: number;
  bins: number;
  samples: number;
}

interface RoiContext {
  ctx: ConvertContext;
  name: string;
  dtype: DType;
}

function scalarT(r: RoiContext, v: number): Tensor {
  return floatScalar(v, r.dtype);
}

function op(r: RoiContext, type: string, args: Record<string, string | Tensor>, hint: string): string {
  return r.ctx.b.op1(type, args, { name: `${r.name}_${hint}` });
}

/** Column `c` of a [R, 4] tensor as [R, 1]. */
function column(r: RoiContext, rois: string, c: number, hint: string): string {
  const allRows = makeTensor('bool', [2], new Uint8Array([1, 0]));
  return op(r, 'slice_by_index', { x: rois, begin: milConst.ints([0, c]), end: milConst.ints([0, c + 1]), begin_mask: allRows, end_mask: allRows }, hint);
}

/**
 * Averaged sampling weights [R, bins, size] along one axis: sample j of a ROI
 * sits at start + (j + ½) · extent / (bins · samples).
 */
function axisWeights(r: RoiContext, start: string, extent: string, a: AxisSpec): string {
  const tag = a.column === 0 ? 'x' : 'y';
  const k = a.bins * a.samples;
  const fractions = floatTensor(r.dtype, [1, k], Float32Array.from({ length: k }, (_, j) => (j + 0.5) / k));
  const pos = op(r, 'add', { x: start, y: op(r, 'mul', { x: extent, y: fractions }, `${tag}_offsets`) }, `${tag}_pos`);
  const pos3 = op(r, 'expand_dims', { x: pos, axes: milConst.ints([-1]) }, `${tag}_pos3`);
  const inside = op(
    r,
    'logical_and',
    { x: op(r, 'greater_equal', { x: pos3, y: scalarT(r, -1) }, `${tag}_above`), y: op(r, 'less_equal', { x: pos3, y: scalarT(r, a.size) }, `${tag}_below`) },
    `${tag}_inside`,
  );
  const clamped = op(r, 'clip', { x: pos3, alpha: scalarT(r, 0), beta: scalarT(r, a.size - 1) }, `${tag}_clamped`);
  const low = op(r, 'floor', { x: clamped }, `${tag}_low`);
  const frac = op(r, 'sub', { x: clamped, y: low }, `${tag}_frac`);
  const pixels = floatTensor(r.dtype, [1, 1, a.size], Float32Array.from({ length: a.size }, (_, i) => i));
  const zero = scalarT(r, 0);
  const atLow = op(r, 'select', { cond: op(r, 'equal', { x: pixels, y: low }, `${tag}_is_low`), a: op(r, 'sub', { x: scalarT(r, 1), y: frac }, `${tag}_wlow`), b: zero }, `${tag}_low_w`);
  const high = op(r, 'add', { x: low, y: scalarT(r, 1) }, `${tag}_high`);
  const atHigh = op(r, 'select', { cond: op(r, 'equal', { x: pixels, y: high }, `${tag}_is_high`), a: frac, b: zero }, `${tag}_high_w`);
  const weights = op(r, 'select', { cond: inside, a: op(r, 'add', { x: atLow, y: atHigh }, `${tag}_w`), b: zero }, `${tag}_weights`);
  const perBin = op(r, 'reshape', { x: weights, shape: milConst.ints([-1, a.bins, a.samples, a.size]) }, `${tag}_per_bin`);
  return op(r, 'reduce_mean', { x: perBin, axes: milConst.ints([2]), keep_dims: milConst.bool(false) }, `${tag}_matrix`);
}

/** ROI starts and extents [R, 1] per axis under the coordinate transformation mode. */
function roiGeometry(r: RoiContext, node: OnnxNode, rois: string, halfPixel: boolean): { start: string[]; extent: string[] } {
  const scale = attrFloat(node, 'spatial_scale', 1);
  let scaled = op(r, 'mul', { x: rois, y: scalarT(r, scale) }, 'scaled');
  if (halfPixel) scaled = op(r, 'sub', { x: scaled, y: scalarT(r, 0.5) }, 'shifted');
  const start = [0, 1].map((c) => column(r, scaled, c, `start${c}`));
  const extent = [0, 1].map((c) => {
    const size = op(r, 'sub', { x: column(r, scaled, c + 2, `end${c}`), y: start[c]! }, `extent${c}`);
    // Without half_pixel, ONNX forces every ROI to at least one pixel.
    return halfPixel ? size : op(r, 'maximum', { x: size, y: scalarT(r, 1) }, `extent${c}_min1`);
  });
  return { start, extent };
}

function readModes(node: OnnxNode, ctx: ConvertContext): { halfPixel: boolean; samples: number } {
  const mode = attrString(node, 'mode', 'avg');
  if (mode !== 'avg') ctx.unsupported(node, `mode "${mode}": the maximum over sampling points does not factor into per-axis weights; only avg is supported`);
  const transform = attrString(node, 'coordinate_transformation_mode', ctx.opset >= 16 ? 'half_pixel' : 'output_half_pixel');
  if (transform !== 'half_pixel' && transform !== 'output_half_pixel') ctx.unsupported(node, `coordinate_transformation_mode "${transform}" is not an ONNX mode`);
  const samples = attrInt(node, 'sampling_ratio', 0);
  if (samples <= 0) ctx.unsupported(node, 'sampling_ratio 0 (adaptive) takes ceil(ROI size / output size) samples per bin, a count that depends on each run-time ROI');
  return { halfPixel: transform === 'half_pixel', samples };
}

export const roiAlign: OpConverter = {
  opsets: [10, LATEST_ONNX_OPSET],
  milOps: ['gather', 'slice_by_index', 'mul', 'sub', 'add', 'maximum', 'clip', 'floor', 'equal', 'select', 'greater_equal', 'less_equal', 'logical_and', 'reshape', 'reduce_mean', 'expand_dims', 'matmul'],
  limits: 'avg mode with a fixed sampling_ratio; X must have static height and width',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const xt = typeOfInput(ctx, x);
    const [height, width] = xt.shape.slice(2);
    if (xt.shape.length !== 4 || typeof height !== 'number' || typeof width !== 'number') return ctx.unsupported(node, 'X must be [N, C, H, W] with static H and W');
    const { halfPixel, samples } = readModes(node, ctx);
    const r: RoiContext = { ctx, name: outputName(node), dtype: xt.dtype };
    const rois = castTo(ctx, ctx.requireInput(node, 1), xt.dtype);
    const { start, extent } = roiGeometry(r, node, rois, halfPixel);
    const outH = attrInt(node, 'output_height', 1);
    const outW = attrInt(node, 'output_width', 1);
    const px = axisWeights(r, start[0]!, extent[0]!, { column: 0, size: width, bins: outW, samples });
    const py = axisWeights(r, start[1]!, extent[1]!, { column: 1, size: height, bins: outH, samples });
    const batch = castTo(ctx, ctx.requireInput(node, 2), 'int32');
    const images = op(r, 'gather', { x, indices: batch, axis: milConst.int(0) }, 'images');
    const rows = op(r, 'matmul', { x: op(r, 'expand_dims', { x: py, axes: milConst.ints([1]) }, 'py4'), y: images }, 'rows');
    const pxT = op(r, 'expand_dims', { x: px, axes: milConst.ints([1]) }, 'px4');
    ctx.setOutput(node, 0, ctx.b.op1('matmul', { x: rows, y: pxT, transpose_y: milConst.bool(true) }, { name: r.name }));
  },
};
