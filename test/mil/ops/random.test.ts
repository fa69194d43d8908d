import { describe, expect, it } from 'vitest';
import { MilBuilder, MilBuildError, milConst } from '../../../src/mil/builder.js';
import type { MilTensorType } from '../../../src/mil/ir.js';

/** Output types of the random ops, on the shapes of Apple's iOS14/test_random.py. */

function randomType(op: string, args: Record<string, unknown>): MilTensorType {
  const b = new MilBuilder('iOS15');
  return b.typeOf(b.op1(op, args as Record<string, never>));
}

describe('random_uniform, random_normal and random_bernoulli', () => {
  it('fill a constant shape, fp32 by default and in the dtype of their distribution parameters otherwise', () => {
    expect(randomType('random_uniform', { shape: milConst.ints([2, 3]), low: milConst.float(0), high: milConst.float(1) })).toEqual({ dtype: 'float32', shape: [2, 3] });
    expect(randomType('random_normal', { shape: milConst.ints([1]), mean: milConst.float(0, 'float16'), stddev: milConst.float(1, 'float16') })).toEqual({ dtype: 'float16', shape: [1] });
    expect(randomType('random_bernoulli', { shape: milConst.ints([3, 2, 4]), seed: milConst.int(5) })).toEqual({ dtype: 'float32', shape: [3, 2, 4] });
  });

  it('give as many unknown dims as a run-time shape has entries', () => {
    const b = new MilBuilder('iOS15');
    const shape = b.addInput('shape', { dtype: 'int32', shape: [3] });
    expect(b.typeOf(b.op1('random_normal', { shape }))).toEqual({ dtype: 'float32', shape: [null, null, null] });
    const unknownLength = b.addInput('n', { dtype: 'int32', shape: [null] });
    expect(() => b.op1('random_uniform', { shape: unknownLength })).toThrow(/length of a dynamic shape must be known/);
  });

  it('refuse parameters of two dtypes and a seed that is not int32', () => {
    expect(() => randomType('random_uniform', { shape: milConst.ints([2]), low: milConst.float(0), high: milConst.float(1, 'float16') })).toThrow(MilBuildError);
    expect(() => randomType('random_bernoulli', { shape: milConst.ints([2]), seed: milConst.float(1) })).toThrow(MilBuildError);
  });
});

describe('random_categorical', () => {
  it('draws size samples per row in x\'s dtype: [1] gives [1], [2, 10] with size 5 gives [2, 5]', () => {
    const b = new MilBuilder('iOS15');
    const one = b.addInput('one', { dtype: 'float32', shape: [1] });
    const rows = b.addInput('rows', { dtype: 'float16', shape: [2, 10] });
    expect(b.typeOf(b.op1('random_categorical', { x: one, seed: milConst.int(1) }))).toEqual({ dtype: 'float32', shape: [1] });
    expect(b.typeOf(b.op1('random_categorical', { x: rows, size: milConst.int(5), mode: milConst.str('probs') }))).toEqual({ dtype: 'float16', shape: [2, 5] });
  });

  it('refuses int32 logits and an unknown mode', () => {
    const b = new MilBuilder('iOS15');
    const ints = b.addInput('ints', { dtype: 'int32', shape: [1] });
    const x = b.addInput('x', { dtype: 'float32', shape: [3] });
    expect(() => b.op1('random_categorical', { x: ints })).toThrow(MilBuildError);
    expect(() => b.op1('random_categorical', { x, mode: milConst.str('counts') })).toThrow(/logits or probs/);
  });
});
