import { milConst, type MilArg } from '../../mil/builder.js';
import { attrInt, type OnnxNode } from '../../onnx/ir.js';
import type { DType } from '../../tensor/dtype.js';
import { makeTensor, toNumberList, type Tensor } from '../../tensor/tensor.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type ConverterTable, type OpConverter } from '../types.js';
import { floatScalar, floatTensor, floatValues, outputName } from './nn-util.js';
import { quantIntegerConverters } from './quant-integer.js';

/**
 * ONNX linear quantization. DequantizeLinear of constants (a quantized
 * weight) folds to a float constant at conversion time, so every consumer
 * sees an ordinary weight (the compress variants re-quantize weights for
 * Core ML). Run-time values are expressed with MIL arithmetic: Core ML keeps
 * small integers as int32, so quantized tensors travel as int32 holding the
 * uint8/int8 values.
 *   QuantizeLinear:   y = clip(round_half_even(x / scale) + zero_point, lo, hi)
 *   DequantizeLinear: y = (x - zero_point) · scale
 * Scale and zero point are per tensor, or per slice along `axis` when 1-D.
 */

const RANGES: Readonly<Partial<Record<DType, readonly [number, number]>>> = {
  uint8: [0, 255], int8: [-128, 127], uint16: [0, 65535], int16: [-32768, 32767], uint4: [0, 15], int4: [-8, 7], int32: [-(2 ** 31), 2 ** 31 - 1],
};

const OUTPUT_DTYPE_CODES: Readonly<Record<number, DType>> = { 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 21: 'uint4', 22: 'int4' };

function refuseBlocks(node: OnnxNode, ctx: ConvertContext): void {
  if (attrInt(node, 'block_size', 0) > 0) ctx.unsupported(node, 'blocked quantization (block_size > 0) of run-time values is not supported');
}

/** Shape a per-axis parameter broadcasts with against x of `rank`: [1, …, C, …, 1]; undefined when per tensor. */
function axisShape(node: OnnxNode, ctx: ConvertContext, param: number, rank: number): number[] | undefined {
  const shape = ctx.info(node.inputs[param] ?? '')?.shape ?? (ctx.input(node, param) ? ctx.b.typeOf(ctx.input(node, param)!).shape : undefined);
  if (!shape || shape.length === 0 || (shape.length === 1 && shape[0] === 1)) return undefined;
  if (shape.length !== 1 || typeof shape[0] !== 'number') ctx.unsupported(node, 'scale must be a scalar or a 1-D tensor with a static length');
  const axis = attrInt(node, 'axis', 1);
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) ctx.unsupported(node, `axis ${axis} is out of range for rank ${rank}`);
  return Array.from({ length: rank }, (_, i) => (i === a ? (shape[0] as number) : 1));
}

/** Input i as a float MIL argument shaped to broadcast along the quantization axis. */
function floatParam(node: OnnxNode, ctx: ConvertContext, i: number, rank: number, dtype: DType): MilArg | undefined {
  if (!node.inputs[i]) return undefined;
  const shape = axisShape(node, ctx, i, rank);
  const c = ctx.constant(node, i);
  if (c) return floatTensor(dtype, shape ?? [], shape ? floatValues(c) : Float32Array.of(floatValues(c)[0]!));
  let v = ctx.requireInput(node, i);
  if (ctx.b.typeOf(v).dtype !== dtype) v = ctx.b.op1('cast', { x: v, dtype: milConst.str(dtype === 'float16' ? 'fp16' : 'fp32') });
  return ctx.b.op1('reshape', { x: v, shape: milConst.ints(shape ?? []) });
}

function quantizedDType(node: OnnxNode, ctx: ConvertContext): DType {
  const zp = node.inputs[2] ? ctx.info(node.inputs[2])?.dtype : undefined;
  const dtype = zp ?? OUTPUT_DTYPE_CODES[attrInt(node, 'output_dtype', 0)] ?? 'uint8';
  if (!RANGES[dtype]) ctx.unsupported(node, `quantizing to ${dtype} is not supported (8-, 16- and 4-bit integers are)`);
  return dtype;
}

const quantizeLinear: OpConverter = {
  opsets: [10, LATEST_ONNX_OPSET],
  milOps: ['real_div', 'round', 'add', 'clip', 'cast', 'reshape'],
  limits: 'integer outputs only (no float8); no blocked quantization',
  convert(node, ctx) {
    refuseBlocks(node, ctx);
    const x = ctx.requireInput(node, 0);
    const { dtype, shape } = ctx.b.typeOf(x);
    const [lo, hi] = RANGES[quantizedDType(node, ctx)]!;
    let q = ctx.b.op1('round', { x: ctx.b.op1('real_div', { x, y: floatParam(node, ctx, 1, shape.length, dtype)! }) });
    const zp = floatParam(node, ctx, 2, shape.length, dtype);
    if (zp !== undefined) q = ctx.b.op1('add', { x: q, y: zp });
    const clipped = ctx.b.op1('clip', { x: q, alpha: floatScalar(lo, dtype), beta: floatScalar(hi, dtype) });
    ctx.setOutput(node, 0, ctx.b.op1('cast', { x: clipped, dtype: milConst.str('int32') }, { name: outputName(node) }));
  },
};

/**
 * For each element of x (row-major), the index of its scale: 0 per tensor,
 * its coordinate along `axis` per axis, and for blocked quantization (scale
 * of x's rank) its coordinates with the axis one divided by block_size.
 */
