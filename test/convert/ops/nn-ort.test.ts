import { describe, expect, it } from 'vitest';
import { makeTensor } from '../../../src/tensor/tensor.js';
import { node } from '../../helpers/onnx-graph.js';
import { compareWithOrt, seededTensor } from './ort-parity.js';

const i64 = (...v: number[]) => makeTensor('int64', [v.length], BigInt64Array.from(v.map(BigInt)));
const fl = (...v: number[]) => makeTensor('float32', [v.length], Float32Array.from(v));

async function expectParity(...args: Parameters<typeof compareWithOrt>): Promise<void> {
  const verdicts = await compareWithOrt(...args);
  for (const v of verdicts) expect(v.pass, `${v.reason ?? ''} max abs ${v.metrics.maxAbsError}`).toBe(true);
}

describe('conv family agrees with onnxruntime', () => {
  it('Conv with SAME_LOWER, stride 2 and an even kernel on iOS15', async () => {
    const n = node('Conv', ['x', 'w', 'b'], ['y'], { auto_pad: 'SAME_LOWER', strides: [2, 2] });
    await expectParity(n, { x: seededTensor([1, 2, 7, 8]) }, { w: seededTensor([3, 2, 4, 4], 2), b: seededTensor([3], 3) });
  });
  it('grouped, dilated Conv with asymmetric pads', async () => {
    const n = node('Conv', ['x', 'w'], ['y'], { group: 2, dilations: [2, 1], pads: [1, 0, 2, 1] });
    await expectParity(n, { x: seededTensor([1, 4, 9, 9]) }, { w: seededTensor([6, 2, 3, 3], 4) });
  });
  it('ConvTranspose with pads and output_padding', async () => {
    const n = node('ConvTranspose', ['x', 'w', 'b'], ['y'], { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] });
    await expectParity(n, { x: seededTensor([1, 4, 5, 5]) }, { w: seededTensor([4, 3, 3, 3], 5), b: seededTensor([3], 6) });
  });
  it('ConvTranspose whose output_padding exceeds the end pad', async () => {
    const n = node('ConvTranspose', ['x', 'w', 'b'], ['y'], { strides: [3], output_padding: [2] });
    await expectParity(n, { x: seededTensor([1, 2, 4]) }, { w: seededTensor([2, 3, 3], 8), b: seededTensor([3], 9) });
  });
  it('ConvTranspose with an explicit output_shape and groups', async () => {
    const n = node('ConvTranspose', ['x', 'w'], ['y'], { strides: [2, 2], output_shape: [10, 9], group: 2 });
    await expectParity(n, { x: seededTensor([1, 4, 5, 5]) }, { w: seededTensor([4, 1, 3, 3], 10) });
  });
  it('ConvTranspose with SAME_UPPER and SAME_LOWER', async () => {
    for (const autoPad of ['SAME_UPPER', 'SAME_LOWER']) {
      const n = node('ConvTranspose', ['x', 'w'], ['y'], { strides: [2, 2], auto_pad: autoPad });
      await expectParity(n, { x: seededTensor([1, 2, 4, 3]) }, { w: seededTensor([2, 2, 4, 3], 11) });
    }
  });
  it('3-D Conv with strides', async () => {
    const n = node('Conv', ['x', 'w'], ['y'], { strides: [1, 2, 2], pads: [1, 1, 1, 1, 1, 1] });
    await expectParity(n, { x: seededTensor([1, 2, 4, 5, 5]) }, { w: seededTensor([3, 2, 3, 3, 3], 12) });
  });
});

