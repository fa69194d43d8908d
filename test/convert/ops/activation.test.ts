import { describe, expect, it } from 'vitest';
import { ConversionError } from '../../../src/errors.js';
import { mainFunction } from '../../../src/mil/ir.js';
import { applyFp16ComputePrecision } from '../../../src/mil/passes/fp16.js';
import { validateProgram } from '../../../src/mil/validate.js';
import { makeTensor, toNumberList, type Tensor } from '../../../src/tensor/tensor.js';
import { node, valueInfo } from '../../helpers/onnx-graph.js';
import { convertGraph, firstOp } from './elementwise-helpers.js';

const f32 = (shape: (number | string | null)[], name = 'x') => valueInfo(name, 'float32', shape);
const scalar = (v: number): Tensor => makeTensor('float32', [], Float32Array.from([v]));

function unary(op: string, attrs: Record<string, number | string> = {}, opset = 17, shape: (number | string)[] = [1, 3, 4], floats: string[] = []) {
  return convertGraph({
    nodes: [node(op, ['x'], ['y'], attrs, floats)],
    inputs: [f32(shape)],
    outputs: [f32(shape, 'y')],
    opset,
  });
}

const paramOf = (c: ReturnType<typeof unary>, type: string, param: string): number[] => toNumberList(c.constParam(firstOp(c, type), param)!);

describe('activation converters', () => {
  it.each([
    ['Relu', 'relu'],
    ['Sigmoid', 'sigmoid'],
    ['Tanh', 'tanh'],
    ['Softplus', 'softplus'],
    ['Softsign', 'softsign'],
  ])('%s becomes %s', (onnx, mil) => {
    const c = unary(onnx);
    expect(c.types).toEqual([mil]);
    expect(c.typeOf('y')).toEqual({ dtype: 'float32', shape: [1, 3, 4] });
  });

  it('integer Relu uses maximum with 0', () => {
    const c = convertGraph({ nodes: [node('Relu', ['x'], ['y'])], inputs: [valueInfo('x', 'int32', [3])], outputs: [valueInfo('y', 'int32', [3])] });
    expect(c.types).toEqual(['maximum']);
  });

  it('LeakyRelu passes alpha, defaulting to 0.01', () => {
    expect(paramOf(unary('LeakyRelu', { alpha: 0.2 }, 17, [1, 3, 4], ['alpha']), 'leaky_relu', 'alpha')[0]).toBeCloseTo(0.2, 6);
    expect(paramOf(unary('LeakyRelu'), 'leaky_relu', 'alpha')[0]).toBeCloseTo(0.01, 6);
  });

  it('HardSigmoid passes alpha and beta; HardSwish is x·sigmoid_hard(x, 1/6, 0.5)', () => {
    const hs = unary('HardSigmoid', { alpha: 0.25, beta: 0.4 }, 17, [1, 3, 4], ['alpha', 'beta']);
    expect(paramOf(hs, 'sigmoid_hard', 'alpha')[0]).toBeCloseTo(0.25, 6);
    expect(paramOf(hs, 'sigmoid_hard', 'beta')[0]).toBeCloseTo(0.4, 6);
    const sw = unary('HardSwish');
    expect(sw.types).toEqual(['sigmoid_hard', 'mul']);
    expect(paramOf(sw, 'sigmoid_hard', 'alpha')[0]).toBeCloseTo(1 / 6, 6);
  });

  it('Elu passes alpha; Selu is gamma·elu(x, alpha)', () => {
    expect(paramOf(unary('Elu', { alpha: 0.5 }, 17, [1, 3, 4], ['alpha']), 'elu', 'alpha')[0]).toBeCloseTo(0.5, 6);
    const selu = unary('Selu');
    expect(selu.types).toEqual(['elu', 'mul']);
    expect(paramOf(selu, 'elu', 'alpha')[0]).toBeCloseTo(1.67326, 4);
    expect(paramOf(selu, 'mul', 'y')[0]).toBeCloseTo(1.0507, 4);
  });

  it('Gelu (opset 20) maps approximate=none/tanh to EXACT/TANH_APPROXIMATION', () => {
    const exact = unary('Gelu', {}, 20);
    expect(exact.constParam(firstOp(exact, 'gelu'), 'mode')!.data).toEqual(['EXACT']);
    const tanh = unary('Gelu', { approximate: 'tanh' }, 20);
    expect(tanh.constParam(firstOp(tanh, 'gelu'), 'mode')!.data).toEqual(['TANH_APPROXIMATION']);
  });
});

