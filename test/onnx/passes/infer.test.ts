import { describe, expect, it } from 'vitest';
import { inferShapesAndFold } from '../../../src/onnx/passes/infer.js';
import { makeTensor, toNumberList } from '../../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../../helpers/onnx-graph.js';

const i64 = (values: number[], shape = [values.length]) => makeTensor('int64', shape, BigInt64Array.from(values.map(BigInt)));

describe('inferShapesAndFold', () => {
  it('folds Shape of a non-constant input with a static shape, and everything downstream of it', () => {
    const m = model({
      nodes: [
        node('Shape', ['x'], ['s']),
        node('Gather', ['s', 'one'], ['d1'], { axis: 0 }),
        node('Mul', ['d1', 'two'], ['d2']),
        node('Relu', ['x'], ['y']),
      ],
      inputs: [valueInfo('x', 'float32', [1, 5])],
      outputs: [valueInfo('y', 'float32', [1, 5])],
      initializers: { one: i64([1], []), two: i64([2], []) },
    });
    const { model: out, foldedNodes } = inferShapesAndFold(m);
    expect(foldedNodes).toBe(3);
    expect(out.graph.nodes.map((n) => n.opType)).toEqual(['Relu']);
    expect(toNumberList(out.graph.initializers.get('d2')!)).toEqual([10]);
    expect(out.graph.valueInfo.get('d2')).toMatchObject({ dtype: 'int64', shape: [] });
  });

  it('records inferred types of unfolded nodes into valueInfo', () => {
    const m = model({
      nodes: [node('Transpose', ['x'], ['t'], { perm: [1, 0] }), node('ReduceSum', ['t', 'axes'], ['y'], { keepdims: 0 })],
      inputs: [valueInfo('x', 'float32', [2, 3])],
      outputs: [valueInfo('y', 'float32', [null])],
      initializers: { axes: i64([1]) },
    });
    const { model: out } = inferShapesAndFold(m);
    expect(out.graph.valueInfo.get('t')).toMatchObject({ dtype: 'float32', shape: [3, 2] });
    expect(out.graph.outputs[0]).toMatchObject({ name: 'y', shape: [3] });
  });

  it('folds the static elements picked out of a partly dynamic shape, and only those', () => {
    const m = model({
      nodes: [
        node('Shape', ['x'], ['s']),
        node('Cast', ['s'], ['s32'], { to: 6 }),
        node('Gather', ['s32', 'one'], ['channels'], { axis: 0 }),
        node('Slice', ['s', 'one', 'two'], ['c_vector']),
        node('Gather', ['s', 'zero'], ['batch'], { axis: 0 }),
        node('Cast', ['s'], ['s8'], { to: 3 }),
        node('Gather', ['s8', 'zero'], ['batch8'], { axis: 0 }),
        node('Relu', ['x'], ['y']),
      ],
      inputs: [valueInfo('x', 'float32', ['n', 3, 't'])],
      outputs: [valueInfo('y', 'float32', ['n', 3, 't'])],
      initializers: { zero: i64([0], []), one: i64([1], []), two: i64([2]) },
    });
    const { model: out } = inferShapesAndFold(m);
    expect(toNumberList(out.graph.initializers.get('channels')!)).toEqual([3]);
    expect(out.graph.initializers.get('channels')!.dtype).toBe('int32');
    expect(toNumberList(out.graph.initializers.get('c_vector')!)).toEqual([3]);
    // The batch is dynamic, also after a cast to int8, which could not carry the unknown mark.
    expect(out.graph.nodes.map((n) => n.outputs[0])).toEqual(['s', 's32', 'batch', 's8', 'batch8', 'y']);
  });

  it('leaves Shape alone when the input has a symbolic dimension', () => {
    const m = model({
      nodes: [node('Shape', ['x'], ['s'])],
      inputs: [valueInfo('x', 'float32', ['n', 4])],
      outputs: [valueInfo('s', 'int64', [2])],
    });
    const { model: out, foldedNodes } = inferShapesAndFold(m);
    expect(foldedNodes).toBe(0);
    expect(out.graph.valueInfo.get('s')).toMatchObject({ dtype: 'int64', shape: [2] });
  });

  it('does not fold nodes whose result would exceed the element bound', () => {
    const m = model({
      nodes: [node('ConstantOfShape', ['shape'], ['big'])],
      inputs: [],
      outputs: [valueInfo('big', 'float32', [4096, 4096])],
      initializers: { shape: i64([4096, 4096]) },
    });
    const { model: out, foldedNodes } = inferShapesAndFold(m);
    expect(foldedNodes).toBe(0);
    expect(out.graph.nodes).toHaveLength(1);
  });

  it('does not change the model it is given', () => {
    const m = model({
      nodes: [node('Shape', ['x'], ['s'])],
      inputs: [valueInfo('x', 'float32', [3])],
      outputs: [valueInfo('s', 'int64', [1])],
    });
    inferShapesAndFold(m);
    expect(m.graph.nodes).toHaveLength(1);
    expect(m.graph.initializers.size).toBe(0);
  });
});
