import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../src/tensor/tensor.js';
import { f32, i32, runOp, scalar, str, values } from './build.js';

/**
 * Activations, element-wise unary and binary ops on the inputs Apple's MIL op
 * tests use (iOS14/test_activation.py, test_elementwise_unary.py,
 * test_elementwise_binary.py); every expected value is the tests' numpy
 * formula, evaluated here.
 */

const F = (shape: number[]) => ({ dtype: 'float32' as const, shape });
const signed = [-1, 2, -3, 4, -5, 6];
const t = f32([2, 3], signed);
const fractional = [-1.2, 2, -3.4, 4.5, -5, 6.7];
const frac = f32([2, 3], fractional);
const run = (op: string, inputs: Record<string, Tensor>, shape = [2, 3]) => values(runOp(op, inputs, F(shape))[0]!);
const close = (got: number[], want: number[], digits = 5) => want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, digits));

describe('activations with scalar parameters', () => {
  it('clamped_relu: min(max(x, 0), beta) + min(alpha·min(x, 0), beta)', () => {
    const f = (x: number) => Math.min(Math.max(x, 0), 1) + Math.min(Math.min(x, 0) * 2, 1);
    expect(run('clamped_relu', { x: t, alpha: scalar(2), beta: scalar(1) })).toEqual(signed.map(f));
    expect(run('clamped_relu', { x: t, alpha: scalar(2), beta: scalar(1) })).toEqual([-2, 1, -6, 1, -10, 1]);
  });
  it('elu: x for x > 0, alpha·(e^x − 1) otherwise', () => {
    close(run('elu', { x: t, alpha: scalar(2) }), signed.map((x) => (x > 0 ? x : 2 * (Math.exp(x) - 1))));
  });
  it('leaky_relu, linear_activation, relu, relu6', () => {
    expect(run('leaky_relu', { x: t, alpha: scalar(2) })).toEqual([-2, 2, -6, 4, -10, 6]);
    expect(run('linear_activation', { x: t, alpha: scalar(2), beta: scalar(3) })).toEqual([1, 7, -3, 11, -7, 15]);
    expect(run('relu', { x: t })).toEqual([0, 2, 0, 4, 0, 6]);
    expect(run('relu6', { x: f32([2, 3], [-1, 7, -3, 4, -5, 8]) })).toEqual([0, 6, 0, 4, 0, 6]);
  });
  it('scaled_tanh: alpha·tanh(beta·x)', () => {
    close(run('scaled_tanh', { x: t, alpha: scalar(2), beta: scalar(1) }), signed.map((x) => 2 * Math.tanh(x)));
  });
  it('sigmoid_hard: min(max(alpha·x + beta, 0), 1)', () => {
    expect(run('sigmoid_hard', { x: t, alpha: scalar(1), beta: scalar(2) })).toEqual([1, 1, 0, 1, 0, 1]);
  });
  it('thresholded_relu keeps x where x ≥ alpha (a value equal to alpha survives)', () => {
    expect(run('thresholded_relu', { x: t, alpha: scalar(2) })).toEqual([0, 2, 0, 4, 0, 6]);
  });
  it('sigmoid, softplus, softsign, silu', () => {
    close(run('sigmoid', { x: t }), signed.map((x) => 1 / (1 + Math.exp(-x))));
    close(run('softplus', { x: t }), signed.map((x) => Math.log(1 + Math.exp(x))));
    close(run('softsign', { x: t }), signed.map((x) => x / (1 + Math.abs(x))));
    const s = [-1.1, 2.2, -3.3, 4.4];
    close(run('silu', { x: f32([1, 2, 1, 2], s) }, [1, 2, 1, 2]), s.map((x) => x / (1 + Math.exp(-x))));
  });
});

/** erf as its integral, by the midpoint rule: accurate to well beyond the 5 digits compared. */
function erfIntegral(x: number): number {
  const n = 4000;
  let s = 0;
  for (let k = 0; k < n; k++) s += Math.exp(-((((k + 0.5) / n) * x) ** 2));
  return (2 / Math.sqrt(Math.PI)) * s * (x / n);
}

describe('gelu modes', () => {
  const erf = erfIntegral;
  const formulas: Record<string, (x: number) => number> = {
    EXACT: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
    TANH_APPROXIMATION: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
    SIGMOID_APPROXIMATION: (x) => x / (1 + Math.exp(-1.702 * x)),
  };
  for (const [mode, f] of Object.entries(formulas)) {
    it(mode, () => close(run('gelu', { x: t, mode: str(mode) }), signed.map(f)));
  }
  it('defaults to EXACT', () => close(run('gelu', { x: t }), signed.map(formulas.EXACT!)));
});

