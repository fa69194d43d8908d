import { describe, expect, it } from 'vitest';
import { milConst } from '../../../src/mil/builder.js';
import { mainFunction } from '../../../src/mil/ir.js';
import { removeRedundantCasts } from '../../../src/mil/passes/redundant-casts.js';
import { validateProgram } from '../../../src/mil/validate.js';
import { buildProgram, opTypes, opsOf } from './helpers.js';

describe('removeRedundantCasts', () => {
  it('removes an fp16 → fp32 → fp16 round trip between fp16 ops', () => {
    const program = buildProgram('iOS16', (b) => {
      const x = b.addInput('x', { dtype: 'float16', shape: [2] });
      const r = b.op1('relu', { x });
      const wide = b.op1('cast', { x: r, dtype: milConst.str('fp32') });
      const narrow = b.op1('cast', { x: wide, dtype: milConst.str('fp16') });
      return [b.op1('exp', { x: narrow }, { name: 'y' })];
    });
    expect(removeRedundantCasts(program)).toBe(2);
    expect(opTypes(program).filter((t) => t !== 'const')).toEqual(['relu', 'exp']);
    expect(validateProgram(program)).toEqual([]);
  });

  it('keeps a narrowing round trip, which changes values (fp32 → fp16 → fp32)', () => {
    const program = buildProgram('iOS16', (b) => {
      const x = b.addInput('x', { dtype: 'float32', shape: [2] });
      const narrow = b.op1('cast', { x, dtype: milConst.str('fp16') });
      const wide = b.op1('cast', { x: narrow, dtype: milConst.str('fp32') });
      return [b.op1('exp', { x: wide })];
    });
    expect(removeRedundantCasts(program)).toBe(0);
  });

  it('removes a cast to the dtype its input already has', () => {
    const program = buildProgram('iOS15', (b) => {
      const x = b.addInput('x', { dtype: 'int32', shape: [2] });
      const same = b.op1('cast', { x, dtype: milConst.str('int32') });
      return [b.op1('abs', { x: same })];
    });
    expect(removeRedundantCasts(program)).toBe(1);
    const abs = opsOf(program).find((o) => o.type === 'abs')!;
    expect(abs.inputs['x']).toEqual([{ kind: 'name', name: 'x' }]);
  });

  it('lets a cast after a lossless widening read the source (bool → int32 → fp32)', () => {
    const program = buildProgram('iOS15', (b) => {
      const x = b.addInput('x', { dtype: 'float32', shape: [2] });
      const flag = b.op1('less', { x, y: milConst.float(0) });
      const asInt = b.op1('cast', { x: flag, dtype: milConst.str('int32') });
      return [b.op1('cast', { x: asInt, dtype: milConst.str('fp32') }, { name: 'y' })];
    });
    expect(removeRedundantCasts(program)).toBe(1);
    const last = opsOf(program).find((o) => o.outputs[0]?.name === 'y')!;
    expect(last.inputs['x']).toEqual([{ kind: 'name', name: 'less' }]);
  });

  it('keeps a cast whose output is a model output', () => {
    const program = buildProgram('iOS15', (b) => {
      const x = b.addInput('x', { dtype: 'float32', shape: [2] });
      return [b.op1('cast', { x, dtype: milConst.str('fp32') }, { name: 'y' })];
    });
    expect(removeRedundantCasts(program)).toBe(0);
    expect(mainFunction(program).block.outputs).toEqual(['y']);
  });
});
