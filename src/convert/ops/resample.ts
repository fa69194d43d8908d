import { milConst } from '../../mil/builder.js';
import { attrInt, attrString, type OnnxNode } from '../../onnx/ir.js';
import { readPadSpec, readResizeTarget } from '../../onnx/shapes/resample.js';
import { narrowConstant } from '../narrow.js';
import type { ConvertContext, ConverterTable, OpConverter } from '../types.js';
import { floatScalar, guarded, outputName, staticDims, typeOfInput } from './nn-util.js';
import { planResize } from './resize-plan.js';

/**
 * ONNX → MIL converters for Pad, Resize and Upsample. Resize is mapped onto
 * the iOS15 resampling ops only where their sampling grid equals ONNX's; the
 * decision lives in resize-plan.ts.
 */

const PAD_MODES: Readonly<Record<string, string>> = { constant: 'constant', reflect: 'reflect', edge: 'replicate' };

const pad: OpConverter = {
  opsets: [1, 22],
  milOps: ['pad', 'identity'],
  limits: 'constant, reflect and edge modes; pads (and axes) must be constants and non-negative',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const xt = typeOfInput(ctx, x);
    const rank = xt.shape.length;
    if (xt.dtype !== 'float32' && xt.dtype !== 'float16') return ctx.unsupported(node, `Core ML pads only float tensors, not ${xt.dtype}`);
    const spec = guarded(ctx, node, () =>
      readPadSpec(node, ctx.opset, rank, (i) => {
        const t = ctx.constant(node, i);
        return t ? narrowConstant(t, node.inputs[i]!) : undefined;
      }),
    );
    if (!spec) return ctx.unsupported(node, 'pads, constant_value and axes must be constants');
    const mode = PAD_MODES[spec.mode];
    if (!mode) return ctx.unsupported(node, `mode "${spec.mode}" is not supported (constant, reflect, edge are)`);
    if ([...spec.begins, ...spec.ends].some((p) => p < 0)) return ctx.unsupported(node, 'negative pads (cropping) are not supported');
    const first = spec.begins.findIndex((p, i) => p !== 0 || spec.ends[i] !== 0);
    if (first < 0) {
      ctx.setOutput(node, 0, ctx.b.op1('identity', { x }, { name: outputName(node) }));
      return;
    }
    // MIL pads the last N dims; start at the first padded axis.
    const milPad: number[] = [];
    for (let axis = first; axis < rank; axis++) milPad.push(spec.begins[axis]!, spec.ends[axis]!);
    const y = ctx.b.op1(
      'pad',
      {
        x,
        pad: milConst.ints(milPad),
        mode: milConst.str(mode),
        ...(mode === 'constant' ? { constant_val: floatScalar(spec.value, xt.dtype) } : {}),
      },
      { name: outputName(node) },
    );
    ctx.setOutput(node, 0, y);
  },
};

/** Shared by Resize and Upsample: reads the target, plans, and emits. */
function convertResize(node: OnnxNode, ctx: ConvertContext, legacy: boolean): void {
  const x = ctx.requireInput(node, 0);
  const dims = staticDims(typeOfInput(ctx, x));
  if (!dims) return ctx.unsupported(node, 'the input shape must be static');
  if (dims.length < 3) return ctx.unsupported(node, `input rank ${dims.length}: Core ML resizes the last two dims of rank >= 3 tensors`);
  const target = guarded(ctx, node, () => readResizeTarget(node, ctx.opset, dims, (i) => ctx.constant(node, i)));
  if (!target) return ctx.unsupported(node, 'scales or sizes must be constants');
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
  opsets: [10, 22],
  milOps: ['upsample_nearest_neighbor', 'upsample_bilinear', 'resize_nearest_neighbor', 'resize_bilinear'],
  limits: 'static shapes; last two dims only; nearest and linear modes where Core ML samples the same grid',
  convert(node, ctx) {
    convertResize(node, ctx, ctx.opset < 11);
  },
};

const upsample: OpConverter = {
  opsets: [7, 9],
  milOps: ['upsample_nearest_neighbor', 'resize_nearest_neighbor', 'resize_bilinear'],
  limits: 'static shapes; last two dims only',
  convert(node, ctx) {
    convertResize(node, ctx, true);
  },
};

export const resampleConverters: ConverterTable = { Pad: pad, Resize: resize, Upsample: upsample };
