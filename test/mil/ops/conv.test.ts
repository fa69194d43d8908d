import { describe, expect, it } from 'vitest';
import { MilBuilder, milConst } from '../../../src/mil/builder.js';
import { makeTensor } from '../../../src/tensor/tensor.js';

const weight = (shape: number[]) => makeTensor('float32', shape);

describe('MIL conv', () => {
  it('computes the output size of a strided, padded, dilated 2-D conv', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'float32', shape: [1, 3, 32, 32] });
    const y = b.op1('conv', {
      x,
      weight: weight([8, 3, 3, 3]),
      strides: milConst.ints([2, 2]),
      pad_type: milConst.str('custom'),
      pad: milConst.ints([1, 1, 1, 1]),
      dilations: milConst.ints([2, 2]),
    });
    // (32 + 2 - 5) / 2 + 1 = 15
    expect(b.typeOf(y)).toEqual({ dtype: 'float32', shape: [1, 8, 15, 15] });
  });

  it('gives ceil(in / stride) for pad_type same', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'float32', shape: [1, 4, 7] });
    const y = b.op1('conv', { x, weight: weight([6, 4, 4]), strides: milConst.ints([2]), pad_type: milConst.str('same') });
    expect(b.typeOf(y).shape).toEqual([1, 6, 4]);
  });

  it('checks depthwise channel counts against groups', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'float32', shape: [1, 8, 5, 5] });
    const y = b.op1('conv', { x, weight: weight([8, 1, 3, 3]), groups: milConst.int(8) });
    expect(b.typeOf(y).shape).toEqual([1, 8, 3, 3]);
    expect(() => b.op1('conv', { x, weight: weight([8, 1, 3, 3]) })).toThrow(/channels/);
  });

  it('rejects same_lower in an iOS15 program but accepts it from iOS16', () => {
    const args = (b: MilBuilder) => ({
      x: b.addInput('x', { dtype: 'float32', shape: [1, 1, 6, 6] }),
      weight: weight([1, 1, 2, 2]),
      pad_type: milConst.str('same_lower'),
    });
    const b15 = new MilBuilder('iOS15');
    expect(() => b15.op1('conv', args(b15))).toThrow(/same_lower/);
    const b16 = new MilBuilder('iOS16');
    expect(b16.typeOf(b16.op1('conv', args(b16))).shape).toEqual([1, 1, 6, 6]);
  });

  it('keeps the shape unknown where the input dim is unknown', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'float32', shape: [null, 3, null, 10] });
    const y = b.op1('conv', { x, weight: weight([2, 3, 3, 3]) });
    expect(b.typeOf(y).shape).toEqual([null, 2, null, 8]);
  });

  it('allows an fp32 weight with fp16 x only from iOS17', () => {
    const make = (target: 'iOS16' | 'iOS17') => {
      const b = new MilBuilder(target);
      const x = b.addInput('x', { dtype: 'float16', shape: [1, 3, 4, 4] });
      return () => b.op1('conv', { x, weight: weight([2, 3, 1, 1]) });
    };
    expect(make('iOS16')).toThrow(/float32/);
    expect(make('iOS17')).not.toThrow();
  });
});

describe('MIL conv_transpose', () => {
  it('grows the spatial dims by stride and crops custom pads', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'float32', shape: [1, 4, 5, 5] });
    const valid = b.op1('conv_transpose', { x, weight: weight([4, 2, 3, 3]), strides: milConst.ints([2, 2]), groups: milConst.int(2) });
    expect(b.typeOf(valid).shape).toEqual([1, 4, 11, 11]);
    const cropped = b.op1('conv_transpose', {
      x,
      weight: weight([4, 3, 3, 3]),
      strides: milConst.ints([2, 2]),
      pad_type: milConst.str('custom'),
      pad: milConst.ints([1, 0, 1, 1]),
    });
    expect(b.typeOf(cropped).shape).toEqual([1, 3, 10, 9]);
  });

  it('requires a constant weight before iOS17', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'float32', shape: [1, 2, 3, 3] });
    const w = b.addInput('w', { dtype: 'float32', shape: [2, 2, 3, 3] });
    expect(() => b.op1('conv_transpose', { x, weight: w })).toThrow(/constant/);
  });
});
