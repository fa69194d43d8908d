import { describe, expect, it } from 'vitest';
import { ConversionError } from '../../../src/errors.js';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { node, valueInfo } from '../../helpers/onnx-graph.js';
import { convertGraph } from './elementwise-helpers.js';
import { seededTensor } from './ort-parity.js';
import { compareTypedWithOrt, floatInput, int64Input } from './ort-typed.js';

const logProbs = [
  // n = 0: classes 0..2
  -0.5, -1.5, -2.5,
  // n = 1
  -0.25, -0.75, -3,
];

function nll(attrs: Record<string, number | string>, withWeight: boolean) {
  return convertGraph({
    nodes: [node('NegativeLogLikelihoodLoss', withWeight ? ['x', 't', 'w'] : ['x', 't'], ['loss'], attrs)],
    inputs: [valueInfo('x', 'float32', [2, 3]), valueInfo('t', 'int64', [2])],
    outputs: [valueInfo('loss', 'float32', attrs['reduction'] === 'none' ? [2] : [])],
    initializers: withWeight ? { w: makeTensor('float32', [3], Float32Array.from([1, 2, 4])) } : {},
  });
}

const run = (c: ReturnType<typeof nll>, targets: number[]) =>
  c.run({ x: makeTensor('float32', [2, 3], Float32Array.from(logProbs)), t: makeTensor('int32', [2], Int32Array.from(targets)) })['loss']!;

describe('NegativeLogLikelihoodLoss', () => {
  it('gathers -input[n, target[n]] along the class axis and keeps it with reduction none', () => {
    const c = nll({ reduction: 'none' }, false);
    expect(c.types).toEqual(['expand_dims', 'gather_along_axis', 'squeeze', 'mul']);
    expect(run(c, [1, 2])).toEqual([1.5, 3]);
  });

  it('mean without weights averages over every element, sum adds them', () => {
    expect(run(nll({}, false), [0, 1])[0]).toBeCloseTo((0.5 + 0.75) / 2, 6);
    expect(run(nll({ reduction: 'sum' }, false), [0, 1])[0]).toBeCloseTo(1.25, 6);
  });

  it('weighted mean divides by the sum of the applied class weights', () => {
    const c = nll({}, true);
    expect(c.types).toContain('gather');
    expect(c.types).toContain('real_div');
    // targets 2 and 1: (2.5·4 + 0.75·2) / (4 + 2)
    expect(run(c, [2, 1])[0]).toBeCloseTo((10 + 1.5) / 6, 6);
  });

  it('ignore_index zeroes the loss and the weight of ignored elements, even out-of-range ones', () => {
    const none = nll({ reduction: 'none', ignore_index: -1 }, false);
    expect(none.types).toContain('not_equal');
    expect(run(none, [-1, 1])).toEqual([0, 0.75]);
    // The ignored element is not counted in the mean.
    expect(run(nll({ ignore_index: 7 }, false), [7, 1])[0]).toBeCloseTo(0.75, 6);
    expect(run(nll({ ignore_index: 0 }, true), [0, 2])[0]).toBeCloseTo(3, 6);
  });

  it('refuses a reduction ONNX does not define', () => {
    expect(() => nll({ reduction: 'max' }, false)).toThrow(ConversionError);
  });

  it.each([
    ['none', undefined, false],
    ['mean', undefined, true],
    ['sum', 1, true],
    ['mean', 2, false],
  ] as const)('matches onnxruntime on [N, C, d1, d2] (reduction %s, ignore_index %s, weight %s)', async (reduction, ii, weighted) => {
    const attrs: Record<string, number | string> = { reduction, ...(ii === undefined ? {} : { ignore_index: ii }) };
    const n = node('NegativeLogLikelihoodLoss', weighted ? ['x', 't', 'w'] : ['x', 't'], ['loss'], attrs);
    const x = seededTensor([2, 3, 2, 2], 11);
    const targets = [0, 1, 2, 1, 2, 2, 0, 1];
    const inputs = { x: floatInput([2, 3, 2, 2], [...(x.data as Float32Array)]), t: int64Input([2, 2, 2], targets) };
    const initializers: Record<string, Tensor> = weighted ? { w: makeTensor('float32', [3], Float32Array.from([0.2, 0.3, 0.5])) } : {};
    const verdicts = await compareTypedWithOrt(n, inputs, ['float32'], { initializers });
    expect(verdicts.every((v) => v.pass), JSON.stringify(verdicts.map((v) => v.reason))).toBe(true);
  });
});

describe('SoftmaxCrossEntropyLoss', () => {
  it('computes log_softmax over axis 1 stably and returns it as the optional second output', () => {
    const c = convertGraph({
      nodes: [node('SoftmaxCrossEntropyLoss', ['x', 't'], ['loss', 'log_prob'], { reduction: 'none' })],
      inputs: [valueInfo('x', 'float32', [1, 2]), valueInfo('t', 'int64', [1])],
      outputs: [valueInfo('loss', 'float32', [1]), valueInfo('log_prob', 'float32', [1, 2])],
    });
    expect(c.types.slice(0, 6)).toEqual(['reduce_max', 'sub', 'exp', 'reduce_sum', 'log', 'sub']);
    const out = c.run({ x: makeTensor('float32', [1, 2], Float32Array.from([1000, 1000 + Math.log(3)])), t: makeTensor('int32', [1], Int32Array.from([0])) });
    // softmax = [1/4, 3/4]: finite even though exp(1000) overflows.
    expect(out['loss']![0]).toBeCloseTo(Math.log(4), 3);
    expect(out['log_prob']![1]).toBeCloseTo(Math.log(0.75), 3);
  });

  it.each([
    ['mean', undefined, true, [3, 4]],
    ['sum', 0, false, [3, 4, 2]],
    ['none', -3, true, [2, 4, 2, 3]],
  ] as const)('matches onnxruntime (reduction %s, ignore_index %s, weight %s, shape %j), loss and log_prob', async (reduction, ii, weighted, shape) => {
    const attrs: Record<string, number | string> = { reduction, ...(ii === undefined ? {} : { ignore_index: ii }) };
    const n = node('SoftmaxCrossEntropyLoss', weighted ? ['x', 't', 'w'] : ['x', 't'], ['loss', 'log_prob'], attrs);
    const x = seededTensor([...shape], 5);
    const targetShape = [shape[0], ...shape.slice(2)];
    const count = targetShape.reduce((a, b) => a * b, 1);
    const targets = Array.from({ length: count }, (_, i) => (i % 5 === 3 && ii !== undefined ? ii : (i * 7) % 4));
    const inputs = { x: floatInput([...shape], [...(x.data as Float32Array)]), t: int64Input(targetShape, targets) };
    const initializers: Record<string, Tensor> = weighted ? { w: makeTensor('float32', [4], Float32Array.from([0.1, 0.2, 0.3, 0.4])) } : {};
    const verdicts = await compareTypedWithOrt(n, inputs, ['float32', 'float32'], { initializers });
    expect(verdicts.every((v) => v.pass), JSON.stringify(verdicts.map((v) => v.reason))).toBe(true);
  });
});
