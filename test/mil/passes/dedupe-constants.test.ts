import { describe, expect, it } from 'vitest';
import { milConst } from '../../../src/mil/builder.js';
import { dedupeConstants } from '../../../src/mil/passes/dedupe-constants.js';
import { makeTensor } from '../../../src/tensor/tensor.js';
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
});
