import { describe, expect, it } from 'vitest';
import type { MilBuilder } from '../../../src/mil/builder.js';
import { milConst } from '../../../src/mil/builder.js';
import type { MilProgram } from '../../../src/mil/ir.js';
import { eliminateDeadCode } from '../../../src/mil/passes/dead-code.js';
import { applyFp16ComputePrecision } from '../../../src/mil/passes/fp16.js';
import { fuseConvBatchNorm } from '../../../src/mil/passes/fuse-batch-norm.js';
import { validateProgram } from '../../../src/mil/validate.js';
import { runProgram } from '../../../src/runtime/interpreter.js';
import { float16BitsToFloat32 } from '../../../src/tensor/fp16.js';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { seededFloats } from '../../helpers/seeded.js';
import { buildProgram, opTypes } from './helpers.js';

/**
 * batch_norm folded into the conv or conv_transpose before it. The numbers
 * are the interpreter's: the program before the pass and after it run on the
 * same seeded input, each op by its own kernel.
 */

const floats = (n: number, seed: number, scale = 1, offset = 0): Tensor =>
  makeTensor('float32', [n], seededFloats(n, seed).map((v) => v * scale + offset));

/** Statistics as training leaves them: non-zero means, variances from 1e-4 to beyond fp16's range, negative gammas. */
function statistics(channels: number, seed: number) {
  const variance = seededFloats(channels, seed).map((v, c) => (c % 3 === 0 ? 1e-4 : c % 3 === 1 ? 2 + v : 4e5 * (1.5 + v)));
  return {
    mean: floats(channels, seed + 1, 3),
    variance: makeTensor('float32', [channels], variance),
    gamma: floats(channels, seed + 2, 1.2, 0.2),
    beta: floats(channels, seed + 3, 0.5),
    epsilon: milConst.float(1e-5),
  };
}

function convThenBatchNorm(b: MilBuilder, withBias: boolean): string[] {
  const x = b.addInput('x', { dtype: 'float32', shape: [1, 4, 6, 6] });
  const weight = makeTensor('float32', [6, 2, 3, 3], seededFloats(108, 5).map((v, i) => (i < 18 ? v * 1e-3 : v)));
  const conv = b.op1('conv', {
    x, weight, bias: withBias ? floats(6, 6) : undefined,
    strides: milConst.ints([1, 1]), pad_type: milConst.str('custom'), pad: milConst.ints([1, 1, 1, 1]), dilations: milConst.ints([1, 1]), groups: milConst.int(2),
  }, { name: 'conv' });
  return [b.op1('relu', { x: b.op1('batch_norm', { x: conv, ...statistics(6, 7) }, { name: 'bn' }) }, { name: 'y' })];
}

function transposeThenBatchNorm(b: MilBuilder, groups: number): string[] {
  const x = b.addInput('x', { dtype: 'float32', shape: [1, 4, 5, 5] });
  const weight = makeTensor('float32', [4, 6 / groups, 2, 2], seededFloats(4 * (6 / groups) * 4, 9));
  const up = b.op1('conv_transpose', {
    x, weight, bias: floats(6, 10),
    strides: milConst.ints([2, 2]), pad_type: milConst.str('valid'), dilations: milConst.ints([1, 1]), groups: milConst.int(groups),
  }, { name: 'up' });
  return [b.op1('batch_norm', { x: up, ...statistics(6, 11) }, { name: 'y' })];
}

function run(program: MilProgram, shape: number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = runProgram(program, { x: makeTensor('float32', shape, seededFloats(n, 3).map((v) => 4 * v)) })['y']!;
  return out.dtype === 'float16' ? Float32Array.from(out.data as Uint16Array, float16BitsToFloat32) : (out.data as Float32Array);
}

function expectClose(actual: Float32Array, expected: Float32Array, relative: number): void {
  const scale = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  expect(worst).toBeLessThanOrEqual(relative * scale);
}