describe('PRelu', () => {
  function prelu(slope: Tensor | undefined, xShape: number[] = [1, 3, 4, 4], slopeInfo?: ReturnType<typeof f32>) {
    return convertGraph({
      nodes: [node('PRelu', ['x', 's'], ['y'])],
      inputs: slope ? [f32(xShape)] : [f32(xShape), slopeInfo!],
      outputs: [f32(xShape, 'y')],
      ...(slope ? { initializers: { s: slope } } : {}),
    });
  }

  it('a constant per-channel slope becomes prelu with one alpha per channel', () => {
    const c = prelu(makeTensor('float32', [3, 1, 1], Float32Array.from([0.1, 0.2, 0.3])));
    expect(c.types).toEqual(['prelu']);
    const alpha = c.constParam(firstOp(c, 'prelu'), 'alpha')!;
    expect(alpha.shape).toEqual([3]);
  });

  it('a single constant slope becomes leaky_relu', () => {
    const c = prelu(makeTensor('float32', [1], Float32Array.from([0.25])));
    expect(c.types).toEqual(['leaky_relu']);
  });

  it('any other slope is max(x, 0) + slope·min(x, 0)', () => {
    const c = prelu(undefined, [2, 3], f32([3], 's'));
    expect(c.types).toEqual(['maximum', 'minimum', 'mul', 'add']);
    expect(c.typeOf('y')).toEqual({ dtype: 'float32', shape: [2, 3] });
  });
});

describe('Clip', () => {
  function clip(opset: number, bounds: { min?: Tensor; max?: Tensor }, attrs: Record<string, number> = {}) {
    const inputs = opset >= 11 ? ['x', bounds.min ? 'lo' : '', bounds.max ? 'hi' : ''] : ['x'];
    const initializers: Record<string, Tensor> = {};
    if (bounds.min) initializers['lo'] = bounds.min;
    if (bounds.max) initializers['hi'] = bounds.max;
    return convertGraph({
      nodes: [node('Clip', inputs, ['y'], attrs, Object.keys(attrs))],
      inputs: [f32([4])],
      outputs: [f32([4], 'y')],
      initializers,
      opset,
    });
  }

  it('constant bounds from inputs (opset 11+) become clip', () => {
    const c = clip(13, { min: scalar(0), max: scalar(6) });
    expect(c.types).toEqual(['clip']);
    expect(toNumberList(c.constParam(firstOp(c, 'clip'), 'beta')!)).toEqual([6]);
  });

  it('bounds from attributes (before opset 11) become clip', () => {
    const c = clip(6, {}, { min: -1, max: 1 });
    expect(c.types).toEqual(['clip']);
    expect(toNumberList(c.constParam(firstOp(c, 'clip'), 'alpha')!)).toEqual([-1]);
  });

  it('a missing bound uses maximum or minimum alone', () => {
    expect(clip(13, { min: scalar(0) }).types).toEqual(['maximum']);
    expect(clip(13, { max: scalar(6) }).types).toEqual(['minimum']);
    expect(clip(13, {}).types).toEqual(['identity']);
  });

  it('a computed bound uses maximum/minimum with the value', () => {
    const c = convertGraph({
      nodes: [node('Clip', ['x', 'lo'], ['y'])],
      inputs: [f32([4]), f32([], 'lo')],
      outputs: [f32([4], 'y')],
      opset: 13,
    });
    expect(c.types).toContain('maximum');
    expect(c.types).not.toContain('clip');
  });
});