describe('linear family agrees with onnxruntime', () => {
  it('Gemm with transA, alpha and beta', async () => {
    const n = node('Gemm', ['a', 'b', 'c'], ['y'], { transA: 1, alpha: 0.5, beta: 2 }, ['alpha', 'beta']);
    await expectParity(n, { a: seededTensor([6, 4]) }, { b: seededTensor([6, 5], 2), c: seededTensor([5], 3) });
  });
  it('Gemm with transB folded into linear', async () => {
    const n = node('Gemm', ['a', 'b', 'c'], ['y'], { transB: 1, alpha: 1.5 }, ['alpha']);
    await expectParity(n, { a: seededTensor([3, 4]) }, { b: seededTensor([5, 4], 2), c: seededTensor([3, 5], 3) });
  });
  it('MatMul of rank-4 tensors with batch broadcasting', async () => {
    await expectParity(node('MatMul', ['a', 'b'], ['y']), { a: seededTensor([2, 3, 4, 5]), b: seededTensor([1, 3, 5, 2], 2) });
  });
  it('MatMul with a constant right operand as linear', async () => {
    await expectParity(node('MatMul', ['a', 'w'], ['y']), { a: seededTensor([2, 3, 4]) }, { w: seededTensor([4, 6], 2) });
  });
});

describe('norm and pool families agree with onnxruntime', () => {
  it('BatchNormalization on a rank-2 input', async () => {
    const v = makeTensor('float32', [3], Float32Array.from([0.5, 1, 2]));
    const n = node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y']);
    await expectParity(n, { x: seededTensor([4, 3]) }, { s: seededTensor([3], 2), b: seededTensor([3], 3), m: seededTensor([3], 4), v });
  });
  it('InstanceNormalization and LayerNormalization', async () => {
    await expectParity(node('InstanceNormalization', ['x', 's', 'b'], ['y']), { x: seededTensor([2, 3, 4, 4]) }, { s: seededTensor([3], 2), b: seededTensor([3], 3) });
    await expectParity(node('LayerNormalization', ['x', 's', 'b'], ['y'], { axis: -2 }), { x: seededTensor([2, 3, 4]) }, { s: seededTensor([3, 4], 2), b: seededTensor([3, 4], 3) });
  });
  it('InstanceNormalization on a volumetric rank-5 input, with constant and run-time scale and bias', async () => {
    const n = node('InstanceNormalization', ['x', 's', 'b'], ['y'], { epsilon: 1e-3 }, ['epsilon']);
    await expectParity(n, { x: seededTensor([2, 3, 3, 4, 5]) }, { s: seededTensor([3], 2), b: seededTensor([3], 3) });
    await expectParity(n, { x: seededTensor([1, 3, 2, 3, 4]), s: seededTensor([3], 4), b: seededTensor([3], 5) });
  });
  it('LRN', async () => {
    await expectParity(node('LRN', ['x'], ['y'], { size: 3, alpha: 0.001, beta: 0.75, bias: 2 }, ['alpha', 'beta', 'bias']), { x: seededTensor([1, 5, 3, 3]) });
  });
  it('MaxPool with ceil_mode and AveragePool with and without count_include_pad', async () => {
    await expectParity(node('MaxPool', ['x'], ['y'], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }), { x: seededTensor([1, 2, 8, 8]) });
    for (const countIncludePad of [0, 1]) {
      const n = node('AveragePool', ['x'], ['y'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], count_include_pad: countIncludePad });
      await expectParity(n, { x: seededTensor([1, 2, 5, 5]) });
    }
  });
  it('GlobalAveragePool and GlobalMaxPool', async () => {
    await expectParity(node('GlobalAveragePool', ['x'], ['y']), { x: seededTensor([1, 3, 4, 5]) });
    await expectParity(node('GlobalMaxPool', ['x'], ['y']), { x: seededTensor([1, 3, 4, 5]) });
  });
});

