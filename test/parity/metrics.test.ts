import { describe, expect, it } from 'vitest';
import { compareOutputs } from '../../src/parity/metrics.js';
import { float32ArrayToFloat16 } from '../../src/tensor/fp16.js';
import { makeTensor } from '../../src/tensor/tensor.js';

const f32 = (values: number[], shape = [values.length]) => makeTensor('float32', shape, Float32Array.from(values));

describe('compareOutputs', () => {
  it('reports zero error, infinite SNR/PSNR and cosine 1 for identical tensors', () => {
    const m = compareOutputs(f32([1, -2, 3]), f32([1, -2, 3]));
    expect(m.maxAbsError).toBe(0);
    expect(m.meanAbsError).toBe(0);
    expect(m.maxRelError).toBe(0);
    expect(m.snrDb).toBe(Infinity);
    expect(m.psnrDb).toBe(Infinity);
    expect(m.cosine).toBe(1);
    expect(m.failure).toBeNull();
    expect(m.exactMatch).toBeNull();
  });

  it('computes max abs, mean abs and max relative error from the element differences', () => {
    const m = compareOutputs(f32([1, 2, 4, 0]), f32([1.5, 2, 3, 0.25]));
    expect(m.maxAbsError).toBeCloseTo(1, 6);
    expect(m.meanAbsError).toBeCloseTo((0.5 + 0 + 1 + 0.25) / 4, 6);
    // 0.5/1 is the largest relative error; the zero reference is left out.
    expect(m.maxRelError).toBeCloseTo(0.5, 6);
  });

  it('computes SNR from signal and noise energy and PSNR from the peak reference over RMSE', () => {
    const m = compareOutputs(f32([3, 4]), f32([3, 5]));
    // noise energy 1, signal energy 25, RMSE sqrt(1/2), peak 4
    expect(m.snrDb).toBeCloseTo(10 * Math.log10(25), 9);
    expect(m.psnrDb).toBeCloseTo(20 * Math.log10(4 / Math.sqrt(0.5)), 9);
  });

  it('computes cosine similarity, including opposite vectors', () => {
    expect(compareOutputs(f32([1, 0]), f32([0, 1])).cosine).toBeCloseTo(0, 12);
    expect(compareOutputs(f32([1, 2]), f32([-1, -2])).cosine).toBeCloseTo(-1, 12);
  });

  it('gives -Infinity dB and cosine 0 when the reference is all zeros and the actual is not', () => {
    const m = compareOutputs(f32([0, 0]), f32([0, 1]));
    expect(m.psnrDb).toBe(-Infinity);
    expect(m.snrDb).toBe(-Infinity);
    expect(m.cosine).toBe(0);
    expect(m.maxRelError).toBe(0);
    expect(m.maxAbsError).toBe(1);
  });

  it('treats two all-zero tensors as identical', () => {
    const m = compareOutputs(f32([0, 0, 0]), f32([0, 0, 0]));
    expect(m.psnrDb).toBe(Infinity);
    expect(m.cosine).toBe(1);
  });

  it('fails with infinite errors when the actual has NaN where the reference is finite', () => {
    const m = compareOutputs(f32([1, 2, 3]), f32([1, NaN, 3]));
    expect(m.nonFiniteMismatches).toBe(1);
    expect(m.maxAbsError).toBe(Infinity);
    expect(m.psnrDb).toBe(-Infinity);
    expect(m.failure).toMatch(/1 of 3 elements are NaN or infinite.*index 1/);
  });

  it('fails when the actual has Inf where the reference is finite', () => {
    const m = compareOutputs(f32([1, 2]), f32([Infinity, 2]));
    expect(m.nonFiniteMismatches).toBe(1);
    expect(m.failure).not.toBeNull();
  });

  it('accepts NaN and equal infinities that the reference has too', () => {
    const m = compareOutputs(f32([NaN, Infinity, -Infinity, 1]), f32([NaN, Infinity, -Infinity, 1]));
    expect(m.failure).toBeNull();
    expect(m.psnrDb).toBe(Infinity);
  });

  it('fails a shape mismatch with a reason naming both shapes', () => {
    const m = compareOutputs(f32([1, 2, 3, 4], [2, 2]), f32([1, 2, 3, 4], [4]));
    expect(m.failure).toBe('shape [4] differs from the reference shape [2, 2]');
    expect(Number.isNaN(m.maxAbsError)).toBe(true);
  });

  it('decodes fp16 bit patterns before comparing', () => {
    const values = Float32Array.from([0.5, -1.25, 3]);
    const half = makeTensor('float16', [3], float32ArrayToFloat16(values));
    const m = compareOutputs(f32([0.5, -1.25, 3]), half);
    expect(m.maxAbsError).toBe(0);
  });

  it('reports exact match for integer outputs and none for float outputs', () => {
    const ref = makeTensor('int64', [3], BigInt64Array.from([1n, 2n, 3n]));
    expect(compareOutputs(ref, makeTensor('int32', [3], Int32Array.from([1, 2, 3]))).exactMatch).toBe(true);
    expect(compareOutputs(ref, makeTensor('int32', [3], Int32Array.from([1, 2, 4]))).exactMatch).toBe(false);
    expect(compareOutputs(ref, makeTensor('int32', [3], Int32Array.from([1, 2, 4]))).top1Agreement).toBeNull();
  });

  it('reports top-1 agreement for class-score outputs', () => {
    const m = compareOutputs(f32([0.1, 0.9, 0.2, 0.8], [2, 2]), f32([0.1, 0.9, 0.9, 0.8], [2, 2]));
    expect(m.top1Agreement).toBe(0.5);
    expect(m.top5Agreement).toBeNull();
  });
});
