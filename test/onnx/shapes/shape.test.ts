import { describe, expect, it } from 'vitest';
import type { OnnxNode } from '../../../src/onnx/ir.js';
import { shapeFunctionFor } from '../../../src/onnx/shapes/index.js';
import type { InferredType } from '../../../src/onnx/shapes/types.js';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { node } from '../../helpers/onnx-graph.js';

const i64 = (values: number[], shape = [values.length]): Tensor => makeTensor('int64', shape, BigInt64Array.from(values.map(BigInt)));

function infer(n: OnnxNode, inputs: (InferredType | undefined)[], constants: (Tensor | undefined)[] = [], opset = 17): InferredType[] {
  return shapeFunctionFor(n.opType)!({ node: n, opset, inputs, constant: (i) => constants[i] });
}

const f = (...shape: (number | string | null)[]): InferredType => ({ dtype: 'float32', shape });

describe('shape-family shape functions', () => {
  it('Reshape resolves 0 and -1 and keeps a symbolic batch dim', () => {
    expect(infer(node('Reshape', ['x', 's'], ['y']), [f('N', 3, 4), undefined], [undefined, i64([0, -1])])[0]).toEqual(f('N', 12));
    expect(infer(node('Reshape', ['x', 's'], ['y']), [f(2, 3, 4), { dtype: 'int64', shape: [3] }])[0]).toEqual(f(null, null, null));
  });

  it('Flatten splits the dims at axis', () => {
    expect(infer(node('Flatten', ['x'], ['y'], { axis: 2 }), [f(2, 3, 4, 5)])[0]).toEqual(f(6, 20));
  });

  it('Transpose reverses the dims without perm', () => {
    expect(infer(node('Transpose', ['x'], ['y']), [f(1, 2, 3)])[0]).toEqual(f(3, 2, 1));
  });

  it('Squeeze and Unsqueeze take axes from the input from opset 13', () => {
    expect(infer(node('Squeeze', ['x', 'a'], ['y']), [f(1, 3, 1)], [undefined, i64([-1])])[0]).toEqual(f(1, 3));
    expect(infer(node('Unsqueeze', ['x'], ['y'], { axes: [0, 3] }), [f(2, 3)], [], 11)[0]).toEqual(f(1, 2, 3, 1));
  });

  it('Concat adds up the axis and Split divides it', () => {
    expect(infer(node('Concat', ['a', 'b'], ['y'], { axis: -1 }), [f(2, 3), f(2, 5)])[0]).toEqual(f(2, 8));
    expect(infer(node('Split', ['x', 's'], ['a', 'b'], { axis: 1 }), [f(2, 10)], [undefined, i64([3, 7])])).toEqual([f(2, 3), f(2, 7)]);
    expect(infer(node('Split', ['x'], ['a', 'b', 'c'], { axis: 0, num_outputs: 3 }), [f(7)], [], 18)).toEqual([f(3), f(3), f(1)]);
  });

  it('Slice clamps bounds and counts strided elements', () => {
    const big = makeTensor('int64', [1], BigInt64Array.from([9223372036854775807n]));
    expect(infer(node('Slice', ['x', 's', 'e', 'a', 'st'], ['y']), [f(4, 10)], [undefined, i64([1]), big, i64([1]), i64([3])])[0]).toEqual(f(4, 3));
  });

  it('Gather replaces the axis by the indices shape', () => {
    expect(infer(node('Gather', ['x', 'i'], ['y'], { axis: 1 }), [f(2, 5, 3), { dtype: 'int64', shape: [4, 2] }])[0]).toEqual(f(2, 4, 2, 3));
  });

  it('Expand broadcasts and Tile multiplies', () => {
    expect(infer(node('Expand', ['x', 's'], ['y']), [f(3, 1), undefined], [undefined, i64([2, 1, 4])])[0]).toEqual(f(2, 3, 4));
    expect(infer(node('Tile', ['x', 'r'], ['y']), [f(2, 3), undefined], [undefined, i64([2, 2])])[0]).toEqual(f(4, 6));
  });

  it('Shape, Cast, ConstantOfShape and Range give the documented dtypes', () => {
    expect(infer(node('Shape', ['x'], ['s'], { start: 1 }), [f(1, 2, 3)])[0]).toEqual({ dtype: 'int64', shape: [2] });
    expect(infer(node('Cast', ['x'], ['y'], { to: 7 }), [f(2)])[0]).toEqual({ dtype: 'int64', shape: [2] });
    expect(infer(node('ConstantOfShape', ['s'], ['y']), [{ dtype: 'int64', shape: [2] }], [i64([3, 4])])[0]).toEqual(f(3, 4));
    expect(infer(node('Range', ['a', 'b', 'c'], ['y']), [{ dtype: 'int64', shape: [] }], [i64([0], []), i64([5], []), i64([2], [])])[0]).toEqual({ dtype: 'int64', shape: [3] });
  });
});