describe('per-channel activations take channels from axis 1', () => {
  it('prelu at ranks 3, 4 and 5: alpha_c scales the negative part of channel c', () => {
    const x = [-1, 3, -1, 2, 4, -5];
    const alpha = [1, 2, 3];
    const want = x.map((v, i) => (v > 0 ? v : v * alpha[Math.floor(i / 2)]!));
    for (const shape of [[1, 3, 2], [1, 3, 1, 2], [1, 3, 1, 1, 2]]) {
      expect(run('prelu', { x: f32(shape, x), alpha: f32([3], alpha) }, shape)).toEqual(want);
    }
  });
  it('softplus_parametric: alpha_c·log(e^(beta_c·x) + 1)', () => {
    const x = [-1, 3, 6, -1, 2, -3, 4, -5, 6];
    const [alpha, beta] = [[1, 2, 3], [4, 5, 6]];
    const want = x.map((v, i) => alpha[Math.floor(i / 3)]! * Math.log(Math.exp(beta[Math.floor(i / 3)]! * v) + 1));
    close(run('softplus_parametric', { x: f32([1, 3, 1, 3], x), alpha: f32([3], alpha), beta: f32([3], beta) }, [1, 3, 1, 3]), want, 4);
  });
});

describe('softmax', () => {
  it('along axis 0', () => {
    const got = run('softmax', { x: t, axis: i32([], [0]) });
    for (let c = 0; c < 3; c++) {
      const [a, b] = [signed[c]!, signed[c + 3]!];
      close([got[c]!, got[c + 3]!], [Math.exp(a) / (Math.exp(a) + Math.exp(b)), Math.exp(b) / (Math.exp(a) + Math.exp(b))], 6);
    }
  });
});

describe('element-wise unary', () => {
  it('ceil, floor, round (no ties in the tests), sign', () => {
    expect(run('ceil', { x: frac })).toEqual([-1, 2, -3, 5, -5, 7]);
    expect(run('floor', { x: frac })).toEqual([-2, 2, -4, 4, -5, 6]);
    expect(run('round', { x: f32([2, 3], [-1.2, 2, -3.4, 4.6, -5, 6.7]) })).toEqual([-1, 2, -3, 5, -5, 7]);
    expect(run('sign', { x: f32([2, 3], [-1, 2, 0, 0, -5, 6]) })).toEqual([-1, 1, 0, 0, -1, 1]);
  });
  it('clip to [alpha, beta] and threshold as max(x, alpha)', () => {
    close(run('clip', { x: frac, alpha: scalar(0), beta: scalar(5) }), [0, 2, 0, 4.5, 0, 5]);
    close(run('threshold', { x: frac, alpha: scalar(1) }), [1, 2, 1, 4.5, 1, 6.7]);
  });
  it('cast to int32 truncates toward zero', () => {
    const [out] = runOp('cast', { x: f32([2, 3], [-1.2, 2, -3.6, 4.5, -5, 6.7]), dtype: str('int32') }, { dtype: 'int32', shape: [2, 3] });
    expect(values(out!)).toEqual([-1, 2, -3, 4, -5, 6]);
  });
  it('exp2, inverse, log, rsqrt with their default epsilons', () => {
    close(run('exp2', { x: t }), signed.map((x) => 2 ** x));
    close(run('inverse', { x: t }), signed.map((x) => 1 / x), 3);
    const pos = [1, 2, 3, 4, 5, 6];
    close(run('log', { x: f32([2, 3], pos) }), pos.map(Math.log));
    close(run('rsqrt', { x: f32([2, 3], pos) }), pos.map((x) => 1 / Math.sqrt(x)));
    close(run('sqrt', { x: f32([2, 3], pos) }), pos.map(Math.sqrt));
  });
  it('erf against its integral', () => {
    close(run('erf', { x: t }), signed.map(erfIntegral));
  });
  it('trigonometric and hyperbolic ops', () => {
    for (const [op, f] of [['sin', Math.sin], ['cos', Math.cos], ['tan', Math.tan], ['tanh', Math.tanh], ['exp', Math.exp], ['abs', Math.abs], ['square', (x: number) => x * x]] as const) {
      close(run(op, { x: t }), signed.map(f), 3);
    }
    const unit = [-0.9, -0.5, -0.1, 0.1, 0.5, 0.9];
    for (const [op, f] of [['asin', Math.asin], ['acos', Math.acos], ['atan', Math.atan], ['atanh', Math.atanh], ['sinh', Math.sinh], ['cosh', Math.cosh]] as const) {
      close(run(op, { x: f32([2, 3], unit) }), unit.map(f));
    }
  });
});

