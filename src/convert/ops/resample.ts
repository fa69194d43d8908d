import { attrBool, attrInts, attrString, type OnnxNode } from '../../onnx/ir.js';
import { readResizeTarget, type ResizeTarget } from '../../onnx/shapes/resample.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type ConverterTable, type OpConverter } from '../types.js';
import { guarded, outputName, typeOfInput } from './nn-util.js';
import { convertRuntimeSizes } from './resize-dynamic.js';
import { planResize, type ResizePlan } from './resize-plan.js';
import { shapeElements } from './resize-sizes.js';

/**
 * ONNX → MIL converters for Resize and Upsample. Resize is mapped onto
 * the iOS15 resampling ops only where their sampling grid equals ONNX's; the
 * decision lives in resize-plan.ts.
 */

/**
 * Stands for a dim unknown at conversion time (a dynamic batch). It is never a real size,
 * so a planned target keeps the dim only when it leaves it unchanged (scale 1, or the
 * axis not resized), which is all Core ML's resize ops do with leading dims.
 */
const UNKNOWN_DIM = -1;

/**
 * Stands for a resized dim unknown at conversion time (a dynamic height or width). A
 * large prime: a constant scale turns it into a whole size only when the scale is a
 * whole number, so a plan made with it holds for every size only when it is an
 * upsampling by integer factors, or a resize to constant sizes.
 */
const UNKNOWN_SPATIAL_DIM = 65521;

/** The input dims for planning: unknown leading dims become UNKNOWN_DIM, unknown resized dims UNKNOWN_SPATIAL_DIM. */
function planningDims(shape: readonly (number | null)[]): number[] {
  const r = shape.length;
  return shape.map((d, axis) => d ?? (axis >= r - 2 ? UNKNOWN_SPATIAL_DIM : UNKNOWN_DIM));
}

/**
 * The target of a Resize whose sizes are computed at run time from shapes, as exporters
 * write F.interpolate(size=...) for a dynamic batch: Concat(Shape(x)[0:2], Shape(ref)[2:4]).
 * Each size must be static, or be x's own dim on that axis (left unchanged).
 */
function runtimeSizesTarget(node: OnnxNode, ctx: ConvertContext, x: string, dims: readonly number[]): ResizeTarget | undefined {
  if (node.opType !== 'Resize' || ctx.opset < 11 || !node.inputs[3]) return undefined;
  if (attrInts(node, 'axes') || attrString(node, 'keep_aspect_ratio_policy', 'stretch') !== 'stretch') return undefined;
  const elements = shapeElements(ctx.b, ctx.requireInput(node, 3));
  if (!elements || elements.length !== dims.length) return undefined;
  const sizes: number[] = [];
  for (const [axis, e] of elements.entries()) {
    if (typeof e === 'number') sizes.push(e);
    else if (e && e.dimOf === x && e.axis === axis) sizes.push(dims[axis]!);
    else return undefined;
  }
  return { sizes, scales: sizes.map((s, i) => s / dims[i]!), fromSizes: true };
}

/**
 * With a dynamic height or width, a plan holds at every input size when it upsamples by
 * integer factors, or resizes to sizes the model gives as constants.
 */
function holdsForEverySize(plan: ResizePlan, target: ResizeTarget, node: OnnxNode): boolean {
  if (plan.op === 'upsample_nearest_neighbor' || plan.op === 'upsample_bilinear') return true;
  const constantSizes = target.fromSizes && !target.sizes.slice(-2).includes(UNKNOWN_SPATIAL_DIM);
  return constantSizes && attrString(node, 'keep_aspect_ratio_policy', 'stretch') === 'stretch';
}

/** Shared by Resize and Upsample: reads the target, plans, and emits. */
function convertResize(node: OnnxNode, ctx: ConvertContext, legacy: boolean): void {
  const x = ctx.requireInput(node, 0);
  const shape = typeOfInput(ctx, x).shape;
  if (shape.length < 3) return ctx.unsupported(node, `input rank ${shape.length}: Core ML resizes the last two dims of rank >= 3 tensors`);
  const dims = planningDims(shape);
  const dynamicSpatial = shape.slice(-2).includes(null);
  const target =
    guarded(ctx, node, () => readResizeTarget(node, ctx.opset, dims, (i) => ctx.constant(node, i))) ?? runtimeSizesTarget(node, ctx, x, dims);
  if (!target) return convertRuntimeSizes(node, ctx, x);
  const plan = planResize({
    inDims: dims,
    target,
    mode: attrString(node, 'mode', 'nearest'),
    // Upsample and Resize-10 sample asymmetrically and truncate (ONNX Runtime's behaviour).
    coordinateMode: legacy ? 'asymmetric' : attrString(node, 'coordinate_transformation_mode', 'half_pixel'),
    nearestMode: legacy ? 'floor' : attrString(node, 'nearest_mode', 'round_prefer_floor'),
    antialias: attrBool(node, 'antialias', false),
  });
  if (dynamicSpatial && ('reason' in plan || !holdsForEverySize(plan, target, node))) {
    const scales = target.scales.slice(-2).map((s) => +s.toFixed(6)).join(', ');
    return ctx.unsupported(node, `the input height and width are dynamic, and Core ML follows a constant scale (${scales}) at every size only as an integer upsampling factor`);
  }
  if ('reason' in plan) return ctx.unsupported(node, plan.reason);
  ctx.setOutput(node, 0, ctx.b.op1(plan.op, { x, ...plan.args }, { name: outputName(node) }));
}

const resize: OpConverter = {
  opsets: [10, LATEST_ONNX_OPSET],
  milOps: ['upsample_nearest_neighbor', 'upsample_bilinear', 'resize_nearest_neighbor', 'resize_bilinear', 'resize', 'slice_by_index'],
  limits:
    'last two dims only; nearest and linear modes where Core ML samples the same grid; a dynamic height or width takes integer upsampling scales, constant sizes, or sizes computed at run time (iOS17 resize: linear, or nearest with round_prefer_ceil; the target is raised to iOS17)',
  convert(node, ctx) {
    convertResize(node, ctx, ctx.opset < 11);
  },
};

const upsample: OpConverter = {
  opsets: [7, 9],
  milOps: ['upsample_nearest_neighbor', 'resize_nearest_neighbor', 'resize_bilinear'],
  limits: 'last two dims only; a dynamic height or width takes integer scales only',
  convert(node, ctx) {
    convertResize(node, ctx, true);
  },
};

export const resampleConverters: ConverterTable = { Resize: resize, Upsample: upsample };
