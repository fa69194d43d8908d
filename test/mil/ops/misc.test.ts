import { describe, expect, it } from 'vitest';
import { MilBuilder, MilBuildError, milConst } from '../../../src/mil/builder.js';
import { dtypeFromMilName, milDTypeName } from '../../../src/mil/ops/misc.js';
import { MilShapeError } from '../../../src/mil/ops/elementwise.js';

describe('cast', () => {
  it('takes its output dtype from the dtype string', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'float32', shape: [1, 3] });
    const y = b.op1('cast', { x, dtype: milConst.str('fp16') });
    expect(b.typeOf(y)).toEqual({ dtype: 'float16', shape: [1, 3] });
  });

  it('allows the narrow integer types only from iOS17', () => {
    const old = new MilBuilder('iOS16');
    const x = old.addInput('x', { dtype: 'int32', shape: [2] });
    expect(() => old.op1('cast', { x, dtype: milConst.str('int8') })).toThrow(MilShapeError);
    const ios17 = new MilBuilder('iOS17');
    const y = ios17.addInput('x', { dtype: 'int32', shape: [2] });
    expect(ios17.typeOf(ios17.op1('cast', { x: y, dtype: milConst.str('int8') })).dtype).toBe('int8');
  });

  it('requires a constant dtype', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'int32', shape: [2] });
    const s = b.addInput('s', { dtype: 'string', shape: [] });
    expect(() => b.op1('cast', { x, dtype: s })).toThrow(MilBuildError);
  });
});

describe('identity', () => {
  it('passes any dtype through', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'bool', shape: [null] });
    expect(b.typeOf(b.op1('identity', { x }))).toEqual({ dtype: 'bool', shape: [null] });
  });
});

describe('MIL dtype names', () => {
  it('round-trip between DType and the MIL spelling', () => {
    expect(milDTypeName('float16')).toBe('fp16');
    expect(dtypeFromMilName('fp32')).toBe('float32');
    expect(dtypeFromMilName('nope')).toBeUndefined();
  });
});