describe('Softmax and LogSoftmax', () => {
  it('opset 13 normalizes along the axis directly', () => {
    const c = unary('Softmax', { axis: 1 }, 13);
    expect(c.types).toEqual(['softmax']);
    expect(toNumberList(c.constParam(firstOp(c, 'softmax'), 'axis')!)).toEqual([1]);
  });

  it('before opset 13 flattens to 2-D at axis and restores the shape', () => {
    const c = unary('Softmax', { axis: 1 }, 11);
    expect(c.types).toEqual(['reshape', 'softmax', 'reshape']);
    expect(toNumberList(c.constParam(c.ops.find((o) => o.type === 'reshape')!, 'shape')!)).toEqual([-1, 12]);
    expect(c.typeOf('y')).toEqual({ dtype: 'float32', shape: [1, 3, 4] });
  });

  it('before opset 13 with the last axis needs no reshape', () => {
    expect(unary('Softmax', { axis: 2 }, 11).types).toEqual(['softmax']);
  });

  it('before opset 13 refuses a flattening axis over unknown dims', () => {
    expect(() => unary('Softmax', { axis: 0 }, 11, ['N', 3])).toThrow(ConversionError);
  });

  it('defaults to axis 1 before opset 13 and to the last axis from 13', () => {
    expect(unary('Softmax', {}, 11).types).toEqual(['reshape', 'softmax', 'reshape']);
    const latest = unary('Softmax', {}, 13);
    expect(latest.types).toEqual(['softmax']);
    expect(toNumberList(latest.constParam(firstOp(latest, 'softmax'), 'axis')!)).toEqual([2]);
  });

  it('restores an unknown leading dim with -1 after flattening', () => {
    const c = unary('LogSoftmax', { axis: 1 }, 11, ['N', 3, 4]);
    const restore = c.ops.filter((o) => o.type === 'reshape').at(-1)!;
    expect(toNumberList(c.constParam(restore, 'shape')!)).toEqual([-1, 3, 4]);
    expect(c.typeOf('y')).toEqual({ dtype: 'float32', shape: [null, 3, 4] });
  });

  it('LogSoftmax is x - max - log(sum(exp(x - max))) for fp16 safety', () => {
    const c = unary('LogSoftmax', { axis: -1 }, 13);
    expect(c.types).toEqual(['reduce_max', 'sub', 'exp', 'reduce_sum', 'log', 'sub']);
    expect(toNumberList(c.constParam(firstOp(c, 'log'), 'epsilon')!)).toEqual([0]);
    expect(c.typeOf('y')).toEqual({ dtype: 'float32', shape: [1, 3, 4] });
  });
});

describe('converted activations under fp16 compute precision', () => {
  it.each(['iOS15', 'iOS17'] as const)('a mixed graph on %s validates after the fp16 pass with fp32 I/O', (target) => {
    const c = convertGraph({
      nodes: [
        node('LeakyRelu', ['x'], ['a'], { alpha: 0.1 }, ['alpha']),
        node('Clip', ['a', 'lo', 'hi'], ['b']),
        node('HardSwish', ['b'], ['h']),
        node('LogSoftmax', ['h'], ['y'], { axis: 1 }),
        node('Less', ['x', 'lo'], ['m']),
      ],
      inputs: [f32([1, 3, 4])],
      outputs: [f32([1, 3, 4], 'y'), valueInfo('m', 'bool', [1, 3, 4])],
      initializers: { lo: scalar(-1e6), hi: scalar(6) },
      target,
    });
    const program = c.result.model.program;
    const { warnings } = applyFp16ComputePrecision(program);
    expect(validateProgram(program)).toEqual([]);
    expect(warnings.join('\n')).toMatch(/saturated/);
    const fn = mainFunction(program);
    expect(fn.inputs[0]!.type.dtype).toBe('float32');
    const yOp = fn.block.operations.find((o) => o.outputs[0]?.name === 'y')!;
    expect(yOp.type).toBe('cast');
    expect(yOp.outputs[0]!.type.dtype).toBe('float32');
    const softmaxPart = fn.block.operations.find((o) => o.type === 'reduce_max')!;
    expect(softmaxPart.outputs[0]!.type.dtype).toBe('float16');
  });
});

