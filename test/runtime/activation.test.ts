import { describe, expect, it } from 'vitest';
import { f16, f32, runOp, scalar, str, values } from './build.js';

const x = f32([5], [-2, -0.5, 0, 0.5, 3]);
const F = { dtype: 'float32' as const, shape: [5] };
const run = (op: string, params: Record<string, ReturnType<typeof f32>> = {}) => values(runOp(op, { x, ...params }, F)[0]!);
const sig = (v: number) => 1 / (1 + Math.exp(-v));

function close(got: number[], want: number[], digits = 6): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, digits));
}

describe('activations', () => {
  it('relu, relu6, sigmoid, silu, softsign, softplus', () => {
    close(run('relu'), [0, 0, 0, 0.5, 3]);
    close(values(runOp('relu6', { x: f32([3], [-1, 3, 7]) }, { dtype: 'float32', shape: [3] })[0]!), [0, 3, 6]);
    close(run('sigmoid'), [-2, -0.5, 0, 0.5, 3].map(sig));
    close(run('silu'), [-2, -0.5, 0, 0.5, 3].map((v) => v * sig(v)));
    close(run('softsign'), [-2 / 3, -1 / 3, 0, 1 / 3, 0.75]);
    close(run('softplus'), [-2, -0.5, 0, 0.5, 3].map((v) => Math.log(1 + Math.exp(v))));
  });

  it('gelu in its three modes', () => {
    close(run('gelu'), [-0.0455003, -0.1542689, 0, 0.3457311, 2.9959502], 5);
    const tanhApprox = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
    close(run('gelu', { mode: str('TANH_APPROXIMATION') }), [-2, -0.5, 0, 0.5, 3].map(tanhApprox));
    close(run('gelu', { mode: str('SIGMOID_APPROXIMATION') }), [-2, -0.5, 0, 0.5, 3].map((v) => v * sig(1.702 * v)));
  });

  it('rejects an unknown gelu mode', () => {
    expect(() => run('gelu', { mode: str('FAST') })).toThrow(/unknown gelu mode 'FAST'/);
  });

  it('scalar-parameter activations use alpha and beta', () => {
    close(run('leaky_relu', { alpha: scalar(0.1) }), [-0.2, -0.05, 0, 0.5, 3]);
    close(run('elu', { alpha: scalar(2) }), [2 * Math.expm1(-2), 2 * Math.expm1(-0.5), 0, 0.5, 3]);
    close(run('sigmoid_hard', { alpha: scalar(0.2), beta: scalar(0.5) }), [0.1, 0.4, 0.5, 0.6, 1]);
    close(run('clip', { alpha: scalar(-1), beta: scalar(1) }), [-1, -0.5, 0, 0.5, 1]);
    close(run('threshold', { alpha: scalar(0) }), [0, 0, 0, 0.5, 3]);
    close(run('thresholded_relu', { alpha: scalar(0.5) }), [0, 0, 0, 0.5, 3]);
    close(run('clamped_relu', { alpha: scalar(0.5), beta: scalar(2) }), [-1, -0.25, 0, 0.5, 2]);
    close(run('scaled_tanh', { alpha: scalar(2), beta: scalar(0.5) }), [-2, -0.5, 0, 0.5, 3].map((v) => 2 * Math.tanh(0.5 * v)));
    close(run('linear_activation', { alpha: scalar(2), beta: scalar(1) }), [-3, 0, 1, 2, 7]);
  });

  it('prelu and softplus_parametric apply per-channel parameters on axis 1', () => {
    const xc = f32([1, 2, 2], [-1, 2, -3, 4]);
    const out = runOp('prelu', { x: xc, alpha: f32([2], [0.5, 0.1]) }, { dtype: 'float32', shape: [1, 2, 2] })[0]!;
    close(values(out), [-0.5, 2, -0.3, 4]);
    const sp = runOp('softplus_parametric', { x: xc, alpha: f32([2], [1, 2]), beta: f32([2], [1, 0.5]) }, { dtype: 'float32', shape: [1, 2, 2] })[0]!;
    close(values(sp), [Math.log1p(Math.exp(-1)), Math.log1p(Math.exp(2)), 2 * Math.log1p(Math.exp(-1.5)), 2 * Math.log1p(Math.exp(2))]);
  });

  it('softmax normalizes along the given axis without overflowing', () => {
    const xs = f32([2, 2], [1000, 1001, 0, 0]);
    const out = values(runOp('softmax', { x: xs, axis: f32([], [0]) }, { dtype: 'float32', shape: [2, 2] })[0]!);
    close(out, [1, 1, 0, 0]);
    const last = values(runOp('softmax', { x: xs }, { dtype: 'float32', shape: [2, 2] })[0]!);
    close(last, [1 / (1 + Math.E), Math.E / (1 + Math.E), 0.5, 0.5]);
  });

  it('an fp16 sigmoid result is rounded to half precision', () => {
    const [out] = runOp('sigmoid', { x: f16([1], [0.3]) }, { dtype: 'float16', shape: [1] });
    // sigmoid(0.2999878) = 0.574441…; the nearest half is 0.57421875.
    expect(values(out!)).toEqual([0.57421875]);
  });
});
