import { describe, expect, it } from 'vitest';
import { FP16_GATE } from '../../src/parity/gates.js';
import { evaluateOutput } from '../../src/parity/verdict.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { foldVerdict, outputReport } from '../../src/verify/report.js';

const f32 = (values: number[]) => makeTensor('float32', [values.length], Float32Array.from(values));
const ref = f32([1, 2, 3, 4]);

describe('outputReport', () => {
  it('writes infinite dB of identical outputs as null on a passing line, which JSON can carry', () => {
    const line = outputReport('y', 'float32', evaluateOutput(ref, f32([1, 2, 3, 4]), FP16_GATE));
    expect(line).toMatchObject({ pass: true, snrDb: null, psnrDb: null, maxAbsError: 0, cosine: 1 });
    expect(JSON.parse(JSON.stringify(line))).toEqual(line);
    expect(line).not.toHaveProperty('reason');
  });

  it('writes the metrics of a NaN output as null with a failing reason', () => {
    const line = outputReport('y', 'float32', evaluateOutput(ref, f32([1, NaN, 3, 4]), FP16_GATE));
    expect(line).toMatchObject({ pass: false, maxAbsError: null, psnrDb: null, cosine: null });
    expect(line.reason).toMatch(/NaN or infinite/);
  });
});

describe('foldVerdict', () => {
  it('keeps the worst of each metric over data sets', () => {
    const close = evaluateOutput(ref, f32([1, 2, 3, 4.001]), FP16_GATE);
    const far = evaluateOutput(ref, f32([1.01, 2, 3, 4]), FP16_GATE);
    const worst = foldVerdict(foldVerdict(undefined, close, 's0', true), far, 's1', true);
    expect(worst.metrics.maxAbsError).toBeCloseTo(0.01, 6);
    expect(worst.metrics.psnrDb).toBe(Math.min(close.metrics.psnrDb, far.metrics.psnrDb));
    expect(worst.pass).toBe(true);
  });

  it('fails when any data set fails and names that set in the reason', () => {
    const good = evaluateOutput(ref, ref, FP16_GATE);
    const bad = evaluateOutput(ref, f32([2, 2, 3, 4]), FP16_GATE);
    const worst = foldVerdict(foldVerdict(undefined, good, 's0', true), bad, 's1', true);
    expect(worst.pass).toBe(false);
    expect(worst.reason).toMatch(/^s1: PSNR/);
  });

  it('treats an unknown metric (NaN from a shape mismatch) as the worst', () => {
    const good = evaluateOutput(ref, ref, FP16_GATE);
    const mismatch = evaluateOutput(ref, makeTensor('float32', [2, 2], Float32Array.of(1, 2, 3, 4)), FP16_GATE);
    const worst = foldVerdict(good, mismatch, 's1', false);
    expect(Number.isNaN(worst.metrics.maxAbsError)).toBe(true);
    expect(worst.reason).toMatch(/^shape/);
  });
});
