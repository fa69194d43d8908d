import type { MilTensorType } from '../mil/ir.js';
import type { OnnxNode } from '../onnx/ir.js';
import type { ConstantLookup } from '../onnx/shapes/params.js';
import { toNumberList } from '../tensor/tensor.js';
import { narrowConstant } from './narrow.js';
import type { ConvertContext } from './types.js';

/** Small readers converters share: MIL types of inputs and constant parameters. */

/** MIL type of input i (materializing a constant input). */
export function inputType(ctx: ConvertContext, node: OnnxNode, i: number): MilTensorType {
  return ctx.b.typeOf(ctx.requireInput(node, i));
}

/** The constant lookup the ONNX parameter readers expect, for this node. */
export function constantsOf(ctx: ConvertContext, node: OnnxNode): ConstantLookup {
  return (i) => ctx.constant(node, i);
}

/**
 * Constant input i as numbers for an int32 MIL parameter, or undefined when it
 * is not constant or omitted. Values outside int32 are refused, naming the tensor.
 */
export function constantInts(ctx: ConvertContext, node: OnnxNode, i: number): number[] | undefined {
  const t = ctx.constant(node, i);
  return t ? toNumberList(narrowConstant(t, node.inputs[i]!)) : undefined;
}

export function isFullyStatic(shape: readonly (number | null)[]): shape is number[] {
  return shape.every((d) => d !== null);
}

/** Clamps an ONNX int64 bound into int32 (Core ML's index type); out-of-range bounds only ever mean "to the end". */
export function clampToInt32(v: number): number {
  return Math.min(Math.max(v, -(2 ** 31)), 2 ** 31 - 1);
}
