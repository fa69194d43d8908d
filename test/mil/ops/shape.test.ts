import { describe, expect, it } from 'vitest';
import { MilBuilder, milConst } from '../../../src/mil/builder.js';
import { validateProgram } from '../../../src/mil/validate.js';
import { makeTensor } from '../../../src/tensor/tensor.js';

function builder(target: 'iOS15' | 'iOS16' | 'iOS17' = 'iOS15'): { b: MilBuilder; x: string } {
  const b = new MilBuilder(target);
  const x = b.addInput('x', { dtype: 'float32', shape: [2, 3, 4] });
  return { b, x };
}

const bools = (v: number[]) => makeTensor('bool', [v.length], Uint8Array.from(v));

describe('MIL shape op definitions', () => {
  it('reshape infers -1 and, before iOS17, copies 0 only when the target has the input rank', () => {
    const { b, x } = builder();
    expect(b.typeOf(b.op1('reshape', { x, shape: milConst.ints([0, 0, -1]) })).shape).toEqual([2, 3, 4]);
    expect(() => b.op1('reshape', { x, shape: milConst.ints([0, -1]) })).toThrowError(/len\(shape\) == rank/);
  });

  it('reshape gives unknown dims for a run-time shape of known length', () => {
    const { b, x } = builder();
    const s = b.op1('shape', { x });
    expect(b.typeOf(b.op1('reshape', { x, shape: s })).shape).toEqual([null, null, null]);
  });

  it('reshape with a static target yields that shape', () => {
    const { b, x } = builder();
    expect(b.typeOf(b.op1('reshape', { x, shape: milConst.ints([6, -1]) })).shape).toEqual([6, 4]);
  });

  it('iOS17 reshape copies 0 right-aligned', () => {
    const { b, x } = builder('iOS17');
    expect(b.typeOf(b.op1('reshape', { x, shape: milConst.ints([-1, 0]) })).shape).toEqual([6, 4]);
  });

  it('expand_dims, squeeze and transpose compute their shapes', () => {
    const { b, x } = builder();
    const e = b.op1('expand_dims', { x, axes: milConst.ints([0, -1]) });
    expect(b.typeOf(e).shape).toEqual([1, 2, 3, 4, 1]);
    expect(b.typeOf(b.op1('squeeze', { x: e, axes: milConst.ints([0]) })).shape).toEqual([2, 3, 4, 1]);
    expect(b.typeOf(b.op1('squeeze', { x: e })).shape).toEqual([2, 3, 4]);
    expect(b.typeOf(b.op1('transpose', { x, perm: milConst.ints([2, 0, 1]) })).shape).toEqual([4, 2, 3]);
  });

  it('transpose requires a constant perm', () => {
    const { b, x } = builder();
    const perm = b.op1('shape', { x });
    expect(() => b.op1('transpose', { x, perm })).toThrowError(/must be a constant/);
  });

  it('slice_by_index honours strides and masks', () => {
    const { b, x } = builder();
    const out = b.op1('slice_by_index', {
      x,
      begin: milConst.ints([0, 2, 1]),
      end: milConst.ints([0, 0, 4]),
      stride: milConst.ints([1, -1, 2]),
      begin_mask: bools([1, 0, 0]),
      end_mask: bools([1, 1, 0]),
      squeeze_mask: bools([0, 0, 0]),
    });
    expect(b.typeOf(out).shape).toEqual([2, 3, 2]);
  });

  it('slice_by_index drops squeezed dims', () => {
    const { b, x } = builder();
    const out = b.op1('slice_by_index', { x, begin: milConst.ints([1, 0, 0]), end: milConst.ints([2, 3, 4]), squeeze_mask: bools([1, 0, 0]) });
    expect(b.typeOf(out).shape).toEqual([3, 4]);
  });

  it('slice_by_size reads -1 as to the end', () => {
    const { b, x } = builder();
    expect(b.typeOf(b.op1('slice_by_size', { x, begin: milConst.ints([0, 1, 0]), size: milConst.ints([1, -1, 2]) })).shape).toEqual([1, 2, 2]);
  });

  it('concat adds the axis, stack inserts one', () => {
    const { b, x } = builder();
    expect(b.typeOf(b.op1('concat', { values: [x, x], axis: milConst.int(1) })).shape).toEqual([2, 6, 4]);
    expect(b.typeOf(b.op1('stack', { values: [x, x], axis: milConst.int(0) })).shape).toEqual([2, 2, 3, 4]);
  });

  it('split gives one output per size', () => {
    const { b, x } = builder();
    const outs = b.op('split', { x, split_sizes: milConst.ints([1, 3]), axis: milConst.int(2) }, { numOutputs: 2 });
    expect(outs.map((o) => b.typeOf(o).shape)).toEqual([[2, 3, 1], [2, 3, 3]]);
    const even = b.op('split', { x, num_splits: milConst.int(2), axis: milConst.int(2) }, { numOutputs: 2 });
    expect(even.map((o) => b.typeOf(o).shape)).toEqual([[2, 3, 2], [2, 3, 2]]);
  });

  it('tile, flatten2d, shape, range_1d and fill compute their types', () => {
    const { b, x } = builder();
    expect(b.typeOf(b.op1('tile', { x, reps: milConst.ints([1, 2, 3]) })).shape).toEqual([2, 6, 12]);
    expect(b.typeOf(b.op1('flatten2d', { x, axis: milConst.int(2) })).shape).toEqual([6, 4]);
    expect(b.typeOf(b.op1('shape', { x }))).toEqual({ dtype: 'int32', shape: [3] });
    expect(b.typeOf(b.op1('range_1d', { end: milConst.int(10), start: milConst.int(1), step: milConst.int(3) }))).toEqual({ dtype: 'int32', shape: [3] });
    expect(b.typeOf(b.op1('fill', { shape: milConst.ints([2, 2]), value: milConst.float(1) }))).toEqual({ dtype: 'float32', shape: [2, 2] });
  });

  it('gather replaces the axis by the indices shape; batch_dims exists only from iOS16', () => {
    const { b, x } = builder();
    const idx = milConst.ints([0, 1, 1, 0, 2]);
    expect(b.typeOf(b.op1('gather', { x, indices: idx, axis: milConst.int(1) })).shape).toEqual([2, 5, 4]);
    expect(() => b.op1('gather', { x, indices: idx, batch_dims: milConst.int(0) })).toThrowError(/no parameter "batch_dims"/);
    const { b: b16, x: x16 } = builder('iOS16');
    expect(() => b16.op1('gather', { x: x16, indices: idx, batch_dims: milConst.int(0) })).not.toThrow();
  });

  it('gather_along_axis takes the indices shape; gather_nd indexes with the last dim', () => {
    const { b, x } = builder();
    const idx = b.const(makeTensor('int32', [2, 3, 1], new Int32Array(6)));
    expect(b.typeOf(b.op1('gather_along_axis', { x, indices: idx, axis: milConst.int(2) })).shape).toEqual([2, 3, 1]);
    const nd = b.const(makeTensor('int32', [5, 2], new Int32Array(10)));
    expect(b.typeOf(b.op1('gather_nd', { x, indices: nd })).shape).toEqual([5, 4]);
  });
});

