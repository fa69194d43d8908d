import { describe, expect, it } from 'vitest';
import { milConst } from '../../../src/mil/builder.js';
import { dedupeConstants } from '../../../src/mil/passes/dedupe-constants.js';
import { onDemandTensor } from '../../../src/tensor/on-demand.js';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { buildProgram, opsOf } from './helpers.js';

describe('dedupeConstants', () => {
  it('shares constants with the same dtype, shape and values', () => {
    const program = buildProgram('iOS15', (b) => {
      const x = b.addInput('x', { dtype: 'float32', shape: [2] });
      const a = b.op1('add', { x, y: milConst.floats([1, 2]) });
      return [b.op1('mul', { x: a, y: milConst.floats([1, 2]) })];
    });
    expect(dedupeConstants(program)).toBe(1);
    const ops = opsOf(program);
    const consts = ops.filter((o) => o.type === 'const');
    expect(consts).toHaveLength(1);
    const mul = ops.find((o) => o.type === 'mul')!;
    expect(mul.inputs['y']).toEqual([{ kind: 'name', name: consts[0]!.outputs[0]!.name }]);
  });

  it('keeps constants that differ in dtype, shape or value', () => {
    const program = buildProgram('iOS15', (b) => {
      const x = b.addInput('x', { dtype: 'float32', shape: [2] });
      const a = b.op1('add', { x, y: milConst.floats([1, 2]) });
      const c = b.op1('add', { x: a, y: milConst.floats([1, 3]) });
      const d = b.op1('add', { x: c, y: makeTensor('float32', [1, 2], Float32Array.from([1, 2])) });
      return [b.op1('cast', { x: d, dtype: milConst.str('int32') })];
    });
    expect(dedupeConstants(program)).toBe(0);
  });

  it('never removes a constant that is a block output', () => {
    const program = buildProgram('iOS15', (b) => {
      const first = b.const(milConst.floats([5]), 'first');
      const second = b.const(milConst.floats([5]), 'second');
      return [first, second];
    });
    expect(dedupeConstants(program)).toBe(0);
  });

  it('compares constants made on demand by one one-to-one function through their sources, without making either', () => {
    const source = (seed: number) => makeTensor('float32', [12], Float32Array.from({ length: 12 }, (_, i) => i * seed));
    let made = 0;
    const reversed = (t: Tensor) => onDemandTensor('float32', [12], () => (made++, Float32Array.from(t.data as Float32Array).reverse()), { of: t, by: 'reverse' });
    const program = buildProgram('iOS15', (b) => {
      const x = b.addInput('x', { dtype: 'float32', shape: [12] });
      return [b.op1('add', { x, y: reversed(source(1)) }), b.op1('add', { x, y: reversed(source(1)) }), b.op1('add', { x, y: reversed(source(2)) })];
    });
    expect(dedupeConstants(program)).toBe(1);
    expect(made).toBe(0);
  });
});