function scaleIndexer(node: OnnxNode, ctx: ConvertContext, shape: readonly number[], scaleShape: readonly number[]): (k: number) => number {
  const count = scaleShape.reduce((a, b) => a * b, 1);
  if (count === 1) return () => 0;
  const rank = shape.length;
  const axis = attrInt(node, 'axis', 1) < 0 ? attrInt(node, 'axis', 1) + rank : attrInt(node, 'axis', 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const block = attrInt(node, 'block_size', 0);
  if (block === 0) return (k) => Math.floor(k / inner) % shape[axis]!;
  if (scaleShape.length !== rank) ctx.unsupported(node, 'blocked quantization needs a scale of the same rank as x');
  const dim = shape[axis]!;
  const blocks = scaleShape[axis]!;
  // Elements before the axis map one to one, the axis by blocks, the rest one to one.
  return (k) => {
    const outer = Math.floor(k / (inner * dim));
    const a = Math.floor(k / inner) % dim;
    return (outer * blocks + Math.floor(a / block)) * inner + (k % inner);
  };
}

/** Folds a DequantizeLinear whose inputs are all constants (per tensor, per axis or blocked). */
function foldDequantize(node: OnnxNode, ctx: ConvertContext): Tensor | undefined {
  const [x, scale] = [ctx.constant(node, 0), ctx.constant(node, 1)];
  const zp = node.inputs[2] ? ctx.constant(node, 2) : undefined;
  if (!x || !scale || (node.inputs[2] && !zp)) return undefined;
  const q = toNumberList(x);
  const s = floatValues(scale);
  const z = zp ? toNumberList(zp) : undefined;
  const index = scaleIndexer(node, ctx, x.shape, scale.shape);
  const out = Float32Array.from(q, (v, k) => {
    const j = index(k);
    return (v - (z ? z[j]! : 0)) * s[j]!;
  });
  return scale.dtype === 'float16' ? floatTensor('float16', x.shape, out) : makeTensor('float32', x.shape, out);
}

const dequantizeLinear: OpConverter = {
  opsets: [10, LATEST_ONNX_OPSET],
  milOps: ['cast', 'sub', 'mul', 'reshape'],
  limits: 'constant inputs fold to a float weight (also blocked); run-time inputs: no blocked quantization',
  convert(node, ctx) {
    const folded = foldDequantize(node, ctx);
    if (folded) return ctx.setConstantOutput(node, 0, folded);
    refuseBlocks(node, ctx);
    const x = ctx.requireInput(node, 0);
    const rank = ctx.b.typeOf(x).shape.length;
    const dtype = (ctx.info(node.inputs[1]!)?.dtype ?? 'float32') === 'float16' ? 'float16' : 'float32';
    let y = ctx.b.op1('cast', { x, dtype: milConst.str(dtype === 'float16' ? 'fp16' : 'fp32') });
    const zp = floatParam(node, ctx, 2, rank, dtype);
    if (zp !== undefined) y = ctx.b.op1('sub', { x: y, y: zp });
    ctx.setOutput(node, 0, ctx.b.op1('mul', { x: y, y: floatParam(node, ctx, 1, rank, dtype)! }, { name: outputName(node) }));
  },
};

/** y_scale = (max(0, max x) − min(0, min x)) / 255; y_zero_point = clip(round(−min / scale), 0, 255); y quantized with them. */
const dynamicQuantizeLinear: OpConverter = {
  opsets: [11, LATEST_ONNX_OPSET],
  milOps: ['reduce_min', 'reduce_max', 'minimum', 'maximum', 'sub', 'real_div', 'round', 'add', 'clip', 'cast'],
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const { dtype } = ctx.b.typeOf(x);
    const zero = floatScalar(0, dtype);
    const low = ctx.b.op1('minimum', { x: ctx.b.op1('reduce_min', { x, keep_dims: milConst.bool(false) }), y: zero });
    const high = ctx.b.op1('maximum', { x: ctx.b.op1('reduce_max', { x, keep_dims: milConst.bool(false) }), y: zero });
    const scale = ctx.b.op1('real_div', { x: ctx.b.op1('sub', { x: high, y: low }), y: floatScalar(255, dtype) }, { name: outputName(node, 1) });
    const saturate = (v: string) => ctx.b.op1('clip', { x: v, alpha: zero, beta: floatScalar(255, dtype) });
    const zp = saturate(ctx.b.op1('round', { x: ctx.b.op1('real_div', { x: ctx.b.op1('sub', { x: zero, y: low }), y: scale }) }));
    const q = saturate(ctx.b.op1('add', { x: ctx.b.op1('round', { x: ctx.b.op1('real_div', { x, y: scale }) }), y: zp }));
    ctx.setOutput(node, 0, ctx.b.op1('cast', { x: q, dtype: milConst.str('int32') }, { name: outputName(node, 0) }));
    ctx.setOutput(node, 1, scale);
    ctx.setOutput(node, 2, ctx.b.op1('cast', { x: zp, dtype: milConst.str('int32') }, { name: outputName(node, 2) }));
  },
};

export const quantConverters: ConverterTable = {
  QuantizeLinear: quantizeLinear,
  DequantizeLinear: dequantizeLinear,
  DynamicQuantizeLinear: dynamicQuantizeLinear,
  ...quantIntegerConverters,
};
