import { describe, expect, it } from 'vitest';
import { dftMatrix } from '../../../src/convert/ops/signal.js';
import { makeTensor } from '../../../src/tensor/tensor.js';
import { node } from '../../helpers/onnx-graph.js';
import { convertNode, f32 } from './harness.js';
import { compareWithOrt, seededTensor } from './ort-parity.js';

const scalar64 = (v: number) => makeTensor('int64', [], BigInt64Array.from([BigInt(v)]));

async function expectParity(...args: Parameters<typeof compareWithOrt>): Promise<void> {
  const verdicts = await compareWithOrt(...args);
  for (const v of verdicts) expect(v.pass, `${v.reason ?? ''} max abs ${v.metrics.maxAbsError}`).toBe(true);
}

describe('DFT matrix', () => {
  it('holds e^(−2πikt/N) for a real forward transform of length 4', () => {
    const w = dftMatrix({ length: 4, components: 1, n: 4, bins: 4, inverse: false });
    // Row t = 1: bins k = 0..3 as (re, im) pairs: 1, −i, −1, i.
    expect(Array.from(w.slice(8, 16)).map((v) => Math.round(v * 1e6) / 1e6 + 0)).toEqual([1, 0, 0, -1, -1, 0, 0, 1]);
  });

  it('scales the inverse by 1/N and conjugates, with imaginary rows for complex input', () => {
    const w = dftMatrix({ length: 2, components: 2, n: 2, bins: 2, inverse: true });
    // Rows: (t0 re), (t0 im), (t1 re), (t1 im); columns: (k0 re, k0 im, k1 re, k1 im).
    expect(Array.from(w).map((v) => Math.round(v * 1e6) / 1e6 + 0)).toEqual([
      0.5, 0, 0.5, 0, 0, 0.5, 0, 0.5, 0.5, 0, -0.5, 0, 0, 0.5, 0, -0.5,
    ]);
  });
});

describe('DFT converter', () => {
  it('moves the axis next to the components, multiplies by one constant matrix and moves it back', () => {
    const r = convertNode(node('DFT', ['x'], ['y'], { axis: 1 }), { x: f32(1, 6, 5, 1) }, {}, { opset: 17 });
    expect(r.ops.map((o) => o.type)).toEqual(['transpose', 'reshape', 'matmul', 'reshape', 'transpose']);
    expect(r.param(r.op('matmul'), 'y')!.shape).toEqual([6, 12]);
    expect(r.outType()).toEqual(f32(1, 6, 5, 2));
  });

  it('refuses a run-time dft_length and a component dim other than 1 or 2', () => {
    expect(() => convertNode(node('DFT', ['x', 'n'], ['y']), { x: f32(1, 6, 1), n: { dtype: 'int32', shape: [] } }, {}, { opset: 17 })).toThrow(/dft_length must be a constant/);
    expect(() => convertNode(node('DFT', ['x'], ['y']), { x: f32(1, 6, 3) }, {}, { opset: 17 })).toThrow(/1 \(real\) or 2 \(complex\)/);
  });

  it('matches onnxruntime: real input along axis 1 and axis 2', async () => {
    for (const axis of [1, 2]) await expectParity(node('DFT', ['x'], ['y'], { axis }), { x: seededTensor([2, 8, 6, 1], axis) }, {}, { opset: 17 });
  });

  it('matches onnxruntime: complex inverse transform', async () => {
    await expectParity(node('DFT', ['x'], ['y'], { inverse: 1 }), { x: seededTensor([2, 7, 2], 4) }, {}, { opset: 17 });
  });

  it('matches onnxruntime: one-sided bins with zero padding and with truncation', async () => {
    for (const n of [12, 5]) {
      await expectParity(node('DFT', ['x', 'n'], ['y'], { onesided: 1 }), { x: seededTensor([3, 9, 1], n) }, { n: scalar64(n) }, { opset: 17 });
    }
  });

  it('matches onnxruntime at opset 20 with axis as an input', async () => {
    const n = node('DFT', ['x', '', 'axis'], ['y']);
    await expectParity(n, { x: seededTensor([2, 5, 4, 2], 9) }, { axis: scalar64(-3) }, { opset: 20 });
  });
});

describe('STFT converter', () => {
  it('gathers frames with constant indices and folds the window into the DFT matrix', () => {
    const window = makeTensor('float32', [4], Float32Array.from([0, 0.5, 1, 0.5]));
    const r = convertNode(node('STFT', ['x', 'step', 'w'], ['y']), { x: f32(1, 10, 1) }, { step: scalar64(3), w: window }, { opset: 17 });
    expect(r.ops.map((o) => o.type)).toEqual(['gather', 'reshape', 'matmul', 'reshape']);
    expect(r.param(r.op('gather'), 'indices')!.shape).toEqual([3, 4]);
    // The first window weight is 0, so the first sample's row is all zeros.
    expect(Array.from(r.param(r.op('matmul'), 'y')!.data as Float32Array).slice(0, 6).every((v) => v === 0)).toBe(true);
    expect(r.outType()).toEqual(f32(1, 3, 3, 2));
  });

  it('refuses a run-time frame_step', () => {
    const n = node('STFT', ['x', 'step', '', 'len'], ['y']);
    expect(() => convertNode(n, { x: f32(1, 10, 1), step: { dtype: 'int32', shape: [] } }, { len: scalar64(4) }, { opset: 17 })).toThrow(/frame_step must be a constant/);
  });

  it('matches onnxruntime with a window and with frame_length only', async () => {
    const hann = makeTensor('float32', [16], Float32Array.from({ length: 16 }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / 16)));
    await expectParity(node('STFT', ['x', 'step', 'w'], ['y']), { x: seededTensor([2, 64, 1], 3) }, { step: scalar64(8), w: hann }, { opset: 17 });
    const bare = node('STFT', ['x', 'step', '', 'len'], ['y'], { onesided: 0 });
    await expectParity(bare, { x: seededTensor([1, 40, 2], 5) }, { step: scalar64(5), len: scalar64(10) }, { opset: 17 });
  });
});