describe('element-wise binary on x = [[10, 20, 30], [40, 50, 60]], y = [[11 … 16]]', () => {
  const xs = [10, 20, 30, 40, 50, 60];
  const ys = [11, 12, 13, 14, 15, 16];
  const x = f32([2, 3], xs);
  const y = f32([2, 3], ys);
  it('floor_div, mod and real_div', () => {
    expect(run('floor_div', { x, y })).toEqual([0, 1, 2, 2, 3, 3]);
    expect(run('mod', { x, y })).toEqual([10, 8, 4, 12, 5, 12]);
    close(run('real_div', { x, y }), xs.map((v, i) => v / ys[i]!));
  });
  it('add, sub, mul, maximum, minimum and pow on signed operands', () => {
    const a = f32([2, 3], [1, 2, 3, 4, 5, 6]);
    const b = t;
    expect(run('add', { x: a, y: b })).toEqual([0, 4, 0, 8, 0, 12]);
    expect(run('sub', { x: a, y: b })).toEqual([2, 0, 6, 0, 10, 0]);
    expect(run('mul', { x: a, y: b })).toEqual([-1, 4, -9, 16, -25, 36]);
    expect(run('maximum', { x: a, y: b })).toEqual([1, 2, 3, 4, 5, 6]);
    expect(run('minimum', { x: a, y: b })).toEqual(signed);
    close(run('pow', { x: a, y: b }), [1, 4, 1 / 27, 256, 1 / 3125, 46656], 4);
  });
  it('real_div of two int32 operands stays int32: the quotient truncated', () => {
    const [out] = runOp('real_div', { x: i32([1], [5]), y: i32([1], [2]) }, { dtype: 'int32', shape: [1] });
    expect(out!.dtype).toBe('int32');
    expect(values(out!)).toEqual([2]);
    const [grid] = runOp('real_div', { x: i32([2, 3], xs), y: i32([2, 3], ys) }, { dtype: 'int32', shape: [2, 3] });
    expect(values(grid!)).toEqual(xs.map((v, i) => Math.trunc(v / ys[i]!)));
  });
});

describe('comparisons of x = [[1, 2, 3], [4, 5, 6]] with y = [[-1, 2, -3], [4, -5, 6]] and with scalars', () => {
  const x = f32([2, 3], [1, 2, 3, 4, 5, 6]);
  const y = t;
  const cmp = (op: string, a: Tensor, b: Tensor) => values(runOp(op, { x: a, y: b }, { dtype: 'bool', shape: [2, 3] })[0]!);
  it('element-wise, a bool result', () => {
    expect(cmp('equal', x, y)).toEqual([0, 1, 0, 1, 0, 1]);
    expect(cmp('not_equal', x, y)).toEqual([1, 0, 1, 0, 1, 0]);
    expect(cmp('greater', x, y)).toEqual([1, 0, 1, 0, 1, 0]);
    expect(cmp('greater_equal', x, y)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(cmp('less', x, y)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(cmp('less_equal', x, y)).toEqual([0, 1, 0, 1, 0, 1]);
  });
  it('a scalar operand broadcasts on either side', () => {
    expect(cmp('equal', scalar(-3), y)).toEqual([0, 0, 1, 0, 0, 0]);
    expect(cmp('greater', x, scalar(3.5))).toEqual([0, 0, 0, 1, 1, 1]);
    expect(cmp('greater_equal', x, scalar(3.5))).toEqual([0, 0, 0, 1, 1, 1]);
    expect(cmp('less', x, scalar(3.5))).toEqual([1, 1, 1, 0, 0, 0]);
  });
});

describe('select (iOS14/test_control_flow.py)', () => {
  const asBool = (shape: number[], v: number[]) => runOp('cast', { x: f32(shape, v), dtype: str('bool') }, { dtype: 'bool', shape })[0]!;
  it('cast to bool marks non-zero values true; select takes a where true, b elsewhere', () => {
    const cond = asBool([3, 3], [3, 0, 0, 0, 4, 0, 5, 6, 0]);
    expect(values(cond)).toEqual([1, 0, 0, 0, 1, 0, 1, 1, 0]);
    const a = f32([3, 3], [3, 1, 1, 1, 4, 1, 5, 6, 1]);
    const b = f32([3, 3], [3, 2, 2, 2, 4, 2, 5, 6, 2]);
    expect(run('select', { cond, a, b }, [3, 3])).toEqual([3, 2, 2, 2, 4, 2, 5, 6, 2]);
  });
  it('cond, a and b broadcast together, a scalar included', () => {
    const cond = asBool([3, 1], [1, 0, 2]);
    const b = f32([3, 3], [3, 2, 2, 2, 4, 2, 5, 6, 2]);
    expect(run('select', { cond, a: f32([3], [1, 7, 8]), b }, [3, 3])).toEqual([1, 7, 8, 2, 4, 2, 1, 7, 8]);
    expect(run('select', { cond, a: scalar(1), b }, [3, 3])).toEqual([1, 1, 1, 2, 4, 2, 1, 1, 1]);
    expect(run('select', { cond, a: f32([3, 2], [1, 2, 3, 4, 5, 6]), b: f32([2], [7, 8]) }, [3, 2])).toEqual([1, 2, 7, 8, 5, 6]);
  });
});
