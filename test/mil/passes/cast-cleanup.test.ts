import { describe, expect, it } from 'vitest';
import type { MilBuilder } from '../../../src/mil/builder.js';
import { milConst } from '../../../src/mil/builder.js';
import type { MilProgram } from '../../../src/mil/ir.js';
import { removeRedundantCasts } from '../../../src/mil/passes/cast-cleanup.js';
import { eliminateDeadCode } from '../../../src/mil/passes/dead-code.js';
import { applyFp16ComputePrecision } from '../../../src/mil/passes/fp16.js';
import { validateProgram } from '../../../src/mil/validate.js';
import { runProgram } from '../../../src/runtime/interpreter.js';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { buildProgram, opsOf, opTypes } from './helpers.js';

/** Casts that change nothing are bypassed; the interpreter runs the program before and after. */

const X = makeTensor('float32', [4], Float32Array.from([-2.7, 0.1, 3.5, 65000]));

function run(program: MilProgram): Record<string, Tensor> {
  return runProgram(program, { x: X });
}

const cast = (b: MilBuilder, x: string, dtype: string, name?: string) => b.op1('cast', { x, dtype: milConst.str(dtype) }, name ? { name } : {});

/** x → fp16 → relu → fp32 → fp16 → fp32 (a round trip the fp16 pass leaves), and fp32 → fp32. */
function roundTrips(b: MilBuilder): string[] {
  const x = b.addInput('x', { dtype: 'float32', shape: [4] });
  const half = b.op1('relu', { x: cast(b, x, 'fp16') });
  const back = cast(b, cast(b, half, 'fp32'), 'fp16');
  const same = cast(b, cast(b, b.op1('sigmoid', { x: back }), 'fp32'), 'fp32');
  const asInt = cast(b, cast(b, half, 'fp32'), 'int32', 'i');
  return [b.op1('identity', { x: same }, { name: 'y' }), asInt];
}

describe('removeRedundantCasts', () => {
  it('bypasses identity casts, fp16 → fp32 → fp16 round trips and repeated casts, with the same results', () => {
    const before = buildProgram('iOS15', roundTrips);
    const after = buildProgram('iOS15', roundTrips);
    expect(removeRedundantCasts(after)).toBe(3);
    eliminateDeadCode(after);
    expect(validateProgram(after)).toEqual([]);
    // Left: x → fp16, the fp32 output of sigmoid, and fp16 → int32 read straight from the fp16 relu.
    expect(opTypes(after).filter((t) => t === 'cast')).toHaveLength(3);
    expect(run(after)).toEqual(run(before));
  });

  it('keeps fp32 → fp16 → fp32, which rounds', () => {
    const program = buildProgram('iOS15', (b) => {
      const x = b.addInput('x', { dtype: 'float32', shape: [4] });
      return [b.op1('identity', { x: cast(b, cast(b, x, 'fp16'), 'fp32') }, { name: 'y' })];
    });
    expect(removeRedundantCasts(program)).toBe(0);
    expect(opTypes(program).filter((t) => t === 'cast')).toHaveLength(2);
  });

  it('keeps a cast whose output is a function output, so the output keeps its name', () => {
    const program = buildProgram('iOS15', (b) => {
      const x = b.addInput('x', { dtype: 'float32', shape: [4] });
      return [cast(b, b.op1('relu', { x }), 'fp32', 'y')];
    });
    expect(removeRedundantCasts(program)).toBe(0);
    expect(program.functions['main']!.block.outputs).toEqual(['y']);
  });

  it('leaves the fp16 pass around an op kept in fp32 with only the casts it needs', () => {
    // The linear's weight has values beyond fp16, so it stays fp32 between two fp16 ops.
    const weight = makeTensor('float32', [4, 4], Float32Array.from({ length: 16 }, (_, i) => (i === 5 ? 1e5 : 0.1 * (i - 8))));
    const build = (b: MilBuilder) => {
      const x = b.addInput('x', { dtype: 'float32', shape: [1, 4] });
      const l = b.op1('linear', { x: cast(b, b.op1('relu', { x }), 'fp32'), weight: makeTensor('float32', [4, 4], weight.data as Float32Array) });
      return [b.op1('relu', { x: l }, { name: 'y' })];
    };
    const program = buildProgram('iOS15', build);
    applyFp16ComputePrecision(program, { keepOverflowingOpsInFp32: true });
    const castsBefore = opsOf(program).filter((o) => o.type === 'cast').length;
    const expected = runProgram(program, { x: makeTensor('float32', [1, 4], Float32Array.from([1, -2, 3, 0.5])) });
    expect(removeRedundantCasts(program)).toBe(1);
    eliminateDeadCode(program);
    expect(validateProgram(program)).toEqual([]);
    expect(opsOf(program).filter((o) => o.type === 'cast').length).toBe(castsBefore - 1);
    expect(runProgram(program, { x: makeTensor('float32', [1, 4], Float32Array.from([1, -2, 3, 0.5])) })).toEqual(expected);
  });
});
