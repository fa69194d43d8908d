import type { OnnxNode } from '../ir.js';
import type { Tensor } from '../../tensor/tensor.js';

/**
 * Evaluates one node whose inputs are all constants (ONNX semantics, int64 kept).
 * Used to fold the Shape→Gather→Concat→Reshape chains exporters emit.
 * `inputs[i]` is undefined for omitted optional inputs.
 */
export type FoldFn = (node: OnnxNode, inputs: (Tensor | undefined)[], opset: number) => Tensor[];

export type FoldTable = Readonly<Record<string, FoldFn>>;
