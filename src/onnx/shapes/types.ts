import type { OnnxDim, OnnxNode } from '../ir.js';
import type { DType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';

/** A value's type as shape inference knows it; undefined parts are unknown. */
export interface InferredType {
  dtype?: DType;
  shape?: OnnxDim[];
}

export interface ShapeInferenceInput {
  node: OnnxNode;
  /** ai.onnx opset of the model. */
  opset: number;
  /** Known types of the node's inputs (undefined for omitted or unknown inputs). */
  inputs: (InferredType | undefined)[];
  /** Constant value of input i when known (initializer or folded). */
  constant(i: number): Tensor | undefined;
}

/** Infers the output types of one node, one entry per node output. */
export type ShapeFn = (input: ShapeInferenceInput) => InferredType[];

/** One op family's shape functions, keyed by ONNX op type. */
export type ShapeTable = Readonly<Record<string, ShapeFn>>;

/** The known type of input i ({} when omitted or unknown). */
export function inputType(input: ShapeInferenceInput, i: number): InferredType {
  return input.inputs[i] ?? {};
}

/** Output 0 has the type of input 0. */
export const likeInput0: ShapeFn = (input) => [{ ...inputType(input, 0) }];

/**
 * Thrown by shape helpers when the inputs' shapes cannot be combined (dims that
 * do not broadcast, inner dims that differ): the model is inconsistent, and
 * shape inference reports it as an input error naming the node.
 */
export class ShapeMismatch extends Error {
  override name = 'ShapeMismatch';
}
