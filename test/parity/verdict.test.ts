import { describe, expect, it } from 'vitest';
import { FP16_GATE, FP32_GATE } from '../../src/parity/gates.js';
import { evaluateOutput, overallPass } from '../../src/parity/verdict.js';
import { makeTensor } from '../../src/tensor/tensor.js';

const f32 = (values: number[], shape = [values.length]) => makeTensor('float32', shape, Float32Array.from(values));
const i32 = (values: number[]) => makeTensor('int32', [values.length], Int32Array.from(values));

describe('evaluateOutput', () => {
  it('passes the fp32 gate when every element is within atol + rtol·|ref|', () => {
    // limits: 1e-4 + 1e-3·100 = 0.1001 for the second element
    const v = evaluateOutput(f32([0, 100]), f32([0.00009, 100.1]), FP32_GATE);
    expect(v.pass).toBe(true);
    expect(v.reason).toBeUndefined();
  });

  it('fails the fp32 gate naming the count and the worst element', () => {
    const v = evaluateOutput(f32([0, 1, 2]), f32([0.001, 1, 2.5]), FP32_GATE);
    expect(v.pass).toBe(false);
    expect(v.reason).toMatch(/^2 of 3 elements exceed .*worst at flat index 2: reference 2, actual 2\.5/);
  });

  it('passes the PSNR gate above the threshold and fails below it', () => {
    const ref = f32([1, -1, 0.5, 0.25]);
    expect(evaluateOutput(ref, f32([1.001, -1, 0.5, 0.25]), FP16_GATE).pass).toBe(true);
    const bad = evaluateOutput(ref, f32([1.1, -1, 0.5, 0.25]), FP16_GATE);
    expect(bad.pass).toBe(false);
    expect(bad.reason).toMatch(/^PSNR 26\.02 dB is below the 40 dB gate$/);
  });

  it('passes identical tensors under the PSNR gate (infinite PSNR)', () => {
    expect(evaluateOutput(f32([1, 2]), f32([1, 2]), FP16_GATE).pass).toBe(true);
  });

  it('holds integer outputs to exact equality whatever the gate', () => {
    const loose = { kind: 'psnr', minDb: 0 } as const;
    const v = evaluateOutput(i32([1, 2, 3]), i32([1, 2, 4]), loose);
    expect(v.gate).toEqual({ kind: 'exact' });
    expect(v.pass).toBe(false);
    expect(v.reason).toMatch(/1 of 3 elements differ/);
    expect(evaluateOutput(i32([1, 2, 3]), i32([1, 2, 3]), loose).pass).toBe(true);
  });

  it('fails NaN in the actual under every gate', () => {
    for (const gate of [FP32_GATE, FP16_GATE, { kind: 'exact' } as const]) {
      const v = evaluateOutput(f32([1, 2]), f32([1, NaN]), gate);
      expect(v.pass).toBe(false);
      expect(v.reason).toMatch(/NaN or infinite/);
    }
  });

  it('fails the element-wise gate when the tolerance itself is NaN', () => {
    expect(evaluateOutput(f32([1]), f32([1.5]), { kind: 'elementwise', atol: NaN, rtol: 0 }).pass).toBe(false);
  });

  it('gates top-1 agreement of class scores only when asked', () => {
    const ref = f32([0.1, 0.9, 0.8, 0.2], [2, 2]);
    const flipped = f32([0.1, 0.9, 0.2, 0.8], [2, 2]);
    const loose = { kind: 'psnr', minDb: 0 } as const;
    expect(evaluateOutput(ref, flipped, loose).pass).toBe(true);
    const asked = evaluateOutput(ref, flipped, loose, { minTop1Agreement: 1 });
    expect(asked.pass).toBe(false);
    expect(asked.reason).toBe('top-1 agreement 0.5 is below the required 1');
    expect(evaluateOutput(f32([1, 2, 3], [3, 1, 1, 1, 1]), f32([1, 2, 3], [3, 1, 1, 1, 1]), loose, { minTop1Agreement: NaN }).pass).toBe(false);
  });

  it('fails a shape mismatch with its reason', () => {
    const v = evaluateOutput(f32([1, 2], [1, 2]), f32([1, 2], [2, 1]), FP16_GATE);
    expect(v.pass).toBe(false);
    expect(v.reason).toMatch(/shape \[2, 1\] differs/);
  });
});

describe('overallPass', () => {
  it('passes only when there are outputs and all of them pass', () => {
    expect(overallPass([{ pass: true }, { pass: true }])).toBe(true);
    expect(overallPass([{ pass: true }, { pass: false }])).toBe(false);
    expect(overallPass([])).toBe(false);
  });
});
