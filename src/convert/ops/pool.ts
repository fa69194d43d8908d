import { milConst, type MilArg } from '../../mil/builder.js';
import { milDTypeName } from '../../mil/ops/misc.js';
import { attrBool, attrInt, type OnnxNode } from '../../onnx/ir.js';
import { readWindow, type OnnxWindow } from '../../onnx/shapes/window.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type ConverterTable, type OpConverter } from '../types.js';
import { milPadding } from './conv.js';
import { dilatedMaxPool, maxPoolWithIndices } from './pool-taps.js';
import { guarded, outputName, typeOfInput, wantsOutput } from './nn-util.js';

/**
 * ONNX → MIL converters for pooling: MaxPool, AveragePool and LpPool (p = 2)
 * become max_pool / avg_pool / l2_pool; the global forms become reduce_mean /
 * reduce_max over the spatial axes with keep_dims.
 */

interface PoolSetup {
  x: string;
  args: Record<string, MilArg>;
  /** MaxPool's window when it has dilations (spelled out by dilatedMaxPool). */
  dilated?: OnnxWindow;
}

function poolSetup(node: OnnxNode, ctx: ConvertContext): PoolSetup {
  const x = ctx.requireInput(node, 0);
  const xt = typeOfInput(ctx, x);
  const spatial = xt.shape.length - 2;
  if (spatial < 1 || spatial > 3) ctx.unsupported(node, `input rank ${xt.shape.length}: Core ML pooling takes 1 to 3 spatial dims`);
  const win = guarded(ctx, node, () => readWindow(node, spatial));
  if (win.dilations.some((d) => d !== 1)) {
    if (node.opType === 'MaxPool') return { x, args: {}, dilated: win };
    ctx.unsupported(node, 'dilations other than 1 are not supported by Core ML pooling');
  }
  const padding = milPadding(ctx, node, win, xt.shape.slice(2));
  const ceilMode = attrBool(node, 'ceil_mode', false);
  if (ceilMode) {
    if (spatial > 2) ctx.unsupported(node, 'ceil_mode is only supported for 1-D and 2-D pooling');
    const pad = padding.pad ?? [];
    if (padding.pad_type !== 'valid' && padding.pad_type !== 'custom') ctx.unsupported(node, 'ceil_mode needs explicit pads, not auto_pad SAME');
    for (let d = 0; d < pad.length; d += 2) if (pad[d] !== pad[d + 1]) ctx.unsupported(node, 'ceil_mode with asymmetric pads is not supported');
  }
  const args: Record<string, MilArg> = {
    kernel_sizes: milConst.ints(win.kernel),
    strides: milConst.ints(win.strides),
    pad_type: milConst.str(padding.pad_type),
    ...(padding.pad ? { pad: milConst.ints(padding.pad) } : {}),
    ceil_mode: milConst.bool(ceilMode),
  };
  return { x, args };
}

/** ONNX integer dtypes whose every value a float32 (and a float16) holds exactly. */
const EXACT_IN_FLOAT = new Set(['int8', 'uint8']);

/**
 * max_pool takes only floats: an int8/uint8 input (MaxPool-12) is pooled as
 * float32 and cast back, exact since the maximum is one of the inputs and every
 * value fits in float16's 11-bit significand. Other integers are refused.
 */
function integerMaxPool(node: OnnxNode, ctx: ConvertContext, x: string, args: Record<string, MilArg>): string {
  const onnxDType = ctx.info(node.inputs[0]!)?.dtype;
  if (onnxDType === undefined || !EXACT_IN_FLOAT.has(onnxDType)) {
    return ctx.unsupported(node, `max_pool takes floats; ${onnxDType ?? 'integer'} input values may not convert to float exactly`);
  }
  const name = outputName(node);
  const asFloat = ctx.b.op1('cast', { x, dtype: milConst.str('fp32') }, { name: `${name}_float` });
  const pooled = ctx.b.op1('max_pool', { x: asFloat, ...args }, { name: `${name}_pooled` });
  return ctx.b.op1('cast', { x: pooled, dtype: milConst.str(milDTypeName(typeOfInput(ctx, x).dtype)) }, { name });
}

