import { describe, expect, it } from 'vitest';
import { makeTensor } from '../../../src/tensor/tensor.js';
import { node, valueInfo } from '../../helpers/onnx-graph.js';
import { convertOne } from './convert-one.js';

const x234 = [valueInfo('x', 'float32', [2, 3, 4])];
const axes = (v: number[]) => makeTensor('int64', [v.length], BigInt64Array.from(v.map(BigInt)));

describe('reduction converters', () => {
  it('ReduceMean with attribute axes (opset 13) keeps dims by default', () => {
    const r = convertOne(node('ReduceMean', ['x'], ['y'], { axes: [-1] }), { inputs: x234, outputs: [valueInfo('y', 'float32', [2, 3, 1])], opset: 13 });
    expect(r.types).toEqual(['reduce_mean']);
    expect(r.param(r.ops[0]!, 'axes')).toEqual([2]);
    expect(r.param(r.ops[0]!, 'keep_dims')).toEqual([1]);
  });

  it('ReduceSum reads axes from its input from opset 13', () => {
    const r = convertOne(node('ReduceSum', ['x', 'a'], ['y'], { keepdims: 0 }), { inputs: x234, outputs: [valueInfo('y', 'float32', [3])], initializers: { a: axes([0, 2]) }, opset: 13 });
    expect(r.param(r.ops[0]!, 'axes')).toEqual([0, 2]);
    expect(r.param(r.ops[0]!, 'keep_dims')).toEqual([0]);
  });

  it('ReduceMax reads axes from its input from opset 18 and reduces all axes when none are given', () => {
    const r = convertOne(node('ReduceMax', ['x'], ['y'], { keepdims: 0 }), { inputs: x234, outputs: [valueInfo('y', 'float32', [])], opset: 18 });
    expect(r.types).toEqual(['reduce_max', 'expand_dims']);
    expect(r.param(r.ops[0]!, 'axes')).toEqual([0, 1, 2]);
  });

  it('noop_with_empty_axes passes the input through', () => {
    const r = convertOne(node('ReduceMin', ['x'], ['y'], { noop_with_empty_axes: 1 }), { inputs: x234, outputs: [valueInfo('y', 'float32', [2, 3, 4])], opset: 18 });
    expect(r.types).toEqual(['identity']);
  });

  it.each([
    ['ReduceProd', 'reduce_prod'], ['ReduceL1', 'reduce_l1_norm'], ['ReduceL2', 'reduce_l2_norm'],
    ['ReduceLogSum', 'reduce_log_sum'], ['ReduceLogSumExp', 'reduce_log_sum_exp'], ['ReduceSumSquare', 'reduce_sum_square'],
  ])('%s becomes %s', (onnx, mil) => {
    const r = convertOne(node(onnx, ['x'], ['y'], { axes: [1] }), { inputs: x234, outputs: [valueInfo('y', 'float32', [2, 1, 4])], opset: 13 });
    expect(r.types).toEqual([mil]);
  });

  it('ArgMax returns int32 indices', () => {
    const r = convertOne(node('ArgMax', ['x'], ['y'], { axis: 1, keepdims: 0 }), { inputs: x234, outputs: [valueInfo('y', 'int64', [2, 4])] });
    expect(r.types).toEqual(['reduce_argmax']);
    expect(r.result.model.outputs[0]!.type.dtype).toBe('int32');
  });

  it('ArgMin with select_last_index counts from the end of the reversed axis', () => {
    const r = convertOne(node('ArgMin', ['x'], ['y'], { axis: -1, select_last_index: 1 }), { inputs: x234, outputs: [valueInfo('y', 'int64', [2, 3, 1])] });
    expect(r.types).toEqual(['reverse', 'reduce_argmin', 'sub']);
    expect(r.param(r.ops[0]!, 'axes')).toEqual([2]);
    expect(r.param(r.ops[2]!, 'x')).toEqual([3]);
  });
});