describe('activation numbers on the reference interpreter', () => {
  const floats = (shape: number[], values: number[]) => makeTensor('float32', shape, Float32Array.from(values));
  const close = (got: number[], want: number[], digits = 5) => want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, digits));

  it('HardSwish is x·clamp(x/6 + 1/2, 0, 1)', () => {
    const c = unary('HardSwish', {}, 17, [4]);
    close(c.run({ x: floats([4], [-4, -1, 1, 4]) })['y']!, [0, -1 / 3, 2 / 3, 4]);
  });

  it('Selu scales elu by gamma', () => {
    const c = unary('Selu', {}, 17, [2]);
    const alpha = 1.6732632423543772;
    const gamma = 1.0507009873554805;
    close(c.run({ x: floats([2], [-1, 2]) })['y']!, [gamma * alpha * (Math.exp(-1) - 1), gamma * 2]);
  });

  it('Clip with one bound only clamps that side', () => {
    const c = convertGraph({
      nodes: [node('Clip', ['x', '', 'hi'], ['y'])],
      inputs: [f32([3])],
      outputs: [f32([3], 'y')],
      initializers: { hi: scalar(1) },
    });
    expect(c.run({ x: floats([3], [-5, 0.5, 5]) })['y']).toEqual([-5, 0.5, 1]);
  });

  it('PRelu per channel and with a general slope agree with max(x,0) + slope·min(x,0)', () => {
    const slope = makeTensor('float32', [2, 1], Float32Array.from([0.5, 0.25]));
    const perChannel = convertGraph({
      nodes: [node('PRelu', ['x', 's'], ['y'])],
      inputs: [f32([1, 2, 2])],
      outputs: [f32([1, 2, 2], 'y')],
      initializers: { s: slope },
    });
    expect(perChannel.types).toEqual(['prelu']);
    const x = floats([1, 2, 2], [-2, 2, -4, 4]);
    expect(perChannel.run({ x })['y']).toEqual([-1, 2, -1, 4]);
    const general = convertGraph({
      nodes: [node('PRelu', ['x', 's'], ['y'])],
      inputs: [f32([1, 2, 2]), f32([2, 1], 's')],
      outputs: [f32([1, 2, 2], 'y')],
    });
    expect(general.run({ x, s: slope })['y']).toEqual([-1, 2, -1, 4]);
  });

  it('opset-11 Softmax normalizes over everything after axis', () => {
    const c = unary('Softmax', { axis: 1 }, 11, [1, 2, 2]);
    const values = [0, 1, 2, 3];
    const denominator = values.reduce((s, v) => s + Math.exp(v), 0);
    close(c.run({ x: floats([1, 2, 2], values) })['y']!, values.map((v) => Math.exp(v) / denominator));
  });

  it('LogSoftmax stays finite where log(softmax) would underflow', () => {
    const c = unary('LogSoftmax', { axis: -1 }, 13, [3]);
    const y = c.run({ x: floats([3], [0, 100, 200]) })['y']!;
    close(y, [-200, -100, 0], 3);
  });

  it('Gelu tanh approximation and exact form both match their formulas', () => {
    const x = [-1.5, 0.3, 2];
    const exact = unary('Gelu', {}, 20, [3]).run({ x: floats([3], x) })['y']!;
    // erf by midpoint integration: far more accurate than the 4 digits checked.
    const erf = (v: number) => {
      let s = 0;
      const n = 2000;
      for (let k = 0; k < n; k++) {
        const t = ((k + 0.5) / n) * v;
        s += Math.exp(-t * t);
      }
      return (2 / Math.sqrt(Math.PI)) * s * (v / n);
    };
    close(exact, x.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2))), 4);
    const approx = unary('Gelu', { approximate: 'tanh' }, 20, [3]).run({ x: floats([3], x) })['y']!;
    close(approx, x.map((v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))), 4);
  });
});

describe('activation numbers under fp16 compute precision', () => {
  it('LogSoftmax stays finite in fp16 where log(softmax(x)) would give -inf', () => {
    const c = unary('LogSoftmax', { axis: -1 }, 13, [3]);
    applyFp16ComputePrecision(c.result.model.program);
    const y = c.run({ x: makeTensor('float32', [3], Float32Array.from([0, 10, 20])) })['y']!;
    expect(y.every(Number.isFinite)).toBe(true);
    [-20, -10, 0].forEach((want, i) => expect(Math.abs(y[i]! - want)).toBeLessThan(0.05));
  });
});

describe('ThresholdedRelu, Celu and Mish', () => {
  const floats = (values: number[]) => makeTensor('float32', [values.length], Float32Array.from(values));

  it('ThresholdedRelu zeroes x <= alpha, including x == alpha', () => {
    const c = unary('ThresholdedRelu', { alpha: 1 }, 17, [4], ['alpha']);
    expect(c.run({ x: floats([0.5, 1, 1.5, -2]) })['y']).toEqual([0, 0, 1.5, 0]);
  });

  it('Celu is alpha·elu(x/alpha)', () => {
    const c = unary('Celu', { alpha: 2 }, 12, [2], ['alpha']);
    const y = c.run({ x: floats([-1, 3]) })['y']!;
    expect(y[0]).toBeCloseTo(2 * (Math.exp(-0.5) - 1), 5);
    expect(y[1]).toBeCloseTo(3, 6);
  });

  it('Mish is x·tanh(softplus(x))', () => {
    const c = unary('Mish', {}, 18, [2]);
    const y = c.run({ x: floats([-1, 2]) })['y']!;
    [-1, 2].forEach((v, i) => expect(y[i]).toBeCloseTo(v * Math.tanh(Math.log1p(Math.exp(v))), 5));
  });
});
