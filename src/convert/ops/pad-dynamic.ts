import { milConst, type MilArg } from '../../mil/builder.js';
import { attrString, type OnnxNode } from '../../onnx/ir.js';
import { makeTensor, toNumberList } from '../../tensor/tensor.js';
import { narrowConstant } from '../narrow.js';
import type { ConvertContext } from '../types.js';
import { isFullyStatic } from '../values.js';
import { castTo } from './elementwise.js';
import { floatScalar, outputName, typeOfInput } from './nn-util.js';

/**
 * ONNX Pad where MIL pad alone is not ONNX's meaning: negative pads crop, and
 * pads computed at run time (Swin's window padding of a dynamic-size input)
 * may hold either sign. Both become pad by the positive parts, then a slice
 * that drops the negative parts; constant mode only for run-time pads.
 */

/** Constant pads with negative entries: pad the positive parts, then crop statically. */
export function padThenCrop(node: OnnxNode, ctx: ConvertContext, grown: string, begins: number[], ends: number[]): string {
  const rank = begins.length;
  const cropBegin = begins.map((p) => Math.max(-p, 0));
  const cropEnd = ends.map((p) => Math.max(-p, 0));
  const endMask = makeTensor('bool', [rank], Uint8Array.from(cropEnd, (c) => (c === 0 ? 1 : 0)));
  const args = { x: grown, begin: milConst.ints(cropBegin), end: milConst.ints(cropEnd.map((c) => -c)), end_mask: endMask };
  return ctx.b.op1('slice_by_index', args, { name: outputName(node) });
}

/**
 * constant_value computed at run time (MIL pad takes a constant one): pad with
 * 0, then select the value wherever a ones tensor padded the same way is 0.
 */
export function fillPaddingWithRuntimeValue(node: OnnxNode, ctx: ConvertContext, x: string, pad: MilArg, padded: string, name: string): string {
  const b = ctx.b;
  const xt = typeOfInput(ctx, x);
  const shape = isFullyStatic(xt.shape) ? milConst.ints(xt.shape) : b.op1('shape', { x });
  const ones = b.op1('fill', { shape, value: floatScalar(1, xt.dtype) }, { name: `${name}_ones` });
  const mask = b.op1('pad', { x: ones, pad, mode: milConst.str('constant'), constant_val: floatScalar(0, xt.dtype) }, { name: `${name}_inside` });
  const inside = b.op1('greater', { x: mask, y: floatScalar(0.5, xt.dtype) });
  return b.op1('select', { cond: inside, a: padded, b: castTo(ctx, ctx.requireInput(node, 2), xt.dtype) }, { name });
}

/** Pads known only at run time, over every axis (constant mode, constant axes). */
export function runtimePad(node: OnnxNode, ctx: ConvertContext, x: string): string {
  const b = ctx.b;
  const xt = typeOfInput(ctx, x);
  const rank = xt.shape.length;
  if (attrString(node, 'mode', 'constant') !== 'constant') return ctx.unsupported(node, 'run-time pads are supported in constant mode only');
  if (node.inputs[3] && !ctx.constant(node, 3)) return ctx.unsupported(node, 'axes must be a constant');
  const axes = node.inputs[3] ? toNumberList(narrowConstant(ctx.constant(node, 3)!, node.inputs[3])).map((a) => (a < 0 ? a + rank : a)) : undefined;
  if (axes && (axes.length !== rank || axes.some((a, i) => a !== i))) return ctx.unsupported(node, 'run-time pads need every axis, in order');
  const valueConstant = node.inputs[2] ? ctx.constant(node, 2) : undefined;
  const runtimeValue = node.inputs[2] !== undefined && node.inputs[2] !== '' && !valueConstant;
  const value = valueConstant ? toNumberList(valueConstant)[0] ?? 0 : 0;
  const name = outputName(node);
  const pads = castTo(ctx, ctx.requireInput(node, 1), 'int32');
  // ONNX [b0, b1, ..., e0, e1, ...] → MIL [b0, e0, b1, e1, ...].
  const byAxis = b.op1('transpose', { x: b.op1('reshape', { x: pads, shape: milConst.ints([2, rank]) }), perm: milConst.ints([1, 0]) }, { name: `${name}_pairs` });
  const grow = b.op1('maximum', { x: b.op1('reshape', { x: byAxis, shape: milConst.ints([2 * rank]) }), y: milConst.int(0) }, { name: `${name}_grow` });
  const crop = b.op1('maximum', { x: b.op1('mul', { x: byAxis, y: milConst.int(-1) }), y: milConst.int(0) }, { name: `${name}_crop` });
  const padded = b.op1('pad', { x, pad: grow, mode: milConst.str('constant'), constant_val: floatScalar(value, xt.dtype) }, { name: `${name}_grown` });
  const grown = runtimeValue ? fillPaddingWithRuntimeValue(node, ctx, x, grow, padded, `${name}_filled`) : padded;
  const column = (k: number, hint: string) =>
    b.op1('reshape', { x: b.op1('slice_by_index', { x: crop, begin: milConst.ints([0, k]), end: milConst.ints([rank, k + 1]) }), shape: milConst.ints([rank]) }, { name: `${name}_${hint}` });
  const end = b.op1('sub', { x: b.op1('shape', { x: grown }), y: column(1, 'crop_end') }, { name: `${name}_end` });
  return b.op1('slice_by_index', { x: grown, begin: column(0, 'crop_begin'), end }, { name });
}
