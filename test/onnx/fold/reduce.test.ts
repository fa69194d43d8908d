import { describe, expect, it } from 'vitest';
import { foldFunctionFor } from '../../../src/onnx/fold/index.js';
import { makeTensor, toNumberList } from '../../../src/tensor/tensor.js';
import { node } from '../../helpers/onnx-graph.js';

describe('reduction fold evaluators', () => {
  const shape = makeTensor('int64', [3], BigInt64Array.from([2n, 3n, 4n]));

  it('ReduceProd of a shape gives its element count', () => {
    const out = foldFunctionFor('ReduceProd')!(node('ReduceProd', ['s'], ['o'], { keepdims: 0 }), [shape], 13)[0]!;
    expect(out.shape).toEqual([]);
    expect(toNumberList(out)).toEqual([24]);
  });

  it('ReduceSum over an axis input (opset 13) keeps dims by default', () => {
    const x = makeTensor('float32', [2, 2], Float32Array.from([1, 2, 3, 4]));
    const axes = makeTensor('int64', [1], BigInt64Array.from([1n]));
    const out = foldFunctionFor('ReduceSum')!(node('ReduceSum', ['x', 'a'], ['o']), [x, axes], 13)[0]!;
    expect(out.shape).toEqual([2, 1]);
    expect(toNumberList(out)).toEqual([3, 7]);
  });

  it('ReduceMean averages over the attribute axes before opset 18', () => {
    const x = makeTensor('float32', [2, 2], Float32Array.from([1, 2, 3, 4]));
    const out = foldFunctionFor('ReduceMean')!(node('ReduceMean', ['x'], ['o'], { axes: [0], keepdims: 0 }), [x], 13)[0]!;
    expect(toNumberList(out)).toEqual([2, 3]);
  });
});
