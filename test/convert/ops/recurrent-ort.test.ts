import { describe, expect, it } from 'vitest';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { node } from '../../helpers/onnx-graph.js';
import { convertNode, f32 } from './harness.js';
import { compareWithOrt, seededTensor } from './ort-parity.js';

async function expectParity(...args: Parameters<typeof compareWithOrt>): Promise<void> {
  const verdicts = await compareWithOrt(...args);
  for (const v of verdicts) expect(v.pass, `${v.reason ?? ''} max abs ${v.metrics.maxAbsError}`).toBe(true);
}

const H = 3;
const I = 4;
const T = 5;
const B = 2;
const lens = (...v: number[]) => makeTensor('int32', [v.length], Int32Array.from(v));

/** W, R, B for `gates` gates and `dirs` directions. */
function params(gates: number, dirs = 1): Record<string, Tensor> {
  return { w: seededTensor([dirs, gates * H, I], 2), r: seededTensor([dirs, gates * H, H], 3), b: seededTensor([dirs, 2 * gates * H], 4) };
}

/** The same parameters fed as model inputs, so they are not constants. */
const asInputs = (p: Record<string, Tensor>) => p;

describe('GRU agrees with onnxruntime', () => {
  it('linear_before_reset = 0 (the default) becomes the fused gru, which resets h before its recurrent matmul', async () => {
    const n = node('GRU', ['x', 'w', 'r', 'b'], ['y', 'yh'], { hidden_size: H });
    expect(convertNode(n, { x: f32(T, B, I) }, params(3)).ops.map((o) => o.type)).toContain('gru');
    await expectParity(n, { x: seededTensor([T, B, I]) }, params(3));
  });
  it('linear_before_reset = 1 (as PyTorch exports it) unrolls exactly, with and without a recurrent candidate bias', async () => {
    const withInitial = node('GRU', ['x', 'w', 'r', 'b', '', 'h0'], ['y', 'yh'], { hidden_size: H, linear_before_reset: 1 });
    await expectParity(withInitial, { x: seededTensor([T, B, I]), h0: seededTensor([1, B, H], 9) }, params(3));
    const p = params(3);
    const withoutRbh = { ...p, b: makeTensor('float32', [1, 6 * H], Float32Array.from(p.b!.data as Float32Array).fill(0, 5 * H, 6 * H)) };
    const n = node('GRU', ['x', 'w', 'r', 'b'], ['y', 'yh'], { hidden_size: H, linear_before_reset: 1 });
    expect(convertNode(n, { x: f32(T, B, I) }, withoutRbh).ops.map((o) => o.type)).not.toContain('gru');
    await expectParity(n, { x: seededTensor([T, B, I]) }, withoutRbh);
  });
  it('bidirectional (onnxruntime has no batch-major GRU; the backend test gru_batchwise covers layout 1)', async () => {
    const n = node('GRU', ['x', 'w', 'r', 'b'], ['y', 'yh'], { hidden_size: H, direction: 'bidirectional' });
    await expectParity(n, { x: seededTensor([T, B, I]) }, params(3, 2));
  });
  it('reverse with weights computed at run time and short sequences', async () => {
    const n = node('GRU', ['x', 'w', 'r', 'b', 'len'], ['y', 'yh'], { hidden_size: H, direction: 'reverse' });
    await expectParity(n, { x: seededTensor([T, B, I]), ...asInputs(params(3)) }, { len: lens(3, 5) });
  });
});

/**
 * The fused Core ML ops in every direction, hidden size 3, at two inputs each:
 * a reverse op's sequence comes out in processing order and has to be put
 * back in time order, which only shows when Y is compared step by step.
 */
