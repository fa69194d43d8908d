import { describe, expect, it } from 'vitest';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../../helpers/onnx-graph.js';
import { convertOne } from './convert-one.js';
import { compareModelWithOrt } from './ort-graph.js';
import { seededTensor } from './ort-parity.js';

const i64 = (values: number[]): Tensor => makeTensor('int64', [values.length], BigInt64Array.from(values.map(BigInt)));

async function expectParityAt(shape: (number | string)[], target: number[], sizes: number[][]): Promise<void> {
  const m = model({
    nodes: [node('Reshape', ['x', 's'], ['y'])],
    inputs: [valueInfo('x', 'float32', shape)],
    outputs: [valueInfo('y', 'float32', [])],
    initializers: { s: i64(target) },
  });
  m.graph.outputs[0] = { name: 'y', dtype: 'float32' };
  const results = await compareModelWithOrt(m, sizes.map((s, k) => ({ x: seededTensor(s, k + 3) })));
  for (const verdicts of results) for (const v of verdicts) expect(v.pass, v.reason).toBe(true);
}

describe('Reshape with a constant target over unknown input dims', () => {
  it('[7, batch, 2, 16] with [0, 0, -1] becomes the target [7, -1, 32]', async () => {
    const r = convertOne(node('Reshape', ['x', 's'], ['y']), {
      inputs: [valueInfo('x', 'float32', [7, 'batch', 2, 16])],
      outputs: [valueInfo('y', 'float32', [7, 'batch', 32])],
      initializers: { s: i64([0, 0, -1]) },
    });
    expect(r.param(r.ops[0]!, 'shape')).toEqual([7, -1, 32]);
    await expectParityAt([7, 'batch', 2, 16], [0, 0, -1], [[7, 1, 2, 16], [7, 3, 2, 16]]);
  });

  it('GroupNorm-style [0, G, -1] on [batch, C, H, W] keeps the batch as the single -1', async () => {
    const r = convertOne(node('Reshape', ['x', 's'], ['y']), {
      inputs: [valueInfo('x', 'float32', ['batch', 6, 4, 4])],
      outputs: [valueInfo('y', 'float32', ['batch', 3, 32])],
      initializers: { s: i64([0, 3, -1]) },
    });
    expect(r.param(r.ops[0]!, 'shape')).toEqual([-1, 3, 32]);
    await expectParityAt(['batch', 6, 4, 4], [0, 3, -1], [[1, 6, 4, 4], [2, 6, 4, 4]]);
  });

  it('two unknown dims both copied by 0 entries read their sizes at run time ([T, B, 2, H] with [0, 0, -1])', async () => {
    await expectParityAt(['T', 'batch', 2, 16], [0, 0, -1], [[3, 1, 2, 16], [5, 2, 2, 16]]);
  });

  it('an unknown dim copied by 0 next to a -1 that stays unknown ([T, B, 4] with [0, -1])', async () => {
    await expectParityAt(['T', 'batch', 4], [0, -1], [[3, 1, 4], [2, 5, 4]]);
  });

  it('a 0 copying the unknown dim with a shorter target still resolves the -1', async () => {
    await expectParityAt(['n', 3, 4], [0, -1], [[2, 3, 4], [5, 3, 4]]);
  });
});
