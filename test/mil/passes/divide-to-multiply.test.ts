import { describe, expect, it } from 'vitest';
import type { MilBuilder } from '../../../src/mil/builder.js';
import { milConst } from '../../../src/mil/builder.js';
import type { MilProgram } from '../../../src/mil/ir.js';
import { divideToMultiply } from '../../../src/mil/passes/divide-to-multiply.js';
import { validateProgram } from '../../../src/mil/validate.js';
import { runProgram } from '../../../src/runtime/interpreter.js';
import { makeTensor } from '../../../src/tensor/tensor.js';
import { buildProgram, opsOf, opTypes } from './helpers.js';

/** real_div by a constant as mul by its reciprocal; the interpreter runs the program before and after. */

const X = makeTensor('float32', [2, 3], Float32Array.from([-3, -0.5, 0, 0.25, 7, 600]));

function run(program: MilProgram): Float32Array {
  return runProgram(program, { x: X })['y']!.data as Float32Array;
}

/** x / 6 (a shared const read twice, as hard-swish exports write it) and x / [per-column divisors]. */
function divisions(b: MilBuilder): string[] {
  const x = b.addInput('x', { dtype: 'float32', shape: [2, 3] });
  const six = b.const(milConst.float(6), 'six');
  const a = b.op1('real_div', { x, y: six });
  const c = b.op1('real_div', { x: b.op1('relu', { x }), y: six });
  const d = b.op1('real_div', { x: b.op1('add', { x: a, y: c }), y: makeTensor('float32', [3], Float32Array.from([3, -0.5, 1e-3])) });
  return [b.op1('identity', { x: d }, { name: 'y' })];
}

describe('divideToMultiply', () => {
  it('turns each division by a float constant into a multiplication with the same results', () => {
    const before = buildProgram('iOS15', divisions);
    const after = buildProgram('iOS15', divisions);
    expect(divideToMultiply(after)).toBe(3);
    expect(validateProgram(after)).toEqual([]);
    expect(opTypes(after)).not.toContain('real_div');
    const expected = run(before);
    const actual = run(after);
    // x · (1/c) and x / c differ by at most a rounding or two of float32.
    for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(2.5e-7 * Math.abs(expected[i]!));
  });

  it('shares one reciprocal between the divisions that read the same divisor', () => {
    const program = buildProgram('iOS15', divisions);
    divideToMultiply(program);
    const muls = opsOf(program).filter((o) => o.type === 'mul');
    const divisorOf = (i: number) => (muls[i]!.inputs['y']![0] as { name: string }).name;
    expect(divisorOf(0)).toBe(divisorOf(1));
    const reciprocal = opsOf(program).find((o) => o.outputs[0]?.name === divisorOf(0))!;
    expect(reciprocal.attributes['val']!.data[0]).toBe(Math.fround(1 / 6));
  });

  it('leaves divisions by computed values, integer divisions, and divisors whose reciprocal overflows', () => {
    const program = buildProgram('iOS15', (b) => {
      const x = b.addInput('x', { dtype: 'float32', shape: [2, 3] });
      const i = b.addInput('i', { dtype: 'int32', shape: [3] });
      const byComputed = b.op1('real_div', { x, y: b.op1('exp', { x }) });
      const bySubnormal = b.op1('real_div', { x: byComputed, y: milConst.float(1e-40) });
      const ints = b.op1('real_div', { x: i, y: milConst.ints([2, 3, 4]) });
      return [bySubnormal, ints];
    });
    expect(divideToMultiply(program)).toBe(0);
    expect(opTypes(program).filter((t) => t === 'real_div')).toHaveLength(3);
  });

  it('keeps the results of x / 0: ±Inf, and NaN for 0 / 0', () => {
    const zero = (b: MilBuilder) => {
      const x = b.addInput('x', { dtype: 'float32', shape: [2, 3] });
      return [b.op1('real_div', { x, y: milConst.float(0) }, { name: 'y' })];
    };
    const program = buildProgram('iOS15', zero);
    divideToMultiply(program);
    expect(Array.from(run(program))).toEqual(Array.from(run(buildProgram('iOS15', zero))));
    expect(Array.from(run(program))).toEqual([-Infinity, -Infinity, NaN, Infinity, Infinity, Infinity]);
  });
});
