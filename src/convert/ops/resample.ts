import { attrBool, attrFloat, attrInt, attrInts, attrString, type OnnxNode } from '../../onnx/ir.js';
import { readResizeTarget, type ResizeTarget } from '../../onnx/shapes/resample.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type ConverterTable, type OpConverter } from '../types.js';
import { guarded, outputName, typeOfInput } from './nn-util.js';
import { convertRuntimeSizes } from './resize-dynamic.js';
import { milConst } from '../../mil/builder.js';
import { axisMatrix, constantMatrices, emitMatrixResize, isKnownSampling, type AxisSampling } from './resize-matrix.js';
import { runtimeAxisMatrix, runtimeSamplingProblem } from './resize-runtime.js';
import { planResize, type ResizePlan, type ResizeRequest } from './resize-plan.js';
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
    guarded(ctx, node, () => readResizeTarget(node, ctx.opset, dims, (i) => ctx.constant(node, i))) ??
    runtimeSizesTarget(node, ctx, x, dims) ??
    (dynamicSpatial ? undefined : declaredSizesTarget(node, ctx, dims));
  if (!target) return dynamicSpatial || !takesRuntimeScales(node, ctx) ? convertRuntimeSizes(node, ctx, x) : convertRuntimeScales(node, ctx, x, dims, legacy);
  const request = {
    inDims: dims,
    target,
    mode: attrString(node, 'mode', 'nearest'),
    ...samplingModes(node, legacy),
    antialias: attrBool(node, 'antialias', false),
  };
  const plan = planResize(request);
  if (dynamicSpatial && ('reason' in plan || !holdsForEverySize(plan, target, node))) {
    const scales = target.scales.slice(-2).map((s) => +s.toFixed(6)).join(', ');
    return ctx.unsupported(node, `the input height and width are dynamic, and Core ML follows a constant scale (${scales}) at every size only as an integer upsampling factor`);
  }
  if ('reason' in plan) return convertByMatrices(node, ctx, x, request, plan.reason);
  ctx.setOutput(node, 0, ctx.b.op1(plan.op, { x, ...plan.args }, { name: outputName(node) }));
}

/** The coordinate transform and rounding of a node; Upsample and Resize-10 sample asymmetrically and truncate (ONNX Runtime's behaviour). */
function samplingModes(node: OnnxNode, legacy: boolean): { coordinateMode: string; nearestMode: string } {
  return {
    coordinateMode: legacy ? 'asymmetric' : attrString(node, 'coordinate_transformation_mode', 'half_pixel'),
    nearestMode: legacy ? 'floor' : attrString(node, 'nearest_mode', 'round_prefer_floor'),
  };
}

/**
 * Sizes given at run time by a graph input, where the model declares the output's
 * static shape: the declared shape is the size (Core ML needs it static anyway).
 */
function declaredSizesTarget(node: OnnxNode, ctx: ConvertContext, dims: readonly number[]): ResizeTarget | undefined {
  if (node.opType !== 'Resize' || ctx.opset < 11 || !node.inputs[3] || attrInts(node, 'axes')) return undefined;
  const declared = ctx.info(node.outputs[0]!)?.shape;
  if (!declared || declared.length !== dims.length || !declared.every((d): d is number => typeof d === 'number' && d > 0)) return undefined;
  return { sizes: declared, scales: declared.map((s, i) => s / dims[i]!), fromSizes: true };
}

const MATRIX_MODES: Readonly<Record<string, AxisSampling['mode']>> = { nearest: 'nearest', linear: 'linear', bilinear: 'linear', cubic: 'cubic' };
/** Largest resize matrix (elements per axis): beyond it the matmul costs more than it is worth. */
const MAX_MATRIX_ELEMENTS = 1 << 22;

/** Where no Core ML resize op samples ONNX's grid: the resize as two matmuls (resize-matrix.ts). */
function convertByMatrices(node: OnnxNode, ctx: ConvertContext, x: string, req: ResizeRequest, planReason: string): void {
  const { inDims, target } = req;
  const r = inDims.length;
  const mode = MATRIX_MODES[req.mode];
  const refuse = (why: string): never => ctx.unsupported(node, `${planReason}; as matrices: ${why}`);
  if (!mode) return refuse(`mode ${req.mode} is not supported`);
  if (inDims.slice(0, -2).some((d, a) => target.sizes[a] !== d)) return refuse('only the last two dims may be resized');
  if (req.antialias && target.scales.some((s) => s < 1)) return refuse('antialiased downsampling is not supported');
  const inHW = [inDims[r - 2]!, inDims[r - 1]!] as const;
  const outHW = [target.sizes[r - 2]!, target.sizes[r - 1]!] as const;
  if (inHW[0] * outHW[0] > MAX_MATRIX_ELEMENTS || inHW[1] * outHW[1] > MAX_MATRIX_ELEMENTS) return refuse(`the ${inHW.join('×')} → ${outHW.join('×')} matrices are too large`);
  const roi = req.coordinateMode === 'tf_crop_and_resize' ? cropRegion(node, ctx, r) : undefined;
  if (req.coordinateMode === 'tf_crop_and_resize' && !roi) return refuse('tf_crop_and_resize needs a constant roi over every axis');
  const sampling = (axis: number): AxisSampling => ({ ...axisSampling(node, mode, req), ...(roi ? { roi: [roi[axis]!, roi[r + axis]!] as const } : {}) });
  const unknown = isKnownSampling(sampling(r - 1));
  if (unknown) return refuse(unknown);
  const axes = [r - 2, r - 1].map((a, k) => axisMatrix(inHW[k]!, outHW[k]!, target.scales[a]!, sampling(a))) as [ReturnType<typeof axisMatrix>, ReturnType<typeof axisMatrix>];
  const name = outputName(node);
  ctx.setOutput(node, 0, emitMatrixResize(ctx, x, constantMatrices(ctx, inHW, outHW, axes, attrFloat(node, 'extrapolation_value', 0), name), name));
}

