import { describe, expect, it } from 'vitest';
import { ConversionError } from '../../../src/errors.js';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { node, valueInfo } from '../../helpers/onnx-graph.js';
import { convertOne } from './convert-one.js';

const i64 = (values: number[], shape = [values.length]): Tensor => makeTensor('int64', shape, BigInt64Array.from(values.map(BigInt)));
const x234 = [valueInfo('x', 'float32', [2, 3, 4])];

describe('shape-family converters', () => {
  it('Flatten with a static input becomes a static reshape', () => {
    const r = convertOne(node('Flatten', ['x'], ['y'], { axis: 2 }), { inputs: x234, outputs: [valueInfo('y', 'float32', [6, 4])] });
    expect(r.types).toEqual(['reshape']);
    expect(r.param(r.ops[0]!, 'shape')).toEqual([6, 4]);
  });

  it('Flatten with a symbolic dim uses flatten2d', () => {
    const r = convertOne(node('Flatten', ['x'], ['y']), { inputs: [valueInfo('x', 'float32', ['n', 3, 4])], outputs: [valueInfo('y', 'float32', ['n', 12])] });
    expect(r.types).toEqual(['flatten2d']);
    expect(r.param(r.ops[0]!, 'axis')).toEqual([1]);
  });

  it('Reshape resolves 0 and -1 into a static shape', () => {
    const r = convertOne(node('Reshape', ['x', 's'], ['y']), { inputs: x234, outputs: [valueInfo('y', 'float32', [2, 12])], initializers: { s: i64([0, -1]) } });
    expect(r.param(r.ops[0]!, 'shape')).toEqual([2, 12]);
  });

  it('Reshape keeps a -1 for the one dim that stays unknown', () => {
    const r = convertOne(node('Reshape', ['x', 's'], ['y']), { inputs: [valueInfo('x', 'float32', ['n', 3, 4])], outputs: [valueInfo('y', 'float32', ['n', 12])], initializers: { s: i64([0, 12]) } });
    expect(r.param(r.ops[0]!, 'shape')).toEqual([-1, 12]);
  });

  it('Transpose without perm reverses the axes', () => {
    const r = convertOne(node('Transpose', ['x'], ['y']), { inputs: x234, outputs: [valueInfo('y', 'float32', [4, 3, 2])] });
    expect(r.param(r.ops[0]!, 'perm')).toEqual([2, 1, 0]);
  });

  it('Squeeze reads axes from the input at opset 13 and the attribute at 11', () => {
    const io = { inputs: [valueInfo('x', 'float32', [1, 3, 1])], outputs: [valueInfo('y', 'float32', [3, 1])] };
    const now = convertOne(node('Squeeze', ['x', 'a'], ['y']), { ...io, initializers: { a: i64([0]) }, opset: 13 });
    expect(now.param(now.ops[0]!, 'axes')).toEqual([0]);
    const old = convertOne(node('Squeeze', ['x'], ['y'], { axes: [-3] }), { ...io, opset: 11 });
    expect(old.param(old.ops[0]!, 'axes')).toEqual([0]);
  });

  it('Unsqueeze becomes expand_dims with normalized sorted axes', () => {
    const r = convertOne(node('Unsqueeze', ['x', 'a'], ['y']), { inputs: x234, outputs: [valueInfo('y', 'float32', [1, 2, 3, 4, 1])], initializers: { a: i64([-1, 0]) } });
    expect(r.types).toEqual(['expand_dims']);
    expect(r.param(r.ops[0]!, 'axes')).toEqual([0, 4]);
  });

  it('Concat joins inputs and constants along a normalized axis', () => {
    const r = convertOne(node('Concat', ['x', 'c'], ['y'], { axis: -1 }), {
      inputs: x234,
      outputs: [valueInfo('y', 'float32', [2, 3, 5])],
      initializers: { c: makeTensor('float32', [2, 3, 1], new Float32Array(6)) },
    });
    expect(r.types).toEqual(['concat']);
    expect(r.param(r.ops[0]!, 'axis')).toEqual([2]);
    expect(r.ops[0]!.inputs['values']).toHaveLength(2);
  });

  it('Split takes sizes from the input at opset 13 and names outputs after ONNX', () => {
    const r = convertOne(node('Split', ['x', 's'], ['a', 'b'], { axis: 2 }), {
      inputs: x234,
      outputs: [valueInfo('a', 'float32', [2, 3, 1]), valueInfo('b', 'float32', [2, 3, 3])],
      initializers: { s: i64([1, 3]) },
      opset: 13,
    });
    expect(r.types).toEqual(['split']);
    expect(r.param(r.ops[0]!, 'split_sizes')).toEqual([1, 3]);
    expect(r.fn.block.outputs).toEqual(['a', 'b']);
  });

  it('Split with num_outputs (opset 18) splits unevenly like ONNX', () => {
    const r = convertOne(node('Split', ['x'], ['a', 'b'], { axis: 1, num_outputs: 2 }), {
      inputs: x234,
      outputs: [valueInfo('a', 'float32', [2, 2, 4]), valueInfo('b', 'float32', [2, 1, 4])],
      opset: 18,
    });
    expect(r.param(r.ops[0]!, 'split_sizes')).toEqual([2, 1]);
  });

  it('Cast to int64 becomes a cast to int32', () => {
    const r = convertOne(node('Cast', ['x'], ['y'], { to: 7 }), { inputs: x234, outputs: [valueInfo('y', 'int64', [2, 3, 4])] });
    expect(r.types).toEqual(['cast']);
    expect(r.result.model.outputs[0]!.type.dtype).toBe('int32');
  });

  it('Shape of a symbolic input uses the shape op, sliced by start/end', () => {
    const r = convertOne(node('Shape', ['x'], ['s'], { start: 1 }), { inputs: [valueInfo('x', 'float32', ['n', 3, 4])], outputs: [valueInfo('s', 'int64', [2])] });
    expect(r.types).toEqual(['shape', 'slice_by_index']);
  });

  it('Identity and Dropout forward their input, leaving one identity for the graph output', () => {
    const r = convertOne(node('Dropout', ['x'], ['y']), { inputs: x234, outputs: [valueInfo('y', 'float32', [2, 3, 4])] });
    expect(r.types).toEqual(['identity']);
    expect(r.fn.block.outputs).toEqual(['y']);
  });

  it('Dropout in training mode with a non-zero ratio is refused as random', () => {
    expect(() =>
      convertOne(node('Dropout', ['x', 'ratio', 'training'], ['y']), {
        inputs: x234,
        outputs: [valueInfo('y', 'float32', [2, 3, 4])],
        initializers: { ratio: makeTensor('float32', [], new Float32Array([0.5])), training: makeTensor('bool', [], new Uint8Array([1])) },
      }),
    ).toThrowError(ConversionError);
  });
});
