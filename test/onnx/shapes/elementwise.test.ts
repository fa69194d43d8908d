import { describe, expect, it } from 'vitest';
import { ModelInputError } from '../../../src/errors.js';
import { elementwiseShapes } from '../../../src/onnx/shapes/elementwise.js';
import type { InferredType } from '../../../src/onnx/shapes/types.js';
import { node } from '../../helpers/onnx-graph.js';

function infer(op: string, inputs: (InferredType | undefined)[], names?: string[]): InferredType[] {
  const n = node(op, names ?? inputs.map((_, i) => `in${i}`), ['out']);
  return elementwiseShapes[op]!({ node: n, opset: 17, inputs, constant: () => undefined });
}

describe('element-wise ONNX shape inference', () => {
  it('broadcasts binary arithmetic and keeps the dtype', () => {
    expect(infer('Add', [{ dtype: 'float32', shape: [2, 1, 4] }, { dtype: 'float32', shape: [3, 1] }])).toEqual([
      { dtype: 'float32', shape: [2, 3, 4] },
    ]);
  });

  it('keeps symbolic dims, and lets a static size win over a symbol', () => {
    expect(infer('Mul', [{ dtype: 'float32', shape: ['N', 3] }, { dtype: 'float32', shape: [1, 3] }])[0]!.shape).toEqual(['N', 3]);
    expect(infer('Mul', [{ dtype: 'float32', shape: ['N', 3] }, { dtype: 'float32', shape: [5, 3] }])[0]!.shape).toEqual([5, 3]);
    expect(infer('Mul', [{ dtype: 'float32', shape: ['N'] }, { dtype: 'float32', shape: ['M'] }])[0]!.shape).toEqual([null]);
  });

  it('reports incompatible static dims as a malformed model', () => {
    expect(() => infer('Sub', [{ dtype: 'float32', shape: [2] }, { dtype: 'float32', shape: [3] }])).toThrow(ModelInputError);
  });

  it('gives bool for comparisons and Not', () => {
    expect(infer('LessOrEqual', [{ dtype: 'int64', shape: [4] }, { dtype: 'int64', shape: [] }])).toEqual([{ dtype: 'bool', shape: [4] }]);
    expect(infer('Not', [{ dtype: 'bool', shape: [2, 2] }])).toEqual([{ dtype: 'bool', shape: [2, 2] }]);
  });

  it('takes Where dtype from X and broadcasts all three inputs', () => {
    const out = infer('Where', [{ dtype: 'bool', shape: [4, 1] }, { dtype: 'float16', shape: [5] }, { dtype: 'float16', shape: [] }]);
    expect(out).toEqual([{ dtype: 'float16', shape: [4, 5] }]);
  });

  it('leaves the shape unknown when an input shape is unknown', () => {
    expect(infer('Add', [{ dtype: 'float32' }, { dtype: 'float32', shape: [3] }])).toEqual([{ dtype: 'float32' }]);
  });

  it('passes unary ops through', () => {
    expect(infer('Reciprocal', [{ dtype: 'float32', shape: [null, 2] }])).toEqual([{ dtype: 'float32', shape: [null, 2] }]);
  });

  it('broadcasts every input of variadic Max', () => {
    const out = infer('Max', [{ dtype: 'float32', shape: [2, 1] }, { dtype: 'float32', shape: [3] }, { dtype: 'float32', shape: [1, 1, 1] }]);
    expect(out[0]!.shape).toEqual([1, 2, 3]);
  });
});

describe('IsNaN and IsInf shape inference', () => {
  it('gives a bool tensor shaped like the input', () => {
    expect(infer('IsNaN', [{ dtype: 'float32', shape: ['N', 2] }])).toEqual([{ dtype: 'bool', shape: ['N', 2] }]);
    expect(infer('IsInf', [{ dtype: 'float16', shape: [3] }])).toEqual([{ dtype: 'bool', shape: [3] }]);
  });
});
