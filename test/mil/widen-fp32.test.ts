import { describe, expect, it } from 'vitest';
import { mainFunction, walkOperations } from '../../src/mil/ir.js';
import { applyFp16ComputePrecision } from '../../src/mil/passes/fp16.js';
import { widenedToFp32 } from '../../src/mil/passes/widen-fp32.js';
import { runProgram } from '../../src/runtime/interpreter.js';
import { f32, op, program, v } from '../runtime/build.js';

describe('widenedToFp32', () => {
  // 300² = 90000 and 260² = 67600 overflow fp16: the fp16 program returns +inf, its widened copy the true square.
  const squares = () => program([v('x', 'float32', [3])], [op('mul', { x: 'x', y: 'x' }, [v('y', 'float32', [3])])], ['y']);

  it('computes the fp16 program in fp32 with the same ops and names, leaving the original untouched', () => {
    const fp16 = squares();
    applyFp16ComputePrecision(fp16);
    const widened = widenedToFp32(fp16);
    const names = (p: typeof fp16) => [...walkOperations(mainFunction(p).block)].map((o) => `${o.type}:${o.outputs[0]!.name}`);
    expect(names(widened)).toEqual(names(fp16));
    for (const o of walkOperations(mainFunction(widened).block)) for (const out of o.outputs) expect(out.type.dtype).not.toBe('float16');
    const x = { x: f32([3], [2, 300, -260]) };
    expect(Array.from(runProgram(fp16, x)['y']!.data as Float32Array)).toEqual([4, Infinity, Infinity]);
    expect(Array.from(runProgram(widened, x)['y']!.data as Float32Array)).toEqual([4, 90000, 67600]);
    expect([...walkOperations(mainFunction(fp16).block)].some((o) => o.outputs.some((out) => out.type.dtype === 'float16'))).toBe(true);
  });
});
