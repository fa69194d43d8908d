import { describe, expect, it } from 'vitest';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../../helpers/onnx-graph.js';
import { compareModelWithOrt } from './ort-graph.js';
import { seededTensor } from './ort-parity.js';

/** Swin-T's window padding: pads computed from constants with Mod and Transpose must fold so Pad gets constant pads. */

const i64 = (values: number[], shape = [values.length]): Tensor => makeTensor('int64', shape, BigInt64Array.from(values.map(BigInt)));

async function expectPaddedLikeOrt(nodes: ReturnType<typeof node>[], initializers: Record<string, Tensor>): Promise<void> {
  const m = model({ nodes, inputs: [valueInfo('x', 'float32', [1, 5, 5, 8])], outputs: [{ name: 'y', dtype: 'float32' }], initializers });
  const [verdicts] = await compareModelWithOrt(m, [{ x: seededTensor([1, 5, 5, 8]) }]);
  for (const v of verdicts!) expect(v.pass, v.reason).toBe(true);
}

describe('pads computed from constants fold before Pad converts', () => {
  it('Mod(int64 pads, 7) feeding Pad', async () => {
    await expectPaddedLikeOrt(
      [node('Mod', ['raw', 'seven'], ['pads']), node('Pad', ['x', 'pads'], ['y'])],
      { raw: i64([0, 0, 0, 0, 0, 9, 9, 0]), seven: i64([7], []) },
    );
  });

  it('Transpose(int64 [4, 2], perm [1, 0]) then Reshape([-1]) feeding Pad', async () => {
    await expectPaddedLikeOrt(
      [node('Transpose', ['pairs'], ['t'], { perm: [1, 0] }), node('Reshape', ['t', 'flat'], ['pads']), node('Pad', ['x', 'pads'], ['y'])],
      { pairs: i64([0, 0, 1, 2, 0, 2, 0, 0], [4, 2]), flat: i64([-1]) },
    );
  });
});