/** MaxPool with the Indices output, spelled out per kernel tap on float input. */
function maxPoolIndices(node: OnnxNode, ctx: ConvertContext): void {
  const x = ctx.requireInput(node, 0);
  const xt = typeOfInput(ctx, x);
  if (xt.dtype !== 'float32' && xt.dtype !== 'float16') return ctx.unsupported(node, 'the Indices output of integer input is not supported');
  const spatial = xt.shape.length - 2;
  if (spatial < 1 || spatial > 3) return ctx.unsupported(node, `input rank ${xt.shape.length}: Core ML pooling takes 1 to 3 spatial dims`);
  const [values, indices] = maxPoolWithIndices(node, ctx, x, guarded(ctx, node, () => readWindow(node, spatial)));
  ctx.setOutput(node, 0, values);
  ctx.setOutput(node, 1, indices);
}

const maxPool: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['max_pool', 'cast', 'pad', 'slice_by_index', 'maximum', 'greater', 'select', 'add', 'identity'],
  limits: 'dilations and the Indices output as up to 64 strided slices (static spatial dims, no ceil_mode; Indices also static N and C); int8/uint8 input pooled as float32',
  convert(node, ctx) {
    if (wantsOutput(node, 1)) return maxPoolIndices(node, ctx);
    const { x, args, dilated } = poolSetup(node, ctx);
    const dtype = typeOfInput(ctx, x).dtype;
    if (dilated && (dtype === 'float32' || dtype === 'float16')) return ctx.setOutput(node, 0, dilatedMaxPool(node, ctx, x, dilated));
    if (dilated) return ctx.unsupported(node, 'dilated pooling of integer input is not supported');
    if (dtype !== 'float32' && dtype !== 'float16') return ctx.setOutput(node, 0, integerMaxPool(node, ctx, x, args));
    ctx.setOutput(node, 0, ctx.b.op1('max_pool', { x, ...args }, { name: outputName(node) }));
  },
};

const averagePool: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['avg_pool'],
  limits: 'dilations must be 1',
  convert(node, ctx) {
    const { x, args } = poolSetup(node, ctx);
    const exclude = attrInt(node, 'count_include_pad', 0) === 0;
    const y = ctx.b.op1('avg_pool', { x, ...args, exclude_padding_from_average: milConst.bool(exclude) }, { name: outputName(node) });
    ctx.setOutput(node, 0, y);
  },
};

const lpPool: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['l2_pool'],
  limits: 'p = 2 only',
  convert(node, ctx) {
    if (attrInt(node, 'p', 2) !== 2) ctx.unsupported(node, `p = ${attrInt(node, 'p', 2)}: Core ML only has L2 pooling`);
    const { x, args } = poolSetup(node, ctx);
    ctx.setOutput(node, 0, ctx.b.op1('l2_pool', { x, ...args }, { name: outputName(node) }));
  },
};

function globalPool(reduceOp: 'reduce_mean' | 'reduce_max'): OpConverter {
  return {
    opsets: [1, LATEST_ONNX_OPSET],
    milOps: [reduceOp],
    convert(node, ctx) {
      const x = ctx.requireInput(node, 0);
      const rank = typeOfInput(ctx, x).shape.length;
      if (rank < 3) ctx.unsupported(node, `input rank ${rank}: global pooling needs spatial dims`);
      const axes = Array.from({ length: rank - 2 }, (_, k) => k + 2);
      const y = ctx.b.op1(reduceOp, { x, axes: milConst.ints(axes), keep_dims: milConst.bool(true) }, { name: outputName(node) });
      ctx.setOutput(node, 0, y);
    },
  };
}

export const poolConverters: ConverterTable = {
  MaxPool: maxPool,
  AveragePool: averagePool,
  LpPool: lpPool,
  GlobalAveragePool: globalPool('reduce_mean'),
  GlobalMaxPool: globalPool('reduce_max'),
};
