import { describe, expect, it } from 'vitest';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../../helpers/onnx-graph.js';
import { convertOne } from './convert-one.js';
import { compareModelWithOrt } from './ort-graph.js';
import { seededTensor } from './ort-parity.js';

const ratio = (r: number): Tensor => makeTensor('float32', [], new Float32Array([r]));
const on = makeTensor('bool', [], new Uint8Array([1]));

describe('Dropout is the identity whenever it draws no random numbers', () => {
  it('ratio 0 with training_mode true (torchvision Swin-T F.dropout(p=0)) agrees with onnxruntime, mask all true', async () => {
    const m = model({
      nodes: [node('Dropout', ['x', 'r', 't'], ['y', 'mask'])],
      inputs: [valueInfo('x', 'float32', ['batch', 3, 4])],
      outputs: [{ name: 'y', dtype: 'float32' }, { name: 'mask', dtype: 'bool' }],
      initializers: { r: ratio(0), t: on },
    });
    const results = await compareModelWithOrt(m, [{ x: seededTensor([1, 3, 4]) }, { x: seededTensor([2, 3, 4], 5) }]);
    for (const verdicts of results) for (const v of verdicts) expect(v.pass, v.reason).toBe(true);
  });

  it('a non-zero ratio in training mode stays refused, naming the randomness', () => {
    const io = { inputs: [valueInfo('x', 'float32', [2, 3])], outputs: [valueInfo('y', 'float32', [2, 3])] };
    expect(() => convertOne(node('Dropout', ['x', 'r', 't'], ['y']), { ...io, initializers: { r: ratio(0.1), t: on } })).toThrow(
      /training_mode is true with ratio 0.1\d* \(random\)/,
    );
    expect(() => convertOne(node('Dropout', ['x', '', 't'], ['y']), { ...io, initializers: { t: on } })).toThrow(/ratio 0.5 \(random\)/);
  });

  it('a training_mode computed at run time is refused unless the ratio is a constant 0', () => {
    const io = { inputs: [valueInfo('x', 'float32', [2, 3]), valueInfo('t', 'bool', [])], outputs: [valueInfo('y', 'float32', [2, 3])] };
    const n = node('Dropout', ['x', 'r', 't'], ['y']);
    expect(() => convertOne(n, { ...io, initializers: { r: ratio(0.5) } })).toThrow(/training_mode is computed at run time/);
    expect(convertOne(n, { ...io, initializers: { r: ratio(0) } }).types.every((t) => t === 'identity')).toBe(true);
  });
});