describe('reshape_like (iOS16) and fill_like (iOS16), on the shapes of Apple\'s iOS16 tests', () => {
  /** x reshaped like slices of two reference tensors, as Apple's TestReshapeLike cases. */
  function reshapeLike(target: 'iOS16' | 'iOS17', x: number[], refs: [number[], number[]], begins: number[], ends: number[], masks: boolean[], dtype: 'float32' | 'int8' = 'float32') {
    const b = new MilBuilder(target);
    const input = b.addInput('x', { dtype, shape: x });
    const refTensors = refs.map((shape, i) => b.addInput(`ref_${i}`, { dtype: 'bool', shape }));
    const args = { x: input, ref_tensors: refTensors, begins: begins.map(milConst.int), ends: ends.map(milConst.int), end_masks: masks.map(milConst.bool) };
    const y = b.op1('reshape_like', args);
    return { type: b.typeOf(y), problems: validateProgram({ functions: { main: b.finish([y]) } }) };
  }

  it('joins the slices ref[begin:end] (or ref[begin:] under end_mask): [4, 3] like [2, 2, 3][0:2] + [1, 3][1:2] is [2, 2, 3]', () => {
    const { type, problems } = reshapeLike('iOS16', [4, 3], [[2, 2, 3], [1, 3]], [0, 1], [2, 2], [false, false]);
    expect(type).toEqual({ dtype: 'float32', shape: [2, 2, 3] });
    expect(problems).toEqual([]);
  });

  it('[32] like [1, 2, 2, 2][1:] + [3, 2, 2][1:] is [2, 2, 2, 2, 2]; [72, 1] like [1, 2, 3, 4, 1][1:] + [3][0:1] is [2, 3, 4, 1, 3]', () => {
    expect(reshapeLike('iOS16', [32], [[1, 2, 2, 2], [3, 2, 2]], [1, 1], [0, 0], [true, true]).type.shape).toEqual([2, 2, 2, 2, 2]);
    expect(reshapeLike('iOS16', [72, 1], [[1, 2, 3, 4, 1], [3]], [1, 0], [0, 1], [true, false]).type.shape).toEqual([2, 3, 4, 1, 3]);
  });

  it('refuses a shape holding another element count, and int8 before iOS17', () => {
    expect(() => reshapeLike('iOS16', [5, 3], [[2, 2, 3], [1, 3]], [0, 1], [2, 2], [false, false])).toThrow(/15 elements/);
    expect(() => reshapeLike('iOS16', [4, 3], [[2, 2, 3], [1, 3]], [0, 1], [2, 2], [false, false], 'int8')).toThrow(/dtype int8/);
    expect(reshapeLike('iOS17', [4, 3], [[2, 2, 3], [1, 3]], [0, 1], [2, 2], [false, false], 'int8').type).toEqual({ dtype: 'int8', shape: [2, 2, 3] });
  });

  it('fill_like takes ref_tensor\'s shape and value\'s dtype: an int32 [2, 1, 3] filled with 1.0 is fp32 [2, 1, 3]', () => {
    const b = new MilBuilder('iOS16');
    const ref = b.addInput('ref', { dtype: 'int32', shape: [2, 1, null] });
    expect(b.typeOf(b.op1('fill_like', { ref_tensor: ref, value: milConst.float(1) }))).toEqual({ dtype: 'float32', shape: [2, 1, null] });
    expect(b.typeOf(b.op1('fill_like', { ref_tensor: ref, value: milConst.int(7) }))).toEqual({ dtype: 'int32', shape: [2, 1, null] });
    expect(b.typeOf(b.op1('fill_like', { ref_tensor: ref }))).toEqual({ dtype: 'float32', shape: [2, 1, null] });
    const old = new MilBuilder('iOS15');
    expect(() => old.op1('fill_like', { ref_tensor: old.addInput('r', { dtype: 'int32', shape: [2] }) })).toThrow(/does not exist/);
  });
});
