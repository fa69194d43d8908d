import { attrString } from '../ir.js';
import type { InferredType, ShapeFn, ShapeTable } from './types.js';

/**
 * ONNX shape inference for loss ops: the loss has the target's shape with
 * reduction "none" and is a scalar otherwise, in the input's dtype;
 * SoftmaxCrossEntropyLoss's optional log_prob has the scores' type.
 */

function lossType(input: Parameters<ShapeFn>[0]): InferredType {
  const dtype = input.inputs[0]?.dtype;
  const reduction = attrString(input.node, 'reduction', 'mean');
  const targetShape = input.inputs[1]?.shape;
  const shape = reduction === 'none' ? (targetShape ? [...targetShape] : undefined) : [];
  return { ...(dtype ? { dtype } : {}), ...(shape ? { shape } : {}) };
}

const softmaxCrossEntropy: ShapeFn = (input) => {
  const scores = input.inputs[0];
  const logProb: InferredType = { ...(scores?.dtype ? { dtype: scores.dtype } : {}), ...(scores?.shape ? { shape: [...scores.shape] } : {}) };
  return [lossType(input), logProb];
};

export const lossShapes: ShapeTable = {
  NegativeLogLikelihoodLoss: (input) => [lossType(input)],
  SoftmaxCrossEntropyLoss: softmaxCrossEntropy,
};
