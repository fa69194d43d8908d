import { describe, expect, it } from 'vitest';
import { milConst } from '../../../src/mil/builder.js';
import { mainFunction, type MilOperation } from '../../../src/mil/ir.js';
import { applyFp16ComputePrecision } from '../../../src/mil/passes/fp16.js';
import { validateProgram } from '../../../src/mil/validate.js';
import { runProgram } from '../../../src/runtime/interpreter.js';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { buildProgram, opsOf } from './helpers.js';

/**
 * The fp16 pass scans weights for values fp16 cannot hold (beyond ±65504, or
 * mostly below its smallest normal 2^-14) and keeps the ops reading them in
 * fp32, with casts around them and a warning that gives the counts.
 */

function weight(fill: (i: number) => number): Tensor {
  return makeTensor('float32', [16, 32], Float32Array.from({ length: 512 }, (_, i) => fill(i)));
}

/** x → relu → linear(weight) → relu → y, all fp32 before the pass. */
function linearBetweenRelus(w: Tensor) {
  return buildProgram('iOS16', (b) => {
    const x = b.addInput('x', { dtype: 'float32', shape: [1, 32] });
    const r = b.op1('relu', { x });
    const l = b.op1('linear', { x: r, weight: w }, { name: 'proj' });
    return [b.op1('relu', { x: l }, { name: 'y' })];
  });
}

function producerOf(ops: MilOperation[], name: string): MilOperation {
  return ops.find((o) => o.outputs.some((v) => v.name === name))!;
}

function readOf(op: MilOperation, param: string): string {
  return (op.inputs[param]![0] as { name: string }).name;
}

describe('fp16 range scan of weights', () => {
  it('keeps the reader of a weight with values beyond ±65504 in fp32, casting around it, and counts them', () => {
    const program = linearBetweenRelus(weight((i) => (i % 100 === 7 ? 1e5 : Math.sin(i) * 0.1)));
    const { warnings } = applyFp16ComputePrecision(program);
    expect(validateProgram(program)).toEqual([]);
    const ops = opsOf(program);
    const linear = ops.find((o) => o.type === 'linear')!;
    expect(linear.outputs[0]!.type.dtype).toBe('float32');
    // The fp16 relu before it is cast back to fp32 for it, and its fp32 result is cast to fp16 for the relu after.
    const input = producerOf(ops, readOf(linear, 'x'));
    expect(input.type).toBe('cast');
    expect(producerOf(ops, readOf(input, 'x')).outputs[0]!.type.dtype).toBe('float16');
    const consumer = ops.find((o) => o.type === 'relu' && o !== producerOf(ops, readOf(input, 'x')))!;
    const castAfter = producerOf(ops, readOf(consumer, 'x'));
    expect(castAfter.type).toBe('cast');
    expect(readOf(castAfter, 'x')).toBe(linear.outputs[0]!.name);
    // The weight itself stays an fp32 constant with its values intact.
    const w = producerOf(ops, readOf(linear, 'weight'));
    expect(w.attributes['val']!.dtype).toBe('float32');
    expect(warnings).toHaveLength(1);
    // sin(0) is 0 and sin(355)·0.1 ≈ −3e-6 is below the smallest normal: the counts say so.
    expect(warnings[0]).toMatch(/linear "proj" kept in fp32: constant "\w+" has 6 value\(s\) beyond ±65504 and 1 of 511 non-zero value\(s\) below/);
  });

  it('keeps the reader of a weight whose values mostly lie below the smallest fp16 normal in fp32', () => {
    const program = linearBetweenRelus(weight((i) => (Math.sin(i) + 1.5) * 1e-6));
    const { warnings } = applyFp16ComputePrecision(program);
    expect(validateProgram(program)).toEqual([]);
    expect(opsOf(program).find((o) => o.type === 'linear')!.outputs[0]!.type.dtype).toBe('float32');
    expect(warnings.join('\n')).toMatch(/0 value\(s\) beyond ±65504 and 512 of 512 non-zero value\(s\) below fp16's smallest normal 6\.10e-5/);
  });

  it('converts a weight with only a few tiny values to fp16 as usual', () => {
    // 3 of 512 below the smallest normal: under 1%, fp16 loses nothing that matters.
    const program = linearBetweenRelus(weight((i) => (i < 3 ? 1e-7 : Math.cos(i) * 0.2)));
    const { warnings } = applyFp16ComputePrecision(program);
    expect(warnings).toEqual([]);
    const linear = opsOf(program).find((o) => o.type === 'linear')!;
    expect(linear.outputs[0]!.type.dtype).toBe('float16');
    expect(mainFunction(program).block.outputs).toEqual(['y']);
  });

  it('saturates instead when asked to keep nothing in fp32', () => {
    const program = linearBetweenRelus(weight((i) => (i === 0 ? 1e5 : 0.5)));
    const { warnings } = applyFp16ComputePrecision(program, { keepOverflowingOpsInFp32: false });
    expect(opsOf(program).find((o) => o.type === 'linear')!.outputs[0]!.type.dtype).toBe('float16');
    expect(warnings.join('\n')).toMatch(/1 value\(s\) beyond the fp16 range saturated/);
  });

  it('keeps a batch_norm whose running variance lies beyond ±65504 in fp32 instead of saturating it, so the numbers hold', () => {
    // Saturated to 65504, the variance 7.2e5 would scale its channel by sqrt(7.2e5 / 65504) ≈ 3.3.
    const build = () =>
      buildProgram('iOS15', (b) => {
        const x = b.addInput('x', { dtype: 'float32', shape: [1, 2, 2, 2] });
        const bn = b.op1('batch_norm', {
          x, mean: milConst.floats([-600, 1]), variance: milConst.floats([7.2e5, 0.5]), gamma: milConst.floats([2, 1]), beta: milConst.floats([0.5, 0]),
          epsilon: milConst.float(1e-5),
        }, { name: 'bn' });
        return [b.op1('relu', { x: bn }, { name: 'y' })];
      });
    const x = makeTensor('float32', [1, 2, 2, 2], Float32Array.from([-2000, -300, 100, 2500, -1, 0, 0.5, 2]));
    const reference = runProgram(build(), { x })['y']!.data as Float32Array;
    const program = build();
    const { warnings } = applyFp16ComputePrecision(program);
    expect(validateProgram(program)).toEqual([]);
    expect(opsOf(program).find((o) => o.type === 'batch_norm')!.outputs[0]!.type.dtype).toBe('float32');
    expect(warnings.join('\n')).toMatch(/batch_norm "bn" kept in fp32: constant "\w+" has 1 value\(s\) beyond ±65504/);
    // Model outputs stay fp32 (cast back at the edge).
    const out = runProgram(program, { x })['y']!;
    expect(out.dtype).toBe('float32');
    Array.from(out.data as Float32Array).forEach((v, i) => expect(Math.abs(v - reference[i]!)).toBeLessThanOrEqual(2e-3 * Math.max(1, Math.abs(reference[i]!))));
  });

  it('still saturates a small bound beyond ±65504, where a clamp at 65504 means the same', () => {
    const program = buildProgram('iOS15', (b) => {
      const x = b.addInput('x', { dtype: 'float32', shape: [4] });
      return [b.op1('clip', { x, alpha: milConst.float(-1e5), beta: milConst.float(1e5) }, { name: 'y' })];
    });
    const { warnings } = applyFp16ComputePrecision(program);
    expect(opsOf(program).find((o) => o.type === 'clip')!.outputs[0]!.type.dtype).toBe('float16');
    expect(warnings.join('\n')).toMatch(/saturated to ±65504/);
  });
});

