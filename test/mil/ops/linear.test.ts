import { describe, expect, it } from 'vitest';
import { MilBuilder, milConst } from '../../../src/mil/builder.js';
import { matmulShape } from '../../../src/mil/ops/linear.js';
import { makeTensor } from '../../../src/tensor/tensor.js';

describe('MIL matmul shapes', () => {
  it('broadcasts batch dims of rank-4 operands', () => {
    expect(matmulShape([2, 1, 3, 4], [5, 4, 6], false, false)).toEqual([2, 5, 3, 6]);
  });
  it('promotes and then drops 1-D operands', () => {
    expect(matmulShape([4], [2, 4, 6], false, false)).toEqual([2, 6]);
    expect(matmulShape([2, 3, 4], [4], false, false)).toEqual([2, 3]);
    expect(matmulShape([4], [4], false, false)).toEqual([]);
  });
  it('applies transpose_x and transpose_y before matching the inner dim', () => {
    expect(matmulShape([4, 3], [6, 4], true, true)).toEqual([3, 6]);
    expect(() => matmulShape([4, 3], [6, 4], false, false)).toThrow(/inner dims/);
  });
  it('keeps unknown batch dims unknown', () => {
    expect(matmulShape([null, 3, 4], [4, 5], false, false)).toEqual([null, 3, 5]);
  });
});

describe('MIL linear and matmul ops', () => {
  it('maps [*, D_in] to [*, D_out] with a constant weight', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'float32', shape: [2, 7, 16] });
    const y = b.op1('linear', { x, weight: makeTensor('float32', [8, 16]), bias: makeTensor('float32', [8]) });
    expect(b.typeOf(y)).toEqual({ dtype: 'float32', shape: [2, 7, 8] });
  });
  it('rejects a weight whose D_in differs from x', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'float32', shape: [2, 15] });
    expect(() => b.op1('linear', { x, weight: makeTensor('float32', [8, 16]) })).toThrow(/features/);
  });
  it('types matmul from both operands', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'float32', shape: [1, 2, 3, 4] });
    const y = b.addInput('y', { dtype: 'float32', shape: [1, 2, 5, 4] });
    const z = b.op1('matmul', { x, y, transpose_y: milConst.bool(true) });
    expect(b.typeOf(z).shape).toEqual([1, 2, 3, 5]);
  });
});
