import { describe, expect, it } from 'vitest';
import { MilBuilder, milConst } from '../../../src/mil/builder.js';
import { REDUCE_OPS } from '../../../src/mil/ops/reduce.js';

function builder(target: 'iOS15' | 'iOS17' = 'iOS15'): { b: MilBuilder; x: string } {
  const b = new MilBuilder(target);
  return { b, x: b.addInput('x', { dtype: 'float32', shape: [2, 3, 4] }) };
}

describe('MIL reduction op definitions', () => {
  it.each(REDUCE_OPS)('%s drops reduced axes unless keep_dims', (op) => {
    const { b, x } = builder();
    expect(b.typeOf(b.op1(op, { x, axes: milConst.ints([-1]) })).shape).toEqual([2, 3]);
    expect(b.typeOf(b.op1(op, { x, axes: milConst.ints([0, 2]), keep_dims: milConst.bool(true) })).shape).toEqual([1, 3, 1]);
  });

  it('reduces every axis when axes are omitted', () => {
    const { b, x } = builder();
    expect(b.typeOf(b.op1('reduce_sum', { x })).shape).toEqual([]);
  });

  it('rejects bool input', () => {
    const b = new MilBuilder('iOS15');
    const flag = b.addInput('flag', { dtype: 'bool', shape: [2] });
    expect(() => b.op1('reduce_max', { x: flag })).toThrowError(/dtype bool/);
  });

  it('argmax returns int32 indices; output_dtype exists only from iOS17', () => {
    const { b, x } = builder();
    expect(b.typeOf(b.op1('reduce_argmax', { x, axis: milConst.int(1) }))).toEqual({ dtype: 'int32', shape: [2, 4] });
    expect(() => b.op1('reduce_argmin', { x, output_dtype: milConst.str('int32') })).toThrowError(/no parameter "output_dtype"/);
    const { b: b17, x: x17 } = builder('iOS17');
    expect(b17.typeOf(b17.op1('reduce_argmin', { x: x17, keep_dims: milConst.bool(true), output_dtype: milConst.str('uint16') }))).toEqual({ dtype: 'uint16', shape: [2, 3, 1] });
  });
});
