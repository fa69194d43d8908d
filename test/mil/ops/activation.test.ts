import { describe, expect, it } from 'vitest';
import { MilBuilder, MilBuildError, milConst } from '../../../src/mil/builder.js';
import { MilShapeError } from '../../../src/mil/ops/elementwise.js';
import { makeTensor } from '../../../src/tensor/tensor.js';

function fp16Input(target: 'iOS15' | 'iOS16' | 'iOS17' | 'iOS18', shape: (number | null)[]): [MilBuilder, string] {
  const b = new MilBuilder(target);
  return [b, b.addInput('x', { dtype: 'float16', shape })];
}

describe('activation MIL ops', () => {
  it('keep the type of x', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'float32', shape: [1, null, 8] });
    for (const op of ['relu', 'relu6', 'sigmoid', 'silu', 'softsign', 'softplus', 'tanh']) {
      expect(b.typeOf(b.op1(op, { x }))).toEqual({ dtype: 'float32', shape: [1, null, 8] });
    }
    expect(b.typeOf(b.op1('gelu', { x, mode: milConst.str('TANH_APPROXIMATION') })).shape).toEqual([1, null, 8]);
  });

  it('need alpha in the dtype of x before iOS17', () => {
    const [b, x] = fp16Input('iOS16', [4]);
    expect(() => b.op1('leaky_relu', { x, alpha: milConst.float(0.1) })).toThrow(MilBuildError);
    expect(b.typeOf(b.op1('leaky_relu', { x, alpha: milConst.float(0.1, 'float16') })).dtype).toBe('float16');
  });

  it('accept fp32 alpha and beta with fp16 x from iOS17', () => {
    const [b, x] = fp16Input('iOS17', [4]);
    const y = b.op1('sigmoid_hard', { x, alpha: milConst.float(0.2), beta: milConst.float(0.5) });
    expect(b.typeOf(y).dtype).toBe('float16');
  });

  it('require constant alpha', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'float32', shape: [4] });
    const a = b.addInput('a', { dtype: 'float32', shape: [] });
    expect(() => b.op1('elu', { x, alpha: a })).toThrow(MilBuildError);
  });

  it('prelu checks rank 3..5 and one slope per channel', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'float32', shape: [1, 3, 5] });
    expect(b.typeOf(b.op1('prelu', { x, alpha: milConst.floats([0.1, 0.2, 0.3]) })).shape).toEqual([1, 3, 5]);
    expect(() => b.op1('prelu', { x, alpha: milConst.floats([0.1, 0.2]) })).toThrow(MilShapeError);
    const flat = b.addInput('flat', { dtype: 'float32', shape: [3] });
    expect(() => b.op1('prelu', { x: flat, alpha: milConst.floats([0.1, 0.2, 0.3]) })).toThrow(MilShapeError);
  });

  it('softmax rejects an axis outside the rank', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'float32', shape: [2, 3] });
    expect(b.typeOf(b.op1('softmax', { x, axis: milConst.int(-1) })).shape).toEqual([2, 3]);
    expect(() => b.op1('softmax', { x, axis: milConst.int(2) })).toThrow(MilShapeError);
  });

  it('threshold accepts int32 but clip does not', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'int32', shape: [2] });
    expect(b.typeOf(b.op1('threshold', { x, alpha: makeTensor('int32', [], new Int32Array([0])) })).dtype).toBe('int32');
    const lo = makeTensor('int32', [], new Int32Array([0]));
    expect(() => b.op1('clip', { x, alpha: lo, beta: lo })).toThrow(MilBuildError);
  });
});

describe('activation parameter checks', () => {
  it('scalar parameters must be scalars', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'float32', shape: [4] });
    expect(() => b.op1('leaky_relu', { x, alpha: milConst.floats([0.1, 0.2]) })).toThrow(MilShapeError);
    expect(() => b.op1('clip', { x, alpha: milConst.floats([0]), beta: milConst.float(1) })).toThrow(MilShapeError);
  });

  it('gelu accepts only its three modes', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'float32', shape: [4] });
    expect(() => b.op1('gelu', { x, mode: milConst.str('FAST') })).toThrow(MilShapeError);
    expect(b.typeOf(b.op1('gelu', { x, mode: milConst.str('SIGMOID_APPROXIMATION') })).shape).toEqual([4]);
  });
});
