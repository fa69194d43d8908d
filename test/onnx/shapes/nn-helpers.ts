import type { OnnxNode } from '../../../src/onnx/ir.js';
import { shapeFunctionFor } from '../../../src/onnx/shapes/index.js';
import type { InferredType } from '../../../src/onnx/shapes/types.js';
import type { Tensor } from '../../../src/tensor/tensor.js';

/** Runs the registered shape function of `node` on the given input types and constants. */
export function infer(node: OnnxNode, inputs: (InferredType | undefined)[], constants: Record<number, Tensor> = {}, opset = 17): InferredType[] {
  const fn = shapeFunctionFor(node.opType);
  if (!fn) throw new Error(`no shape function for ${node.opType}`);
  return fn({ node, opset, inputs, constant: (i) => constants[i] });
}

export const f32 = (...shape: (number | string | null)[]): InferredType => ({ dtype: 'float32', shape });