describe('fuseConvBatchNorm', () => {
  it.each([true, false])('folds a batch_norm into a grouped conv (bias: %s) and computes the same numbers', (withBias) => {
    const before = buildProgram('iOS15', (b) => convThenBatchNorm(b, withBias));
    const after = buildProgram('iOS15', (b) => convThenBatchNorm(b, withBias));
    expect(fuseConvBatchNorm(after)).toBe(1);
    eliminateDeadCode(after);
    expect(validateProgram(after)).toEqual([]);
    expect(opTypes(after).filter((t) => t !== 'const')).toEqual(['conv', 'relu']);
    expectClose(run(after, [1, 4, 6, 6]), run(before, [1, 4, 6, 6]), 1e-5);
  });

  it.each([1, 2])('folds a batch_norm into a conv_transpose with bias and %i group(s), scaling its output channels', (groups) => {
    const before = buildProgram('iOS15', (b) => transposeThenBatchNorm(b, groups));
    const after = buildProgram('iOS15', (b) => transposeThenBatchNorm(b, groups));
    expect(fuseConvBatchNorm(after)).toBe(1);
    eliminateDeadCode(after);
    expect(validateProgram(after)).toEqual([]);
    expect(opTypes(after).filter((t) => t !== 'const')).toEqual(['conv_transpose']);
    // The fused op computes the batch_norm's output under its name: the function output is unchanged.
    expect(after.functions['main']!.block.outputs).toEqual(['y']);
    expectClose(run(after, [1, 4, 5, 5]), run(before, [1, 4, 5, 5]), 1e-5);
  });

  it('lets fp16 keep the numbers when the running variance lies beyond 65504', () => {
    const reference = run(buildProgram('iOS15', (b) => transposeThenBatchNorm(b, 2)), [1, 4, 5, 5]);
    const fused = buildProgram('iOS15', (b) => transposeThenBatchNorm(b, 2));
    fuseConvBatchNorm(fused);
    const { warnings } = applyFp16ComputePrecision(fused);
    eliminateDeadCode(fused);
    expect(warnings).toEqual([]);
    expect(opTypes(fused)).not.toContain('batch_norm');
    expectClose(run(fused, [1, 4, 5, 5]), reference, 2e-3);
  });

  it('leaves a conv whose output is also read elsewhere, and a batch_norm after another op', () => {
    const program = buildProgram('iOS15', (b) => {
      const x = b.addInput('x', { dtype: 'float32', shape: [1, 2, 4, 4] });
      const conv = b.op1('conv', { x, weight: makeTensor('float32', [2, 2, 1, 1], seededFloats(4, 2)) });
      const bn = b.op1('batch_norm', { x: conv, mean: floats(2, 1), variance: floats(2, 2, 0.5, 1) });
      const sum = b.op1('add', { x: bn, y: conv });
      return [b.op1('batch_norm', { x: sum, mean: floats(2, 3), variance: floats(2, 4, 0.5, 1) }, { name: 'y' })];
    });
    expect(fuseConvBatchNorm(program)).toBe(0);
    expect(opTypes(program).filter((t) => t !== 'const')).toEqual(['conv', 'batch_norm', 'add', 'batch_norm']);
  });

  it('leaves a conv that mixed precision keeps in fp32, so the request still names an op', () => {
    const program = buildProgram('iOS15', (b) => convThenBatchNorm(b, true));
    expect(fuseConvBatchNorm(program, new Set(['conv']))).toBe(0);
    expect(opTypes(program).filter((t) => t !== 'const')).toEqual(['conv', 'batch_norm', 'relu']);
  });

  it('leaves a conv whose weight is computed at run time', () => {
    const program = buildProgram('iOS17', (b) => {
      const x = b.addInput('x', { dtype: 'float32', shape: [1, 2, 4, 4] });
      const w = b.addInput('w', { dtype: 'float32', shape: [2, 2, 1, 1] });
      const conv = b.op1('conv', { x, weight: w });
      return [b.op1('batch_norm', { x: conv, mean: floats(2, 1), variance: floats(2, 2, 0.5, 1) }, { name: 'y' })];
    });
    expect(fuseConvBatchNorm(program)).toBe(0);
  });
});
