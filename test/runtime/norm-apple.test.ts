import { describe, expect, it } from 'vitest';
import { f32, ints, runOp, scalar, values } from './build.js';

/**
 * batch_norm, instance_norm and layer_norm on the inputs of Apple's
 * normalization tests (iOS14/test_normalization.py): epsilon is added to the
 * variance under the square root, the variance is the biased one, and
 * layer_norm's gamma/beta span the normalized axes.
 */

const F = (shape: number[]) => ({ dtype: 'float32' as const, shape });
const close = (got: number[], want: number[], digits = 4) => {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, digits));
};

describe('batch_norm', () => {
  const x = f32([1, 3, 2, 2], [-16, 13, 11, -16, 13, -15, 13, 9, -9, -4, -6, 3]);
  const [mean, variance] = [[9, 6, 3], [6, 1, 7]];
  const ref = (gamma: number[], beta: number[], eps: number) =>
    Array.from(values(x), (v, i) => {
      const c = Math.floor(i / 4);
      return ((v - mean[c]!) / Math.sqrt(variance[c]! + eps)) * gamma[c]! + beta[c]!;
    });
  it('default epsilon 1e-5 and no affine', () => {
    const got = values(runOp('batch_norm', { x, mean: f32([3], mean), variance: f32([3], variance) }, F([1, 3, 2, 2]))[0]!);
    close(got, ref([1, 1, 1], [0, 0, 0], 1e-5));
    close(got.slice(4, 6), [6.999965, -20.999895], 5);
  });
  it('gamma, beta and epsilon 1e-4', () => {
    const got = values(runOp('batch_norm', {
      x, mean: f32([3], mean), variance: f32([3], variance), gamma: f32([3], [1, 1, 1]), beta: f32([3], [1, 3, 0]), epsilon: scalar(1e-4),
    }, F([1, 3, 2, 2]))[0]!);
    close(got, ref([1, 1, 1], [1, 3, 0], 1e-4));
    close(got.slice(4, 6), [9.99965, -17.998951], 4);
  });
});

describe('instance_norm over the spatial dims of each (batch, channel)', () => {
  const data = [-16, 13, 11, 16, 13, 15, 13, 9, -9, 4, -6, 3, -5, 1, 12, 3, 0, 9, 2, -8, 2, 5, 10, 0];
  const x = f32([2, 3, 2, 2], data);
  const ref = (gamma: number[], beta: number[], eps: number) => data.map((v, i) => {
    const plane = data.slice(Math.floor(i / 4) * 4, Math.floor(i / 4) * 4 + 4);
    const m = plane.reduce((a, b) => a + b, 0) / 4;
    const varb = plane.reduce((a, b) => a + (b - m) ** 2, 0) / 4;
    const c = Math.floor(i / 4) % 3;
    return ((v - m) / Math.sqrt(varb + eps)) * gamma[c]! + beta[c]!;
  });
  it('epsilon 1e-2 without affine', () => {
    const got = values(runOp('instance_norm', { x, epsilon: scalar(1e-2) }, F([2, 3, 2, 2]))[0]!);
    close(got, ref([1, 1, 1], [0, 0, 0], 1e-2));
    close(got.slice(0, 4), [-1.71524656, 0.54576027, 0.38982874, 0.77965748], 5);
  });
  it('with per-channel gamma and beta', () => {
    const [gamma, beta] = [[-9, 3.2, 1.3], [-0.8, 3.4, 1.2]];
    const got = values(runOp('instance_norm', { x, gamma: f32([3], gamma), beta: f32([3], beta), epsilon: scalar(1e-2) }, F([2, 3, 2, 2]))[0]!);
    close(got, ref(gamma, beta, 1e-2));
    close(got.slice(0, 4), [14.63721807, -5.71184211, -4.30845865, -7.8169173], 4);
  });
});

describe('layer_norm', () => {
  const data = [1, -7, 5, -6, -3, -5];
  it('over the last axis, over the last two, and with gamma/beta, rank 3', () => {
    const x = f32([1, 3, 2], data);
    close(values(runOp('layer_norm', { x, axes: ints([2]), epsilon: scalar(1e-4) }, F([1, 3, 2]))[0]!), [0.9999969, -0.9999969, 0.99999833, -0.99999833, 0.99995005, -0.99995005], 5);
    close(values(runOp('layer_norm', { x, axes: ints([-2, -1]), epsilon: scalar(1e-4) }, F([1, 3, 2]))[0]!), [0.82687193, -1.06312108, 1.77186835, -0.82687193, -0.11812456, -0.59062278], 5);
    const affine = { gamma: f32([2], [1, 1]), beta: f32([2], [1, 0]) };
    close(values(runOp('layer_norm', { x, axes: ints([2]), epsilon: scalar(1e-4), ...affine }, F([1, 3, 2]))[0]!), [1.9999969, -0.9999969, 1.99999833, -0.99999833, 1.99995005, -0.99995005], 5);
  });
  it('rank 2 over axis 1', () => {
    const x = f32([3, 2], data);
    close(values(runOp('layer_norm', { x, axes: ints([1]), epsilon: scalar(1e-4) }, F([3, 2]))[0]!), [0.9999969, -0.9999969, 0.99999833, -0.99999833, 0.99995005, -0.99995005], 5);
  });
  it('gamma and beta shaped like the normalized dims apply elementwise over both axes', () => {
    const x = f32([1, 3, 2], data);
    const gamma = [0.5, 2, -1, 1.5, 3, -2];
    const beta = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
    const m = data.reduce((a, b) => a + b, 0) / 6;
    const varb = data.reduce((a, b) => a + (b - m) ** 2, 0) / 6;
    const want = data.map((v, i) => ((v - m) / Math.sqrt(varb + 1e-5)) * gamma[i]! + beta[i]!);
    close(values(runOp('layer_norm', { x, axes: ints([1, 2]), epsilon: scalar(1e-5), gamma: f32([3, 2], gamma), beta: f32([3, 2], beta) }, F([1, 3, 2]))[0]!), want, 5);
  });
});
