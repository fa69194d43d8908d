import { milConst } from '../../mil/builder.js';
import { attrInt, attrInts, attrString, type OnnxNode } from '../../onnx/ir.js';
import { readPadSpec, readResizeTarget, type ResizeTarget } from '../../onnx/shapes/resample.js';
import { narrowConstant } from '../narrow.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type ConverterTable, type OpConverter } from '../types.js';
import { floatScalar, guarded, outputName, typeOfInput } from './nn-util.js';
import { fillPaddingWithRuntimeValue, padThenCrop, runtimePad } from './pad-dynamic.js';
import { planResize } from './resize-plan.js';
import { shapeElements } from './resize-sizes.js';

/**
 * ONNX → MIL converters for Pad, Resize and Upsample. Resize is mapped onto
 * the iOS15 resampling ops only where their sampling grid equals ONNX's; the
 * decision lives in resize-plan.ts.
 */

const PAD_MODES: Readonly<Record<string, string>> = { constant: 'constant', reflect: 'reflect', edge: 'replicate' };

const pad: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['pad', 'identity', 'slice_by_index', 'transpose', 'reshape', 'maximum', 'mul', 'sub', 'shape', 'fill', 'greater', 'select'],
  limits: 'constant, reflect and edge modes; negative pads (cropping) and run-time pads in constant mode only; axes must be a constant',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const xt = typeOfInput(ctx, x);
    const rank = xt.shape.length;
    if (xt.dtype !== 'float32' && xt.dtype !== 'float16') return ctx.unsupported(node, `Core ML pads only float tensors, not ${xt.dtype}`);
    if (ctx.opset >= 11 && node.inputs[1] && !ctx.constant(node, 1)) return ctx.setOutput(node, 0, runtimePad(node, ctx, x));
    const runtimeValue = ctx.opset >= 11 && !!node.inputs[2] && !ctx.constant(node, 2);
    const spec = guarded(ctx, node, () =>
      readPadSpec(node, ctx.opset, rank, (i) => {
        const t = ctx.constant(node, i);
        if (!t && i === 2 && runtimeValue) return floatScalar(0, 'float32');
        return t ? narrowConstant(t, node.inputs[i]!) : undefined;
      }),
    );
    if (!spec) return ctx.unsupported(node, 'axes must be a constant');
    const mode = PAD_MODES[spec.mode];
    if (!mode) return ctx.unsupported(node, `mode "${spec.mode}" is not supported (constant, reflect, edge are)`);
    const cropping = [...spec.begins, ...spec.ends].some((p) => p < 0);
    if (cropping && mode !== 'constant') return ctx.unsupported(node, `negative pads (cropping) in ${spec.mode} mode are not supported`);
    const grow = (p: number) => Math.max(p, 0);
    const first = spec.begins.findIndex((p, i) => grow(p) !== 0 || grow(spec.ends[i]!) !== 0);
    const name = cropping ? `${outputName(node)}_grown` : outputName(node);
    let y = x;
    if (first < 0 && !cropping) y = ctx.b.op1('identity', { x }, { name });
    if (first >= 0) {
      // MIL pads the last N dims; start at the first padded axis.
      const milPad: number[] = [];
      for (let axis = first; axis < rank; axis++) milPad.push(grow(spec.begins[axis]!), grow(spec.ends[axis]!));
      const fill = runtimeValue && mode === 'constant';
      const args = { x, pad: milConst.ints(milPad), mode: milConst.str(mode), ...(mode === 'constant' ? { constant_val: floatScalar(spec.value, xt.dtype) } : {}) };
      y = ctx.b.op1('pad', args, { name: fill ? `${name}_zero_padded` : name });
      if (fill) y = fillPaddingWithRuntimeValue(node, ctx, x, milConst.ints(milPad), y, name);
    }
    ctx.setOutput(node, 0, cropping ? padThenCrop(node, ctx, y, spec.begins, spec.ends) : y);
  },
};

/**
 * Stands for a dim unknown at conversion time (a dynamic batch). It is never a real size,
 * so a planned target keeps the dim only when it leaves it unchanged (scale 1, or the
 * axis not resized), which is all Core ML's resize ops do with leading dims.
 */
const UNKNOWN_DIM = -1;

/**
 * The input dims for planning: the last two (the resized ones) must be known; leading
 * unknown dims become UNKNOWN_DIM. Undefined when a resized dim is unknown.
 */
function planningDims(shape: readonly (number | null)[]): number[] | undefined {
  if (shape.slice(-2).some((d) => d === null)) return undefined;
  return shape.map((d) => d ?? UNKNOWN_DIM);
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

/** Shared by Resize and Upsample: reads the target, plans, and emits. */
function convertResize(node: OnnxNode, ctx: ConvertContext, legacy: boolean): void {
  const x = ctx.requireInput(node, 0);
  const shape = typeOfInput(ctx, x).shape;
  if (shape.length < 3) return ctx.unsupported(node, `input rank ${shape.length}: Core ML resizes the last two dims of rank >= 3 tensors`);
  const dims = planningDims(shape);
  if (!dims) return ctx.unsupported(node, 'the last two input dims must be static');
  const target =
    guarded(ctx, node, () => readResizeTarget(node, ctx.opset, dims, (i) => ctx.constant(node, i))) ?? runtimeSizesTarget(node, ctx, x, dims);
  if (!target) return ctx.unsupported(node, 'scales or sizes must be constants, or sizes computed from shapes whose resized two dims are static');
  const plan = planResize({
    inDims: dims,
    target,
    mode: attrString(node, 'mode', 'nearest'),
    // Upsample and Resize-10 sample asymmetrically and truncate (ONNX Runtime's behaviour).
    coordinateMode: legacy ? 'asymmetric' : attrString(node, 'coordinate_transformation_mode', 'half_pixel'),
    nearestMode: legacy ? 'floor' : attrString(node, 'nearest_mode', 'round_prefer_floor'),
    antialias: attrInt(node, 'antialias', 0) === 1,
  });
  if ('reason' in plan) return ctx.unsupported(node, plan.reason);
  ctx.setOutput(node, 0, ctx.b.op1(plan.op, { x, ...plan.args }, { name: outputName(node) }));
}

const resize: OpConverter = {
  opsets: [10, LATEST_ONNX_OPSET],
  milOps: ['upsample_nearest_neighbor', 'upsample_bilinear', 'resize_nearest_neighbor', 'resize_bilinear'],
  limits: 'last two dims only, with static sizes (leading dims may be dynamic); nearest and linear modes where Core ML samples the same grid',
  convert(node, ctx) {
    convertResize(node, ctx, ctx.opset < 11);
  },
};

const upsample: OpConverter = {
  opsets: [7, 9],
  milOps: ['upsample_nearest_neighbor', 'resize_nearest_neighbor', 'resize_bilinear'],
  limits: 'last two dims only, with static sizes (leading dims may be dynamic)',
  convert(node, ctx) {
    convertResize(node, ctx, true);
  },
};

export const resampleConverters: ConverterTable = { Pad: pad, Resize: resize, Upsample: upsample };
