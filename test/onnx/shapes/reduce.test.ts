import { describe, expect, it } from 'vitest';
import { shapeFunctionFor } from '../../../src/onnx/shapes/index.js';
import { makeTensor } from '../../../src/tensor/tensor.js';
import { node } from '../../helpers/onnx-graph.js';

const x = { dtype: 'float32' as const, shape: [2, 3, 4] };
const axes = makeTensor('int64', [1], BigInt64Array.from([-1n]));

describe('reduction shape functions', () => {
  it('reads axes from the attribute before opset 18 and keeps dims by default', () => {
    const out = shapeFunctionFor('ReduceMean')!({ node: node('ReduceMean', ['x'], ['y'], { axes: [1] }), opset: 13, inputs: [x], constant: () => undefined });
    expect(out[0]).toEqual({ dtype: 'float32', shape: [2, 1, 4] });
  });

  it('reads ReduceSum axes from the input from opset 13', () => {
    const out = shapeFunctionFor('ReduceSum')!({ node: node('ReduceSum', ['x', 'a'], ['y'], { keepdims: 0 }), opset: 13, inputs: [x, undefined], constant: (i) => (i === 1 ? axes : undefined) });
    expect(out[0]).toEqual({ dtype: 'float32', shape: [2, 3] });
  });

  it('reduces every axis when none are given, unless noop_with_empty_axes is set', () => {
    const all = shapeFunctionFor('ReduceMax')!({ node: node('ReduceMax', ['x'], ['y'], { keepdims: 0 }), opset: 18, inputs: [x], constant: () => undefined });
    expect(all[0]).toEqual({ dtype: 'float32', shape: [] });
    const noop = shapeFunctionFor('ReduceMax')!({ node: node('ReduceMax', ['x'], ['y'], { noop_with_empty_axes: 1 }), opset: 18, inputs: [x], constant: () => undefined });
    expect(noop[0]).toEqual(x);
  });

  it('ArgMax gives int64 indices with the axis dropped when keepdims is 0', () => {
    const out = shapeFunctionFor('ArgMax')!({ node: node('ArgMax', ['x'], ['y'], { axis: 1, keepdims: 0 }), opset: 13, inputs: [x], constant: () => undefined });
    expect(out[0]).toEqual({ dtype: 'int64', shape: [2, 4] });
  });
});
