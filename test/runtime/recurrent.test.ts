import { describe, expect, it } from 'vitest';
import { f32, flag, runOp, str, values } from './build.js';
import { seededFloats } from '../helpers/seeded.js';
import { maxAbsDiff, runOnnxNode } from './ort.js';

/** Reorders 4 stacked gate blocks of `rows` rows each from ONNX order (i, o, f, c) to MIL order (i, f, o, c). */
function onnxToMilGates(w: Float32Array, rows: number, cols: number): Float32Array {
  const block = rows * cols;
  const out = new Float32Array(4 * block);
  [0, 2, 1, 3].forEach((src, dst) => out.set(w.subarray(src * block, (src + 1) * block), dst * block));
  return out;
}

describe('lstm', () => {
  const seq = 5, batch = 2, input = 3, hidden = 4;
  const x = f32([seq, batch, input], seededFloats(seq * batch * input, 41));
  const W = seededFloats(4 * hidden * input, 42);
  const R = seededFloats(4 * hidden * hidden, 43);
  const B = seededFloats(8 * hidden, 44);
  const milParams = () => {
    const bias = new Float32Array(4 * hidden);
    for (let i = 0; i < 4 * hidden; i++) bias[i] = B[i]! + B[4 * hidden + i]!;
    return {
      x,
      initial_h: f32([batch, hidden], new Float32Array(batch * hidden)),
      initial_c: f32([batch, hidden], new Float32Array(batch * hidden)),
      weight_ih: f32([4 * hidden, input], onnxToMilGates(W, hidden, input)),
      weight_hh: f32([4 * hidden, hidden], onnxToMilGates(R, hidden, hidden)),
      bias: f32([4 * hidden], onnxToMilGates(bias, hidden, 1)),
    };
  };
  const outTypes = (seqLen: number) => [
    { dtype: 'float32' as const, shape: [seqLen, batch, hidden] },
    { dtype: 'float32' as const, shape: [batch, hidden] },
    { dtype: 'float32' as const, shape: [batch, hidden] },
  ];

  it('forward LSTM with ifoz gates matches onnxruntime over the whole sequence', async () => {
    const ref = await runOnnxNode('LSTM', { x }, { W: f32([1, 4 * hidden, input], W), R: f32([1, 4 * hidden, hidden], R), B: f32([1, 8 * hidden], B) }, { hidden_size: hidden });
    const [sequence, h, c] = runOp('lstm', { ...milParams(), output_sequence: flag(true) }, outTypes(seq));
    expect(maxAbsDiff(values(sequence!), ref)).toBeLessThan(1e-6);
    expect(values(h!)).toEqual(values(sequence!).slice((seq - 1) * batch * hidden));
    expect(values(c!).every((v) => Number.isFinite(v))).toBe(true);
  });

  it('without output_sequence the first output is the last hidden state', () => {
    const [last, h] = runOp('lstm', milParams(), outTypes(1));
    expect(values(last!)).toEqual(values(h!));
  });

  it('reverse direction walks the sequence backwards and emits it in that (processing) order', async () => {
    const ref = await runOnnxNode('LSTM', { x }, { W: f32([1, 4 * hidden, input], W), R: f32([1, 4 * hidden, hidden], R), B: f32([1, 8 * hidden], B) }, { hidden_size: hidden, direction: 'reverse' });
    const [sequence] = runOp('lstm', { ...milParams(), direction: str('reverse'), output_sequence: flag(true) }, outTypes(seq));
    // onnxruntime stores step t at time t; Core ML's reverse op stores the k-th step it ran at k.
    const step = batch * hidden;
    const refInProcessingOrder = Array.from({ length: seq }, (_, k) => Array.from(ref.subarray((seq - 1 - k) * step, (seq - k) * step))).flat();
    expect(maxAbsDiff(values(sequence!), refInProcessingOrder)).toBeLessThan(1e-6);
  });
});

describe('rnn and gru', () => {
  it('rnn computes tanh(W x + R h + b) step by step', () => {
    const [seqOut, h] = runOp('rnn', {
      x: f32([2, 1, 1], [1, 2]), initial_h: f32([1, 1], [0]), weight_ih: f32([1, 1], [0.5]), weight_hh: f32([1, 1], [1]), bias: f32([1], [0]), output_sequence: flag(true),
    }, [{ dtype: 'float32', shape: [2, 1, 1] }, { dtype: 'float32', shape: [1, 1] }]);
    const h1 = Math.tanh(0.5);
    const h2 = Math.tanh(1 + h1);
    expect(values(seqOut!)[0]).toBeCloseTo(h1, 6);
    expect(values(h!)[0]).toBeCloseTo(h2, 6);
  });

  it('gru gates r, o, z as in the definition (reset applied to the recurrent term)', () => {
    // One unit, one input: weights per gate [r, o, z].
    const [, h] = runOp('gru', {
      x: f32([1, 1, 1], [1]), initial_h: f32([1, 1], [0.5]), weight_ih: f32([3, 1], [1, 2, 3]), weight_hh: f32([3, 1], [0.5, 1, -1]), bias: f32([3], [0, 0.1, 0.2]),
    }, [{ dtype: 'float32', shape: [1, 1, 1] }, { dtype: 'float32', shape: [1, 1] }]);
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const r = sig(1 + 0.25);
    const z = sig(3 - 0.5 + 0.2);
    const o = Math.tanh(2 + 0.1 + r * 0.5);
    expect(values(h!)[0]).toBeCloseTo((1 - z) * o + z * 0.5, 6);
  });
});