describe('resample family agrees with onnxruntime', () => {
  it('Pad in constant, reflect and edge modes', async () => {
    for (const mode of ['constant', 'reflect', 'edge']) {
      const n = node('Pad', ['x', 'p', 'v'], ['y'], { mode });
      await expectParity(n, { x: seededTensor([1, 2, 4, 5]) }, { p: i64(0, 0, 1, 2, 0, 0, 3, 1), v: fl(0.25) });
    }
  });
  const resizeCases: [string, Record<string, string>, Record<string, ReturnType<typeof fl>>, string[]][] = [
    ['nearest, half_pixel, scale 3', { mode: 'nearest' }, { s: fl(1, 1, 3, 3) }, ['', 's']],
    ['nearest, asymmetric floor, sizes 7x5', { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, { sz: i64(1, 2, 7, 5) as never }, ['', '', 'sz']],
    ['linear, align_corners, scale 2', { mode: 'linear', coordinate_transformation_mode: 'align_corners' }, { s: fl(1, 1, 2, 2) }, ['', 's']],
    ['linear, half_pixel, scale 2', { mode: 'linear' }, { s: fl(1, 1, 2, 2) }, ['', 's']],
    ['linear, half_pixel, sizes 7x5', { mode: 'linear' }, { sz: i64(1, 2, 7, 5) as never }, ['', '', 'sz']],
    ['linear, pytorch_half_pixel, downsample to 3x2', { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }, { sz: i64(1, 2, 3, 2) as never }, ['', '', 'sz']],
    ['linear, asymmetric, sizes 6x9', { mode: 'linear', coordinate_transformation_mode: 'asymmetric' }, { sz: i64(1, 2, 6, 9) as never }, ['', '', 'sz']],
    ['linear, align_corners, sizes 7x5', { mode: 'linear', coordinate_transformation_mode: 'align_corners' }, { sz: i64(1, 2, 7, 5) as never }, ['', '', 'sz']],
  ];
  for (const [label, attrs, inits, names] of resizeCases) {
    it(`Resize ${label}`, async () => {
      await expectParity(node('Resize', ['x', ...names], ['y'], attrs), { x: seededTensor([1, 2, 4, 3]) }, inits);
    });
  }
});

describe('Resize across opsets agrees with onnxruntime', () => {
  it('opset 11 with an roi input and scales', async () => {
    const n = node('Resize', ['x', 'roi', 's'], ['y'], { mode: 'linear', coordinate_transformation_mode: 'align_corners' });
    await expectParity(n, { x: seededTensor([1, 1, 3, 4]) }, { roi: fl(), s: fl(1, 1, 2, 2) }, { opset: 11 });
  });
  it('opset 18 with axes and sizes for the last two dims', async () => {
    const n = node('Resize', ['x', '', '', 'sz'], ['y'], { mode: 'nearest', axes: [2, 3] });
    await expectParity(n, { x: seededTensor([1, 2, 3, 4]) }, { sz: i64(6, 8) }, { opset: 18 });
  });
  it('Upsample at opset 9', async () => {
    await expectParity(node('Upsample', ['x', 's'], ['y']), { x: seededTensor([1, 2, 3, 3]) }, { s: fl(1, 1, 2, 3) }, { opset: 9 });
  });
});

describe('LSTM agrees with onnxruntime', () => {
  const H = 3;
  const I = 4;
  const weights = () => ({ w: seededTensor([1, 4 * H, I], 2), r: seededTensor([1, 4 * H, H], 3), b: seededTensor([1, 8 * H], 4) });
  it('forward LSTM with all three outputs', async () => {
    const n = node('LSTM', ['x', 'w', 'r', 'b'], ['y', 'yh', 'yc'], { hidden_size: H });
    await expectParity(n, { x: seededTensor([5, 2, I]) }, weights());
  });
  it('forward LSTM with initial states and peepholes', async () => {
    const n = node('LSTM', ['x', 'w', 'r', 'b', '', 'h0', 'c0', 'p'], ['y', 'yh', 'yc'], { hidden_size: H });
    await expectParity(n, { x: seededTensor([4, 2, I]), h0: seededTensor([1, 2, H], 5), c0: seededTensor([1, 2, H], 6) }, { ...weights(), p: seededTensor([1, 3 * H], 7) });
  });
});
