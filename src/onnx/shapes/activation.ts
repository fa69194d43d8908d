import { broadcastOnnx, sameAsFirstInput } from './elementwise.js';
import type { ShapeTable } from './types.js';

/**
 * ONNX shape inference for activations: every one keeps its input's type;
 * PRelu broadcasts X with the slope (the slope never widens X in practice,
 * but ONNX defines the output as the broadcast).
 */

const SAME_AS_INPUT = [
  'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'HardSigmoid', 'HardSwish', 'Clip', 'Elu', 'Selu', 'Softplus', 'Softsign',
  'Gelu', 'Softmax', 'LogSoftmax', 'ThresholdedRelu', 'Celu', 'Mish', 'Hardmax', 'Shrink',
];

export const activationShapes: ShapeTable = {
  ...Object.fromEntries(SAME_AS_INPUT.map((op) => [op, sameAsFirstInput])),
  PRelu: ({ node, inputs, opset }) => {
    const x = inputs[0];
    // Before opset 7 the slope is per channel or X-shaped; either way the result has X's shape.
    if (opset < 7) return sameAsFirstInput({ node, inputs, opset, constant: () => undefined });
    const shape = broadcastOnnx(node, [x?.shape, inputs[1]?.shape]);
    return [{ ...(x?.dtype ? { dtype: x.dtype } : {}), ...(shape ? { shape } : {}) }];
  },
};
