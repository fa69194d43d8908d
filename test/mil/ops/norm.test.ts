import { describe, expect, it } from 'vitest';
import { MilBuilder, milConst } from '../../../src/mil/builder.js';
import { makeTensor } from '../../../src/tensor/tensor.js';

const vec = (n: number) => makeTensor('float32', [n]);

describe('MIL normalization ops', () => {
  it('keeps x shape for batch_norm with per-channel constants', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'float32', shape: [1, 4, 8, 8] });
    const y = b.op1('batch_norm', { x, mean: vec(4), variance: vec(4), gamma: vec(4), beta: vec(4), epsilon: milConst.float(1e-5) });
    expect(b.typeOf(y)).toEqual({ dtype: 'float32', shape: [1, 4, 8, 8] });
  });

  it('rejects batch_norm statistics of the wrong length', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'float32', shape: [1, 4, 8, 8] });
    expect(() => b.op1('batch_norm', { x, mean: vec(3), variance: vec(3) })).toThrow(/\[C\]/);
  });

  it('needs an fp16 epsilon with fp16 x in iOS15 but not in iOS17', () => {
    for (const [target, ok] of [['iOS15', false], ['iOS17', true]] as const) {
      const b = new MilBuilder(target);
      const x = b.addInput('x', { dtype: 'float16', shape: [1, 2, 3] });
      const run = () => b.op1('instance_norm', { x, epsilon: milConst.float(1e-5) });
      if (ok) expect(run).not.toThrow();
      else expect(run).toThrow(/float32/);
    }
  });

  it('checks layer_norm gamma against the normalized dims', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'float32', shape: [2, 5, 16] });
    const y = b.op1('layer_norm', { x, axes: milConst.ints([-1]), gamma: vec(16), beta: vec(16) });
    expect(b.typeOf(y).shape).toEqual([2, 5, 16]);
    expect(() => b.op1('layer_norm', { x, axes: milConst.ints([-1]), gamma: vec(5) })).toThrow(/gamma/);
    expect(() => b.op1('layer_norm', { x, axes: milConst.ints([3]) })).toThrow(/out of range/);
  });

  it('requires a constant size for local_response_norm', () => {
    const b = new MilBuilder('iOS15');
    const x = b.addInput('x', { dtype: 'float32', shape: [1, 6, 4, 4] });
    expect(b.typeOf(b.op1('local_response_norm', { x, size: milConst.int(3) })).shape).toEqual([1, 6, 4, 4]);
    expect(() => b.op1('local_response_norm', { x })).toThrow(/size/);
  });
});
