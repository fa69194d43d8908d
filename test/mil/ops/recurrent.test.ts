import { describe, expect, it } from 'vitest';
import { MilBuilder, milConst } from '../../../src/mil/builder.js';
import { makeTensor } from '../../../src/tensor/tensor.js';

function lstmArgs(b: MilBuilder, dtype: 'float32' | 'float16', H = 4, I = 3) {
  return {
    x: b.addInput('x', { dtype, shape: [5, 2, I] }),
    initial_h: b.addInput('h0', { dtype, shape: [2, H] }),
    initial_c: b.addInput('c0', { dtype, shape: [2, H] }),
    weight_ih: makeTensor(dtype, [4 * H, I]),
    weight_hh: makeTensor(dtype, [4 * H, H]),
  };
}

describe('MIL lstm', () => {
  it('returns the sequence, the last hidden state and the last cell state', () => {
    const b = new MilBuilder('iOS15');
    const outs = b.op('lstm', { ...lstmArgs(b, 'float32'), output_sequence: milConst.bool(true) }, { numOutputs: 3 });
    expect(outs.map((o) => b.typeOf(o).shape)).toEqual([[5, 2, 4], [2, 4], [2, 4]]);
  });
  it('returns one step when output_sequence is false', () => {
    const b = new MilBuilder('iOS15');
    const [seq] = b.op('lstm', lstmArgs(b, 'float32'), { numOutputs: 3 });
    expect(b.typeOf(seq!).shape).toEqual([1, 2, 4]);
  });
  it('is fp32-only in iOS15 and accepts fp16 from iOS17', () => {
    const b15 = new MilBuilder('iOS15');
    expect(() => b15.op('lstm', lstmArgs(b15, 'float16'), { numOutputs: 3 })).toThrow(/float16/);
    const b17 = new MilBuilder('iOS17');
    expect(() => b17.op('lstm', lstmArgs(b17, 'float16'), { numOutputs: 3 })).not.toThrow();
  });
  it('rejects weights that are not 4H tall', () => {
    const b = new MilBuilder('iOS15');
    const args = { ...lstmArgs(b, 'float32'), weight_ih: makeTensor('float32', [12, 3]) };
    expect(() => b.op('lstm', args, { numOutputs: 3 })).toThrow(/4\*H/);
  });
  it('rejects unknown activation names', () => {
    const b = new MilBuilder('iOS15');
    expect(() => b.op('lstm', { ...lstmArgs(b, 'float32'), activation: milConst.str('gelu') }, { numOutputs: 3 })).toThrow(/activation/);
  });
});

describe('MIL gru', () => {
  it('has reset_after only from iOS18', () => {
    const args = (b: MilBuilder) => ({
      x: b.addInput('x', { dtype: 'float32', shape: [5, 2, 3] }),
      initial_h: b.addInput('h0', { dtype: 'float32', shape: [2, 4] }),
      weight_ih: makeTensor('float32', [12, 3]),
      weight_hh: makeTensor('float32', [12, 4]),
      reset_after: milConst.bool(true),
    });
    const b17 = new MilBuilder('iOS17');
    expect(() => b17.op('gru', args(b17), { numOutputs: 2 })).toThrow(/reset_after/);
    const b18 = new MilBuilder('iOS18');
    expect(b18.op('gru', args(b18), { numOutputs: 2 })).toHaveLength(2);
  });
});
