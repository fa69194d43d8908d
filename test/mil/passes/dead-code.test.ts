import { describe, expect, it } from 'vitest';
import { milConst } from '../../../src/mil/builder.js';
import { eliminateDeadCode } from '../../../src/mil/passes/dead-code.js';
import { buildProgram, opTypes } from './helpers.js';

describe('eliminateDeadCode', () => {
  it('removes unread ops and the constants only they read, transitively', () => {
    const program = buildProgram('iOS15', (b) => {
      const x = b.addInput('x', { dtype: 'float32', shape: [2] });
      const unused = b.op1('mul', { x, y: milConst.float(3) });
      b.op1('exp', { x: unused });
      return [b.op1('relu', { x })];
    });
    expect(eliminateDeadCode(program)).toBe(3);
    expect(opTypes(program)).toEqual(['relu']);
  });

  it('keeps everything that reaches an output', () => {
    const program = buildProgram('iOS15', (b) => {
      const x = b.addInput('x', { dtype: 'float32', shape: [2] });
      return [b.op1('add', { x, y: milConst.float(1) })];
    });
    expect(eliminateDeadCode(program)).toBe(0);
    expect(opTypes(program)).toEqual(['const', 'add']);
  });

  it('keeps ops without outputs, which exist for their effect', () => {
    const program = buildProgram('iOS15', (b) => [b.addInput('x', { dtype: 'float32', shape: [1] })]);
    program.functions['main']!.block.operations.push({
      type: 'write_state', name: 'w', inputs: {}, outputs: [], attributes: {}, blocks: [],
    });
    expect(eliminateDeadCode(program)).toBe(0);
  });
});
