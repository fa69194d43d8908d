import { describe, expect, it } from 'vitest';
import type { OnnxNode } from '../../../src/onnx/ir.js';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../../helpers/onnx-graph.js';
import { compareModelWithOrt } from './ort-graph.js';
import { seededTensor } from './ort-parity.js';

/** LSTM/GRU/RNN whose sequence length is a symbolic dim: the fused MIL op takes any T. */

const H = 3;
const I = 4;
const B = 2;

function params(gates: number, dirs: number): Record<string, Tensor> {
  return { w: seededTensor([dirs, gates * H, I], 2), r: seededTensor([dirs, gates * H, H], 3), b: seededTensor([dirs, 2 * gates * H], 4) };
}

function dynamicModel(n: OnnxNode, initializers: Record<string, Tensor>) {
  return model({
    nodes: [n],
    inputs: [valueInfo('x', 'float32', ['T', B, I])],
    outputs: n.outputs.map((name) => ({ name, dtype: 'float32' as const })),
    initializers,
  });
}

async function expectParityAtTwoLengths(n: OnnxNode, initializers: Record<string, Tensor>): Promise<void> {
  const results = await compareModelWithOrt(dynamicModel(n, initializers), [{ x: seededTensor([3, B, I], 5) }, { x: seededTensor([7, B, I], 6) }]);
  for (const verdicts of results) for (const v of verdicts) expect(v.pass, `${v.reason ?? ''} max abs ${v.metrics.maxAbsError}`).toBe(true);
}

describe('recurrent nodes with a dynamic sequence length agree with onnxruntime at T = 3 and T = 7', () => {
  it('bidirectional LSTM', async () => {
    await expectParityAtTwoLengths(node('LSTM', ['x', 'w', 'r', 'b'], ['y', 'yh', 'yc'], { hidden_size: H, direction: 'bidirectional' }), params(4, 2));
  });
  it('GRU with linear_before_reset = 0 (the fused gru resets h before its recurrent matmul)', async () => {
    await expectParityAtTwoLengths(node('GRU', ['x', 'w', 'r', 'b'], ['y', 'yh'], { hidden_size: H }), params(3, 1));
  });
  it('reverse GRU and RNN, whose fused ops emit the sequence in processing order', async () => {
    await expectParityAtTwoLengths(node('GRU', ['x', 'w', 'r', 'b'], ['y', 'yh'], { hidden_size: H, direction: 'reverse' }), params(3, 1));
    await expectParityAtTwoLengths(node('RNN', ['x', 'w', 'r', 'b'], ['y', 'yh'], { hidden_size: H, direction: 'reverse' }), params(1, 1));
  });
  it('tanh RNN', async () => {
    await expectParityAtTwoLengths(node('RNN', ['x', 'w', 'r', 'b'], ['y', 'yh'], { hidden_size: H }), params(1, 1));
  });
  it('refuses, naming why, a node only the unrolled form computes exactly', async () => {
    const n = node('GRU', ['x', 'w', 'r', 'b'], ['y', 'yh'], { hidden_size: H, linear_before_reset: 1 });
    await expect(compareModelWithOrt(dynamicModel(n, params(3, 1)), [])).rejects.toThrow(/sequence length is dynamic.*linear_before_reset = 1/);
  });
});

describe('a bidirectional tagger with dynamic sequence length and batch agrees with onnxruntime', () => {
  it('LSTM without initial states, then Transpose and Reshape [0, 0, -1] to [T, B, 2H]', async () => {
    const flat = makeTensor('int64', [3], BigInt64Array.from([0n, 0n, -1n]));
    const m = model({
      nodes: [
        node('LSTM', ['x', 'w', 'r', 'b'], ['y'], { hidden_size: H, direction: 'bidirectional' }),
        node('Transpose', ['y'], ['yt'], { perm: [0, 2, 1, 3] }),
        node('Reshape', ['yt', 'flat'], ['out']),
      ],
      inputs: [valueInfo('x', 'float32', ['T', 'batch', I])],
      outputs: [{ name: 'out', dtype: 'float32' }],
      initializers: { ...params(4, 2), flat },
    });
    const results = await compareModelWithOrt(m, [{ x: seededTensor([3, 1, I], 5) }, { x: seededTensor([6, 2, I], 6) }]);
    for (const verdicts of results) for (const v of verdicts) expect(v.pass, `${v.reason ?? ''} max abs ${v.metrics.maxAbsError}`).toBe(true);
  });
});