describe('fused LSTM, GRU and RNN agree with onnxruntime in every direction', () => {
  const kinds = [
    { kind: 'LSTM', op: 'lstm', gates: 4, outputs: ['y', 'yh', 'yc'] },
    { kind: 'GRU', op: 'gru', gates: 3, outputs: ['y', 'yh'] },
    { kind: 'RNN', op: 'rnn', gates: 1, outputs: ['y', 'yh'] },
  ] as const;
  for (const { kind, op, gates, outputs } of kinds) {
    for (const direction of ['forward', 'reverse', 'bidirectional'] as const) {
      it(`${kind} ${direction}`, async () => {
        const dirs = direction === 'bidirectional' ? 2 : 1;
        const n = node(kind, ['x', 'w', 'r', 'b', '', 'h0'], [...outputs], { hidden_size: H, direction });
        const converted = convertNode(n, { x: f32(T, B, I), h0: f32(dirs, B, H) }, params(gates, dirs));
        const types = converted.ops.map((o) => o.type);
        expect(types.filter((t) => t === op)).toHaveLength(dirs);
        expect(types.includes('reverse')).toBe(direction !== 'forward');
        for (const seed of [11, 12]) {
          await expectParity(n, { x: seededTensor([T, B, I], seed), h0: seededTensor([dirs, B, H], seed + 1) }, params(gates, dirs));
        }
      });
    }
  }
});

describe('RNN agrees with onnxruntime', () => {
  it('tanh RNN with constant weights becomes the fused rnn', async () => {
    const n = node('RNN', ['x', 'w', 'r', 'b'], ['y', 'yh'], { hidden_size: H });
    expect(convertNode(n, { x: f32(T, B, I) }, params(1)).ops.map((o) => o.type)).toContain('rnn');
    await expectParity(n, { x: seededTensor([T, B, I]) }, params(1));
  });
  it('relu RNN, bidirectional, with initial state', async () => {
    const n = node('RNN', ['x', 'w', 'r', 'b', '', 'h0'], ['y', 'yh'], { hidden_size: H, direction: 'bidirectional', activations: ['Relu', 'Sigmoid'] });
    await expectParity(n, { x: seededTensor([T, B, I]), h0: seededTensor([2, B, H], 8) }, params(1, 2));
  });
  it('ScaledTanh with alpha/beta and clip unroll', async () => {
    const n = node('RNN', ['x', 'w', 'r'], ['y', 'yh'], {
      hidden_size: H, activations: ['ScaledTanh'], activation_alpha: [0.7], activation_beta: [1.3], clip: 0.4,
    });
    const { w, r } = params(1);
    await expectParity(n, { x: seededTensor([T, B, I]) }, { w: w!, r: r! });
  });
  it('sequence_lens shorter than the sequence zero the tail and keep the last valid state', async () => {
    const n = node('RNN', ['x', 'w', 'r', 'b', 'len'], ['y', 'yh'], { hidden_size: H });
    await expectParity(n, { x: seededTensor([T, B, I]) }, { ...params(1), len: lens(2, 4) });
  });
});

describe('LSTM directions agree with onnxruntime', () => {
  it('reverse LSTM', async () => {
    const n = node('LSTM', ['x', 'w', 'r', 'b'], ['y', 'yh', 'yc'], { hidden_size: H, direction: 'reverse' });
    await expectParity(n, { x: seededTensor([T, B, I]) }, params(4));
  });
  it('bidirectional LSTM with initial states and peepholes', async () => {
    const n = node('LSTM', ['x', 'w', 'r', 'b', '', 'h0', 'c0', 'p'], ['y', 'yh', 'yc'], { hidden_size: H, direction: 'bidirectional' });
    const inputs = { x: seededTensor([T, B, I]), h0: seededTensor([2, B, H], 5), c0: seededTensor([2, B, H], 6) };
    await expectParity(n, inputs, { ...params(4, 2), p: seededTensor([2, 3 * H], 7) });
  });
  it('input_forget, clip and run-time weights unroll exactly', async () => {
    const n = node('LSTM', ['x', 'w', 'r', 'b', 'len'], ['y', 'yh', 'yc'], { hidden_size: H, input_forget: 1, clip: 0.6 });
    await expectParity(n, { x: seededTensor([T, B, I]), ...asInputs(params(4)) }, { len: lens(4, 1) });
  });
});
