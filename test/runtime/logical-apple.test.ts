import { describe, expect, it } from 'vitest';
import type { MilProgram } from '../../src/mil/ir.js';
import { validateProgram } from '../../src/mil/validate.js';
import { runProgram } from '../../src/runtime/interpreter.js';
import type { DType } from '../../src/tensor/dtype.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { op, program, str, v, values } from './build.js';

/**
 * logical_and, logical_or, logical_xor and logical_not as Apple's PyTorch
 * conversion tests run them on Core ML (frontend/torch/test/test_torch_ops.py,
 * TestLogicalAnd/Or/Xor/Not; no MIL op test covers them): each operand is
 * cast to bool first (non-zero is true), then combined as numpy's
 * logical_and/or/xor/not do. The operand pairs are those tests' (bool, fp32
 * and int32 vectors, a bool matrix).
 */

const asBool = (x: number) => x !== 0;
const BINARY: Record<string, (a: boolean, b: boolean) => boolean> = {
  logical_and: (a, b) => a && b,
  logical_or: (a, b) => a || b,
  logical_xor: (a, b) => a !== b,
};

interface Operand { dtype: DType; shape: number[]; data: number[] }
const operand = (dtype: DType, shape: number[], data: number[]): Operand => ({ dtype, shape, data });
const tensor = (o: Operand) => makeTensor(o.dtype, o.shape, o.dtype === 'float32' ? Float32Array.from(o.data) : o.dtype === 'int32' ? Int32Array.from(o.data) : Uint8Array.from(o.data));

const PAIRS: [Operand, Operand][] = [
  [operand('bool', [4], [1, 0, 1, 0]), operand('bool', [4], [1, 1, 0, 0])],
  [operand('bool', [2, 2], [1, 0, 1, 0]), operand('bool', [2, 2], [1, 1, 0, 0])],
  [operand('float32', [4], [-1.5, 0, 1, 0]), operand('float32', [4], [0.1, 2.5, 0, 0])],
  [operand('int32', [5], [2, 0, -1, 0, 5]), operand('int32', [5], [1, 1, 0, 0, -5])],
];

/** cast each non-bool operand to bool, then apply `type`. */
function castThen(type: string, operands: Operand[]): MilProgram {
  const names = operands.map((_, i) => `in${i}`);
  const casts = operands.flatMap((o, i) => (o.dtype === 'bool' ? [] : [op('cast', { x: names[i]!, dtype: str('bool') }, [v(`b${i}`, 'bool', o.shape)])]));
  const bools = operands.map((o, i) => (o.dtype === 'bool' ? names[i]! : `b${i}`));
  const params: Record<string, string> = bools.length === 1 ? { x: bools[0]! } : { x: bools[0]!, y: bools[1]! };
  return program(operands.map((o, i) => v(names[i]!, o.dtype, o.shape)), [
    ...casts,
    op(type, params, [v('y', 'bool', operands[0]!.shape)]),
  ], ['y']);
}

function run(type: string, operands: Operand[]): number[] {
  const prog = castThen(type, operands);
  expect(validateProgram(prog)).toEqual([]);
  const out = runProgram(prog, Object.fromEntries(operands.map((o, i) => [`in${i}`, tensor(o)])));
  expect(out['y']!.dtype).toBe('bool');
  return values(out['y']!);
}

describe('logical ops as Apple\'s PyTorch conversion tests pin them', () => {
  for (const [type, f] of Object.entries(BINARY)) {
    it(`${type} of bool, fp32 and int32 operands, each cast to bool`, () => {
      for (const [x, y] of PAIRS) {
        expect(run(type, [x, y])).toEqual(x.data.map((a, i) => Number(f(asBool(a), asBool(y.data[i]!)))));
      }
    });
  }

  it('logical_not of int32 values 0…3, fp32 values and bools, each cast to bool', () => {
    const ints = [0, 3, 1, 2, 0, 0, 2, 1, 3, 0, 1, 2];
    for (const x of [operand('int32', [2, 3, 2], ints), operand('float32', [2, 3, 2], ints.map((i) => i - 1.5)), operand('bool', [2, 3, 2], ints.map((i) => i % 2))]) {
      expect(run('logical_not', [x])).toEqual(x.data.map((a) => Number(!asBool(a))));
    }
  });
});
