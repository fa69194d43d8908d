import { describe, expect, it } from 'vitest';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { node, valueInfo } from '../../helpers/onnx-graph.js';
import { convertOnnxModel } from '../../../src/convert/index.js';
import { runModel } from '../../../src/runtime/interpreter.js';
import { model } from '../../helpers/onnx-graph.js';
import { convertOne } from './convert-one.js';
import { compareTypedWithOrt, floatInput, int64Input } from './ort-typed.js';

const i64 = (values: number[], shape = [values.length]): Tensor => makeTensor('int64', shape, BigInt64Array.from(values.map((v) => BigInt(v))));
const seq = (n: number): number[] => Array.from({ length: n }, (_, i) => i * 0.25 - 2);

async function expectOrtParity(...args: Parameters<typeof compareTypedWithOrt>): Promise<void> {
  const verdicts = await compareTypedWithOrt(...args);
  for (const v of verdicts) expect(v.pass, v.reason).toBe(true);
}

describe('DepthToSpace and SpaceToDepth', () => {
  const x = [valueInfo('x', 'float32', [2, 8, 3, 3])];
  const y = [valueInfo('y', 'float32', [2, 2, 6, 6])];

  it('maps DCR to depth_to_space and CRD to pixel_shuffle', () => {
    expect(convertOne(node('DepthToSpace', ['x'], ['y'], { blocksize: 2 }), { inputs: x, outputs: y }).types).toEqual(['depth_to_space']);
    expect(convertOne(node('DepthToSpace', ['x'], ['y'], { blocksize: 2, mode: 'CRD' }), { inputs: x, outputs: y }).types).toEqual(['pixel_shuffle']);
  });

  it('matches onnxruntime in both modes, and SpaceToDepth too', async () => {
    await expectOrtParity(node('DepthToSpace', ['x'], ['y'], { blocksize: 2, mode: 'DCR' }), { x: floatInput([2, 8, 3, 3], seq(144)) }, ['float32']);
    await expectOrtParity(node('DepthToSpace', ['x'], ['y'], { blocksize: 2, mode: 'CRD' }), { x: floatInput([2, 8, 3, 3], seq(144)) }, ['float32']);
    await expectOrtParity(node('SpaceToDepth', ['x'], ['y'], { blocksize: 2 }), { x: floatInput([2, 2, 4, 6], seq(96)) }, ['float32']);
  });

  it('refuses integer tensors, which the MIL ops do not take', () => {
    expect(() => convertOne(node('DepthToSpace', ['x'], ['y'], { blocksize: 2 }), { inputs: [valueInfo('x', 'int32', [1, 4, 1, 1])], outputs: [valueInfo('y', 'int32', [1, 1, 2, 2])] }))
      .toThrow(/fp16\/fp32 tensors only/);
  });
});

describe('ReverseSequence', () => {
  it('matches onnxruntime with time on axis 0 and batch on axis 1', async () => {
    const n = node('ReverseSequence', ['x', 'l'], ['y'], { batch_axis: 1, time_axis: 0 });
    const r = convertOne(n, { inputs: [valueInfo('x', 'float32', [4, 3]), valueInfo('l', 'int64', [3])], outputs: [valueInfo('y', 'float32', [4, 3])] });
    expect(r.param(r.ops.find((o) => o.type === 'reverse_sequence')!, 'seq_axis')).toEqual([0]);
    await expectOrtParity(n, { x: floatInput([4, 3], seq(12)), l: int64Input([3], [4, 1, 2]) }, ['float32']);
  });
});

describe('Trilu', () => {
  const io = { inputs: [valueInfo('x', 'float32', [3, 4, 5])], outputs: [valueInfo('y', 'float32', [3, 4, 5])] };

  it('uses band_part when the offset fits: tril with k ≥ 0, triu with k ≤ 0', () => {
    const tril = convertOne(node('Trilu', ['x', 'k'], ['y'], { upper: 0 }), { ...io, initializers: { k: i64([1], []) } });
    expect(tril.types).toEqual(['band_part']);
    expect([tril.param(tril.ops[0]!, 'lower'), tril.param(tril.ops[0]!, 'upper')]).toEqual([[-1], [1]]);
    const triu = convertOne(node('Trilu', ['x', 'k'], ['y']), { ...io, initializers: { k: i64([-2], []) } });
    expect([triu.param(triu.ops[0]!, 'lower'), triu.param(triu.ops[0]!, 'upper')]).toEqual([[2], [-1]]);
  });

  it('masks with select otherwise', () => {
    const r = convertOne(node('Trilu', ['x', 'k'], ['y']), { ...io, initializers: { k: i64([1], []) } });
    expect(r.types).toEqual(['greater_equal', 'select']);
  });

  it('matches onnxruntime for constant and run-time offsets, upper and lower', async () => {
    const x = floatInput([3, 4, 5], seq(60));
    for (const upper of [0, 1]) {
      for (const k of [-5, -1, 0, 2, 7]) {
        await expectOrtParity(node('Trilu', ['x', 'k'], ['y'], { upper }), { x }, ['float32'], { opset: 14, initializers: { k: i64([k], []) } });
      }
    }
  });

  it('compares a run-time offset with the static row/column offsets', () => {
    const m = model({ nodes: [node('Trilu', ['x', 'k'], ['y'], { upper: 1 })], inputs: [valueInfo('x', 'float32', [2, 3]), valueInfo('k', 'int64', [])], outputs: [valueInfo('y', 'float32', [2, 3])], opset: 14 });
    const converted = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' });
    const [xName, kName] = converted.model.inputs.map((i) => i.name);
    const run = (k: number): number[] => {
      const out = runModel(converted.model, { [xName!]: makeTensor('float32', [2, 3], Float32Array.from([1, 2, 3, 4, 5, 6])), [kName!]: makeTensor('int32', [1], Int32Array.from([k])) });
      return Array.from(Object.values(out)[0]!.data as Float32Array);
    };
    expect(run(-1)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(run(1)).toEqual([0, 2, 3, 0, 0, 6]);
  });
});
