import { describe, expect, it } from 'vitest';
import { f32, ints, runOp, scalar, values } from './build.js';
import { seededFloats } from '../helpers/seeded.js';
import { maxAbsDiff, runOnnxNode } from './ort.js';

const F = (shape: number[]) => ({ dtype: 'float32' as const, shape });

describe('normalization', () => {
  it('batch_norm applies per-channel statistics', () => {
    const x = f32([1, 2, 2], [1, 3, 10, 20]);
    const [out] = runOp('batch_norm', {
      x, mean: f32([2], [2, 10]), variance: f32([2], [4, 100]), gamma: f32([2], [1, 2]), beta: f32([2], [0, 1]), epsilon: scalar(0),
    }, F([1, 2, 2]));
    expect(values(out!)).toEqual([-0.5, 0.5, 1, 3]);
  });

  it('instance_norm normalizes each (n, c) plane', async () => {
    const x = f32([2, 3, 4, 5], seededFloats(120, 6));
    const gamma = f32([3], [1, 2, 0.5]);
    const beta = f32([3], [0, 1, -1]);
    const ref = await runOnnxNode('InstanceNormalization', { x }, { s: gamma, b: beta }, { epsilon: 1e-5 });
    const [out] = runOp('instance_norm', { x, gamma, beta, epsilon: scalar(1e-5) }, F([2, 3, 4, 5]));
    expect(maxAbsDiff(values(out!), ref)).toBeLessThan(1e-5);
  });

  it('layer_norm over the trailing axis with gamma and beta', async () => {
    const x = f32([2, 3, 8], seededFloats(48, 8));
    const gamma = f32([8], seededFloats(8, 9));
    const beta = f32([8], seededFloats(8, 10));
    const ref = await runOnnxNode('LayerNormalization', { x }, { g: gamma, b: beta }, { axis: -1, epsilon: 1e-5 });
    const [out] = runOp('layer_norm', { x, axes: ints([-1]), gamma, beta, epsilon: scalar(1e-5) }, F([2, 3, 8]));
    expect(maxAbsDiff(values(out!), ref)).toBeLessThan(1e-5);
  });

  it('layer_norm over non-trailing axes normalizes each group separately', () => {
    const x = f32([2, 2], [1, 10, 3, 30]);
    const [out] = runOp('layer_norm', { x, axes: ints([0]), epsilon: scalar(0) }, F([2, 2]));
    expect(values(out!)).toEqual([-1, -1, 1, 1]);
  });

  it('l2_norm divides by the norm over the last three dims', () => {
    const x = f32([2, 1, 1, 2], [3, 4, 0, 5]);
    const [out] = runOp('l2_norm', { x, epsilon: scalar(0) }, F([2, 1, 1, 2]));
    expect(values(out!).map((v) => Number(v.toFixed(6)))).toEqual([0.6, 0.8, 0, 1]);
  });

  it('local_response_norm matches onnxruntime LRN', async () => {
    const x = f32([1, 5, 2, 2], seededFloats(20, 12));
    const ref = await runOnnxNode('LRN', { x }, {}, { size: 3, alpha: 0.001, beta: 0.75, bias: 1.5 });
    const [out] = runOp('local_response_norm', { x, size: f32([], [3]), alpha: scalar(0.001), beta: scalar(0.75), k: scalar(1.5) }, F([1, 5, 2, 2]));
    expect(maxAbsDiff(values(out!), ref)).toBeLessThan(1e-6);
  });
});

/**
 * local_response_norm as Apple's tests (iOS14/test_normalization.py) pin it:
 * axis -3 is the channel axis whatever the rank, and channel c sums the
 * squares of [c - floor(size/2), c + floor((size-1)/2)], scaled by alpha / size.
 */
function appleLrn(x: Float32Array, shape: number[], size: number, alpha: number, beta: number, k: number): number[] {
  const rank = shape.length;
  const channels = shape[rank - 3]!;
  const inner = shape.slice(rank - 2).reduce((a, b) => a * b, 1);
  return Array.from(x, (v, idx) => {
    const c = Math.floor(idx / inner) % channels;
    const base = idx - c * inner;
    let sq = 0;
    for (let j = Math.max(0, c - Math.floor(size / 2)); j <= Math.min(channels - 1, c + Math.floor((size - 1) / 2)); j++) sq += x[base + j * inner]! ** 2;
    return v / Math.pow(k + (alpha / size) * sq, beta);
  });
}

describe('local_response_norm as Apple tests it', () => {
  const cases = [
    { what: 'rank 3 normalizes its first axis', shape: [4, 3, 2], size: 3 },
    { what: 'rank 4 with an even window reaches one channel below', shape: [2, 5, 2, 3], size: 2 },
    { what: 'rank 4 with a window of 4', shape: [1, 6, 2, 2], size: 4 },
    { what: 'rank 5 normalizes axis -3, not axis 1', shape: [2, 2, 5, 2, 2], size: 3 },
  ];
  for (const { what, shape, size } of cases) {
    it(what, () => {
      for (const seed of [71, 72]) {
        // Values up to ±30 so the squared sums move the result well beyond rounding.
        const data = seededFloats(shape.reduce((a, b) => a * b, 1), seed).map((v) => 30 * v);
        const [out] = runOp('local_response_norm', { x: f32(shape, data), size: f32([], [size]), alpha: scalar(0.01), beta: scalar(0.75), k: scalar(1) }, F(shape));
        expect(maxAbsDiff(values(out!), appleLrn(data, shape, size, 0.01, 0.75, 1))).toBeLessThan(1e-5);
      }
    });
  }
});