function axisSampling(node: OnnxNode, mode: AxisSampling['mode'], modes: { coordinateMode: string; nearestMode: string }): AxisSampling {
  return {
    mode,
    coordinateMode: modes.coordinateMode,
    nearestMode: modes.nearestMode,
    cubicA: attrFloat(node, 'cubic_coeff_a', -0.75),
    excludeOutside: attrInt(node, 'exclude_outside', 0) === 1,
  };
}

/** The input holding scales, when the node takes them as an input rather than sizes or an attribute. */
function scalesInput(node: OnnxNode, ctx: ConvertContext): number | undefined {
  if (node.opType === 'Upsample') return ctx.opset >= 9 ? 1 : undefined;
  if (ctx.opset < 11) return 1;
  return node.inputs[3] ? undefined : 2;
}

/** Whether the node's scales come from a run-time input and the model declares the output's static shape. */
function takesRuntimeScales(node: OnnxNode, ctx: ConvertContext): boolean {
  const k = scalesInput(node, ctx);
  return k !== undefined && !!node.inputs[k] && !ctx.constant(node, k);
}

/**
 * Scales given at run time (a graph input) where the model declares the output's static
 * shape: each axis' matrix is computed in the program from the scale (resize-runtime.ts),
 * since ONNX samples at the scale itself, which need not be out / in.
 */
function convertRuntimeScales(node: OnnxNode, ctx: ConvertContext, x: string, dims: readonly number[], legacy: boolean): void {
  const refuse = (why: string): never => ctx.unsupported(node, `scales or sizes must be constants, or sizes computed from shapes whose resized two dims are static${why}`);
  const k = scalesInput(node, ctx);
  const declared = ctx.info(node.outputs[0]!)?.shape;
  if (k === undefined || !node.inputs[k] || attrInts(node, 'axes')) return refuse('');
  if (!declared || declared.length !== dims.length || !declared.every((d): d is number => typeof d === 'number' && d > 0)) return refuse(' (or run-time scales with a declared static output shape)');
  const r = dims.length;
  if (dims.slice(0, -2).some((d, a) => d !== declared[a])) return refuse('; with run-time scales only the last two dims may be resized');
  const mode = MATRIX_MODES[attrString(node, 'mode', 'nearest')];
  if (!mode) return refuse(`; mode ${attrString(node, 'mode', 'nearest')} is not supported`);
  if (attrBool(node, 'antialias', false)) return refuse('; antialias needs constant scales');
  const sampling = axisSampling(node, mode, samplingModes(node, legacy));
  const problem = runtimeSamplingProblem(sampling);
  if (problem) return refuse(`; ${problem}`);
  const name = outputName(node);
  const scales = ctx.requireInput(node, k);
  const scaleOf = (axis: number): string =>
    ctx.b.op1('slice_by_index', { x: scales, begin: milConst.ints([axis]), end: milConst.ints([axis + 1]) }, { name: `${name}_scale${axis}` });
  const [rows, cols] = [r - 2, r - 1].map((a) => runtimeAxisMatrix(ctx, scaleOf(a), dims[a]!, declared[a]!, sampling, `${name}_axis${a}`));
  ctx.setOutput(node, 0, emitMatrixResize(ctx, x, { rows: rows!, cols: cols! }, name));
}

/** tf_crop_and_resize's roi: [start_0 … start_{r−1}, end_0 … end_{r−1}], normalized. */
function cropRegion(node: OnnxNode, ctx: ConvertContext, rank: number): number[] | undefined {
  const roi = node.inputs[1] ? ctx.constant(node, 1) : undefined;
  if (!roi || attrInts(node, 'axes') || roi.data.length !== 2 * rank) return undefined;
  return Array.from(roi.data as ArrayLike<number>, Number);
}

/** What computes the resize matrices in the program when the scales arrive at run time (resize-runtime.ts). */
const RUNTIME_SCALE_OPS = ['real_div', 'sub', 'mul', 'ceil', 'floor', 'clip', 'equal', 'cast', 'select', 'logical_and', 'greater_equal', 'less_equal'] as const;

const resize: OpConverter = {
  opsets: [10, LATEST_ONNX_OPSET],
  milOps: ['upsample_nearest_neighbor', 'upsample_bilinear', 'resize_nearest_neighbor', 'resize_bilinear', 'resize', 'slice_by_index', 'matmul', 'add', 'identity', ...RUNTIME_SCALE_OPS],
  limits:
    'last two dims only; a Core ML resize op where it samples the same grid, else (static height and width) matrix products: nearest, linear and cubic, every coordinate transform, no antialiased downsampling; scales or sizes given at run time with a static input take the declared output shape; a dynamic height or width takes integer upsampling scales, constant sizes, or sizes computed at run time (iOS17 resize: linear, or nearest with round_prefer_ceil; the target is raised to iOS17)',
  convert(node, ctx) {
    convertResize(node, ctx, ctx.opset < 11);
  },
};

const upsample: OpConverter = {
  opsets: [7, 9],
  milOps: ['upsample_nearest_neighbor', 'resize_nearest_neighbor', 'resize_bilinear', 'matmul', 'add', 'identity', 'slice_by_index', ...RUNTIME_SCALE_OPS],
  limits: 'last two dims only; a dynamic height or width takes integer scales only',
  convert(node, ctx) {
    convertResize(node, ctx, true);
  },
};

export const resampleConverters: ConverterTable = { Resize: resize, Upsample: upsample };
