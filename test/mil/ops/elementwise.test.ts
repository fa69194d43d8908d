import { describe, expect, it } from 'vitest';
import { MilBuilder, MilBuildError, milConst } from '../../../src/mil/builder.js';
import { broadcastShapes, MilShapeError } from '../../../src/mil/ops/elementwise.js';
import { makeTensor } from '../../../src/tensor/tensor.js';

describe('broadcastShapes', () => {
  it('right-aligns shapes and stretches size-1 dims', () => {
    expect(broadcastShapes([2, 1, 4], [3, 1])).toEqual([2, 3, 4]);
    expect(broadcastShapes([], [5])).toEqual([5]);
  });

  it('keeps unknown dims unknown unless the other side fixes a size other than 1', () => {
    expect(broadcastShapes([null, 3], [1, 3])).toEqual([null, 3]);
    expect(broadcastShapes([null, 3], [7, 3])).toEqual([7, 3]);
    expect(broadcastShapes([null], [null])).toEqual([null]);
  });

  it('rejects incompatible static dims', () => {
    expect(() => broadcastShapes([2, 3], [4, 3])).toThrow(MilShapeError);
  });

  it('broadcasts three shapes at once (select)', () => {
    expect(broadcastShapes([1, 4], [3, 1], [4])).toEqual([3, 4]);
  });
});

describe('element-wise MIL ops', () => {
  it('add broadcasts x and y and keeps their dtype', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'float32', shape: [2, null, 4] });
    const y = b.op1('add', { x, y: makeTensor('float32', [4], new Float32Array(4)) });
    expect(b.typeOf(y)).toEqual({ dtype: 'float32', shape: [2, null, 4] });
  });

  it('comparisons produce bool', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'int32', shape: [3] });
    const y = b.op1('less', { x, y: makeTensor('int32', [], new Int32Array([1])) });
    expect(b.typeOf(y)).toEqual({ dtype: 'bool', shape: [3] });
  });

  it('rejects x and y of different dtypes', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'float16', shape: [3] });
    expect(() => b.op1('mul', { x, y: milConst.float(2) })).toThrow(MilBuildError);
  });

  it('rejects bool inputs to arithmetic and float-only unary ops on int32', () => {
    const b = new MilBuilder('iOS15');
    const m = b.addInput('m', { dtype: 'bool', shape: [3] });
    const i = b.addInput('i', { dtype: 'int32', shape: [3] });
    expect(() => b.op1('add', { x: m, y: m })).toThrow(MilBuildError);
    expect(() => b.op1('sqrt', { x: i })).toThrow(MilBuildError);
    expect(b.typeOf(b.op1('abs', { x: i })).dtype).toBe('int32');
  });

  it('logical ops take and give bool', () => {
    const b = new MilBuilder('iOS15');
    const m = b.addInput('m', { dtype: 'bool', shape: [2, 1] });
    const n = b.addInput('n', { dtype: 'bool', shape: [3] });
    expect(b.typeOf(b.op1('logical_xor', { x: m, y: n }))).toEqual({ dtype: 'bool', shape: [2, 3] });
    expect(b.typeOf(b.op1('logical_not', { x: m })).dtype).toBe('bool');
  });

  it('select broadcasts cond, a and b', () => {
    const b = new MilBuilder('iOS15');
    const c = b.addInput('c', { dtype: 'bool', shape: [4, 1] });
    const a = b.addInput('a', { dtype: 'float32', shape: [5] });
    const out = b.op1('select', { cond: c, a, b: milConst.float(0) });
    expect(b.typeOf(out)).toEqual({ dtype: 'float32', shape: [4, 5] });
  });

  it('inverse epsilon must match x before iOS17 and may differ from iOS17', () => {
    const old = new MilBuilder('iOS16');
    const x16 = old.addInput('x', { dtype: 'float16', shape: [2] });
    expect(() => old.op1('inverse', { x: x16, epsilon: milConst.float(0) })).toThrow(MilBuildError);
    const ios17 = new MilBuilder('iOS17');
    const y16 = ios17.addInput('x', { dtype: 'float16', shape: [2] });
    expect(ios17.typeOf(ios17.op1('inverse', { x: y16, epsilon: milConst.float(0) })).dtype).toBe('float16');
  });

  it('epsilon must be constant', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'float32', shape: [2] });
    const e = b.addInput('e', { dtype: 'float32', shape: [] });
    expect(() => b.op1('log', { x, epsilon: e })).toThrow(MilBuildError);
  });
});
