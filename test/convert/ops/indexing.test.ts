import { describe, expect, it } from 'vitest';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { convertOnnxModel } from '../../../src/convert/index.js';
import { mainFunction } from '../../../src/mil/ir.js';
import { runModel } from '../../../src/runtime/interpreter.js';
import { model, node, valueInfo } from '../../helpers/onnx-graph.js';
import { convertOne } from './convert-one.js';

const i64 = (values: (number | bigint)[], shape = [values.length]): Tensor => makeTensor('int64', shape, BigInt64Array.from(values.map((v) => BigInt(v))));
const INT64_MAX = 9223372036854775807n;
const x234 = [valueInfo('x', 'float32', [2, 3, 4])];

describe('indexing converters', () => {
  it('Slice resolves static bounds and masks untouched axes', () => {
    const r = convertOne(node('Slice', ['x', 's', 'e', 'a'], ['y']), {
      inputs: x234,
      outputs: [valueInfo('y', 'float32', [2, 3, 3])],
      initializers: { s: i64([1]), e: i64([INT64_MAX]), a: i64([-1]) },
    });
    const op = r.ops[0]!;
    expect(op.type).toBe('slice_by_index');
    expect(r.param(op, 'begin')).toEqual([0, 0, 1]);
    expect(r.param(op, 'end')).toEqual([0, 0, 4]);
    expect(r.param(op, 'begin_mask')).toEqual([1, 1, 0]);
    expect(r.param(op, 'end_mask')).toEqual([1, 1, 0]);
  });

  it('Slice with a negative step to the start masks the end', () => {
    const r = convertOne(node('Slice', ['x', 's', 'e', 'a', 'st'], ['y']), {
      inputs: x234,
      outputs: [valueInfo('y', 'float32', [2, 3, 4])],
      initializers: { s: i64([-1]), e: i64([-INT64_MAX]), a: i64([2]), st: i64([-1]) },
    });
    const op = r.ops[0]!;
    expect(r.param(op, 'begin')).toEqual([0, 0, 3]);
    expect(r.param(op, 'stride')).toEqual([1, 1, -1]);
    expect(r.param(op, 'end_mask')).toEqual([1, 1, 1]);
  });

  it('Slice reads attributes before opset 10', () => {
    const r = convertOne(node('Slice', ['x'], ['y'], { starts: [0], ends: [1], axes: [1] }), { inputs: x234, outputs: [valueInfo('y', 'float32', [2, 1, 4])], opset: 9 });
    expect(r.param(r.ops[0]!, 'end')).toEqual([0, 1, 0]);
  });

  it('Slice with run-time bounds of unknown length is refused, naming the node', () => {
    expect(() =>
      convertOne(node('Slice', ['x', 's', 'e'], ['y']), {
        inputs: [...x234, valueInfo('s', 'int64', [null])],
        outputs: [valueInfo('y', 'float32', [null, 3, 4])],
        initializers: { e: i64([2]) },
      }),
    ).toThrowError(/Slice_y.*length of input 1 must be static/);
  });

  it('Gather normalizes negative constant indices and squeezes a scalar index', () => {
    const r = convertOne(node('Gather', ['x', 'i'], ['y'], { axis: 1 }), { inputs: x234, outputs: [valueInfo('y', 'float32', [2, 4])], initializers: { i: i64([-1], []) } });
    expect(r.types).toEqual(['expand_dims', 'gather', 'squeeze']);
    const expand = r.ops[0]!;
    expect(r.param(expand, 'x')).toEqual([2]);
  });

  it('Gather guards run-time indices against negatives from iOS17', () => {
    const io = { inputs: [...x234, valueInfo('i', 'int64', [2])], outputs: [valueInfo('y', 'float32', [2, 2, 4])] };
    const old = convertOne(node('Gather', ['x', 'i'], ['y'], { axis: 1 }), { ...io, target: 'iOS16' });
    expect(old.types).toEqual(['gather']);
    const r = convertOne(node('Gather', ['x', 'i'], ['y'], { axis: 1 }), { ...io, target: 'iOS17' });
    expect(r.types).toEqual(['greater_equal', 'add', 'select', 'gather']);
  });

  it('Gather reads the size of a dim unknown at conversion time to wrap a negative index', () => {
    const m = model({
      nodes: [node('Gather', ['x', 'i'], ['y'], { axis: 1 })],
      inputs: [valueInfo('x', 'float32', [2, 'seq'])],
      outputs: [valueInfo('y', 'float32', [2])],
      initializers: { i: i64([-1], []) },
    });
    const converted = convertOnnxModel(m, { target: 'iOS17', precision: 'fp32' });
    const ops = mainFunction(converted.model.program).block.operations.map((o) => o.type);
    expect(ops).toContain('shape');
    expect(ops).toContain('select');
    const xName = converted.model.inputs[0]!.name;
    const out = runModel(converted.model, { [xName]: makeTensor('float32', [2, 3], Float32Array.from([1, 2, 3, 4, 5, 6])) });
    expect(Array.from(Object.values(out)[0]!.data as Float32Array)).toEqual([3, 6]);
  });

  it('Expand adds leading dims and tiles the size-1 dims', () => {
    const r = convertOne(node('Expand', ['x', 's'], ['y']), {
      inputs: [valueInfo('x', 'float32', [3, 1])],
      outputs: [valueInfo('y', 'float32', [2, 3, 4])],
      initializers: { s: i64([2, 1, 4]) },
    });
    expect(r.types).toEqual(['expand_dims', 'tile']);
    expect(r.param(r.ops[1]!, 'reps')).toEqual([2, 1, 4]);
  });

  it('Expand of a bool tensor to a run-time shape broadcasts through int32', async () => {
    const r = convertOne(node('Expand', ['x', 's'], ['y']), {
      inputs: [valueInfo('x', 'bool', [1, 3]), valueInfo('s', 'int64', [2])],
      outputs: [valueInfo('y', 'bool', [null, null])],
    });
    const add = r.ops.find((o) => o.type === 'add')!;
    expect(add.outputs[0]!.type.dtype).toBe('int32');
    expect(r.types.slice(r.types.indexOf('add'))).toContain('cast');
  });

  it('Expand of a dim of unknown size to a static target broadcasts against the target', () => {
    const r = convertOne(node('Expand', ['x', 's'], ['y']), {
      inputs: [valueInfo('x', 'float32', [null, 1])],
      outputs: [valueInfo('y', 'float32', [4, 3])],
      initializers: { s: i64([4, 3]) },
    });
    expect(r.types).toEqual(['fill', 'add']);
    expect(r.param(r.ops[0]!, 'shape')).toEqual([4, 3]);
  });

  it('Expand to a run-time shape adds zeros of that shape', () => {
    const r = convertOne(node('Expand', ['x', 's'], ['y']), {
      inputs: [valueInfo('x', 'float32', [3, 1]), valueInfo('s', 'int64', [2])],
      outputs: [valueInfo('y', 'float32', [3, null])],
    });
    expect(r.types).toEqual(['fill', 'add']);
  });

  it('Tile passes constant repeats', () => {
    const r = convertOne(node('Tile', ['x', 'r'], ['y']), { inputs: x234, outputs: [valueInfo('y', 'float32', [2, 6, 4])], initializers: { r: i64([1, 2, 1]) } });
    expect(r.param(r.ops[0]!, 'reps')).toEqual([1, 2, 1]);
  });

  it('ConstantOfShape with a run-time shape becomes fill with the narrowed value', () => {
    const r = convertOne(node('ConstantOfShape', ['s'], ['y'], { value: i64([7], [1]) }), {
      inputs: [valueInfo('s', 'int64', [2])],
      outputs: [valueInfo('y', 'int64', [null, null])],
    });
    expect(r.types).toEqual(['fill']);
    expect(r.param(r.ops[0]!, 'value')).toEqual([7]);
  });

  it('Range with a run-time limit becomes range_1d', () => {
    const r = convertOne(node('Range', ['a', 'n', 'd'], ['y']), {
      inputs: [valueInfo('n', 'int64', [])],
      outputs: [valueInfo('y', 'int64', [null])],
      initializers: { a: i64([0], []), d: i64([1], []) },
    });
    expect(r.types).toContain('range_1d');
  });

  it('refuses Gather with an out-of-range int64 constant rather than wrapping it', () => {
    expect(() =>
      convertOne(node('Gather', ['x', 'i'], ['y']), { inputs: x234, outputs: [valueInfo('y', 'float32', [1, 3, 4])], initializers: { i: i64([2n ** 40n]) } }),
    ).toThrowError(/"i".*int32 range/);
  });
});
