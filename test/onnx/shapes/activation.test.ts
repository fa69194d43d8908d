import { describe, expect, it } from 'vitest';
import { activationShapes } from '../../../src/onnx/shapes/activation.js';
import type { InferredType } from '../../../src/onnx/shapes/types.js';
import { node } from '../../helpers/onnx-graph.js';

function infer(op: string, inputs: (InferredType | undefined)[]): InferredType[] {
  const n = node(op, inputs.map((_, i) => `in${i}`), ['out']);
  return activationShapes[op]!({ node: n, opset: 17, inputs, constant: () => undefined });
}

describe('activation ONNX shape inference', () => {
  it('keeps the input type for every activation', () => {
    for (const op of ['Relu', 'Sigmoid', 'HardSwish', 'Softmax', 'LogSoftmax', 'Gelu', 'Clip']) {
      expect(infer(op, [{ dtype: 'float16', shape: ['B', 10] }])).toEqual([{ dtype: 'float16', shape: ['B', 10] }]);
    }
  });

  it('broadcasts PRelu input with its slope', () => {
    expect(infer('PRelu', [{ dtype: 'float32', shape: [1, 3, 8, 8] }, { dtype: 'float32', shape: [3, 1, 1] }])).toEqual([
      { dtype: 'float32', shape: [1, 3, 8, 8] },
    ]);
  });
});
