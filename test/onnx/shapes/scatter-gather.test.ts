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
const i = (...shape: (number | string | null)[]): InferredType => ({ dtype: 'int64', shape });

describe('gather/scatter shape functions', () => {
  it('GatherElements takes the indices shape; scatters keep the data type', () => {
    expect(infer(node('GatherElements', ['x', 'i'], ['y']), [f(3, 3), i(2, 3)])[0]).toEqual(f(2, 3));
    expect(infer(node('ScatterND', ['x', 'i', 'u'], ['y']), [f(4, 4), i(2, 1), f(2, 4)])[0]).toEqual(f(4, 4));
  });

  it('GatherND drops the addressed dims after batch_dims', () => {
    expect(infer(node('GatherND', ['x', 'i'], ['y']), [f(2, 2, 3), i(4, 2)])[0]).toEqual(f(4, 3));
    expect(infer(node('GatherND', ['x', 'i'], ['y'], { batch_dims: 1 }), [f(2, 2, 3), i(2, 1)])[0]).toEqual(f(2, 3));
  });

  it('OneHot inserts the constant depth at axis, in the values dtype', () => {
    const depth = makeTensor('float32', [], Float32Array.from([10]));
    expect(infer(node('OneHot', ['i', 'd', 'v'], ['y'], { axis: 1 }), [i(2, 3), undefined, f(2)], [undefined, depth])[0]).toEqual(f(2, 10, 3));
  });

  it('Compress counts a constant condition; NonZero gives [rank, unknown]', () => {
    const cond = makeTensor('bool', [3], Uint8Array.from([1, 0, 1]));
    expect(infer(node('Compress', ['x', 'c'], ['y'], { axis: 0 }), [f(3, 2)], [undefined, cond])[0]).toEqual(f(2, 2));
    expect(infer(node('Compress', ['x', 'c'], ['y']), [f(3, 2)])[0]).toEqual(f(null));
    expect(infer(node('NonZero', ['x'], ['y']), [f(2, 3)])[0]).toEqual(i(2, null));
  });

  it('TopK sets the axis to K and returns int64 indices', () => {
    expect(infer(node('TopK', ['x', 'k'], ['v', 'i'], { axis: 0 }), [f(5, 3)], [undefined, i64([2])])).toEqual([f(2, 3), i(2, 3)]);
    expect(infer(node('TopK', ['x', 'k'], ['v', 'i']), [f(5, 3)])[0]).toEqual(f(5, null));
  });

  it('DepthToSpace and SpaceToDepth trade channels for spatial size', () => {
    expect(infer(node('DepthToSpace', ['x'], ['y'], { blocksize: 2 }), [f(1, 8, 2, 3)])[0]).toEqual(f(1, 2, 4, 6));
    expect(infer(node('SpaceToDepth', ['x'], ['y'], { blocksize: 2 }), [f(1, 2, 4, 6)])[0]).toEqual(f(1, 8, 2, 3));
  });

  it('Einsum reads output dims off the labels; Det drops the matrix dims', () => {
    expect(infer(node('Einsum', ['a', 'b'], ['y'], { equation: 'bij, bjk -> bik' }), [f(5, 2, 3), f(5, 3, 4)])[0]).toEqual(f(5, 2, 4));
    expect(infer(node('Det', ['x'], ['y']), [f(3, 2, 2)])[0]).toEqual(f(3));
  });
});
