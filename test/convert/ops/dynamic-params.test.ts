import { describe, expect, it } from 'vitest';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { node, valueInfo } from '../../helpers/onnx-graph.js';
import { convertOne } from './convert-one.js';
import { compareTypedWithOrt, floatInput, int64Input } from './ort-typed.js';

const seq = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const i64c = (values: number[]): Tensor => makeTensor('int64', [values.length], BigInt64Array.from(values.map((v) => BigInt(v))));

async function expectOrtParity(...args: Parameters<typeof compareTypedWithOrt>): Promise<void> {
  const verdicts = await compareTypedWithOrt(...args);
  for (const v of verdicts) expect(v.pass, v.reason).toBe(true);
}

describe('Reshape with a run-time target', () => {
  const n = node('Reshape', ['x', 's'], ['y']);

  it('passes a target as long as the input rank straight through: Core ML copies 0 entries positionally then', () => {
    const r = convertOne(n, { inputs: [valueInfo('x', 'float32', [2, 3, 4]), valueInfo('s', 'int64', [3])], outputs: [valueInfo('y', 'float32', [null, null, null])], opset: 14 });
    expect(r.types.filter((t) => t !== 'cast')).toEqual(['reshape']);
  });

  it('replaces 0 entries with the input dims at run time, as ONNX reads them', async () => {
    const r = convertOne(n, { inputs: [valueInfo('x', 'float32', [2, 3, 4]), valueInfo('s', 'int64', [4])], outputs: [valueInfo('y', 'float32', [null, null, null, null])], opset: 14 });
    expect(r.types.slice(-3)).toEqual(['equal', 'select', 'reshape']);
    expect(r.param(r.ops.find((o) => o.type === 'select')!, 'a')).toEqual([2, 3, 4, 1]);
    for (const target of [[2, 0, 1, -1], [0, 0, 4, 1], [-1, 0, 2, 2]]) {
      await expectOrtParity(n, { x: floatInput([2, 3, 4], seq(24)), s: int64Input([4], target) }, ['float32'], { opset: 14 });
    }
  });

  it('refuses allowzero=1, whose 0 entries Core ML would copy instead', () => {
    expect(() => convertOne(node('Reshape', ['x', 's'], ['y'], { allowzero: 1 }), {
      inputs: [valueInfo('x', 'float32', [2, 3]), valueInfo('s', 'int64', [2])], outputs: [valueInfo('y', 'float32', [null, null])], opset: 14,
    })).toThrow(/allowzero=1 with a run-time target/);
  });
});

describe('Slice with run-time parameters', () => {
  const x = floatInput([5, 4, 3], seq(60));

  it('slices with run-time begin/end and constant positive steps through one slice_by_index', async () => {
    const n = node('Slice', ['x', 's', 'e', 'a'], ['y']);
    const r = convertOne(n, { inputs: [valueInfo('x', 'float32', [5, 4, 3]), valueInfo('s', 'int64', [2]), valueInfo('e', 'int64', [2])], outputs: [valueInfo('y', 'float32', [null, 4, null])], initializers: { a: i64c([0, -1]) } });
    expect(r.types.filter((t) => t === 'slice_by_index' || t === 'range_1d')).toEqual(['slice_by_index']);
    for (const [s, e] of [[[1, 0], [3, 2]], [[-4, -2], [1000, 3]], [[-100, 1], [-1, -1]]]) {
      await expectOrtParity(n, { x, s: int64Input([2], s!), e: int64Input([2], e!) }, ['float32'], { initializers: { a: i64c([0, -1]) } });
    }
  });

  it('handles run-time axes by scattering the bounds over every dim', async () => {
    const n = node('Slice', ['x', 's', 'e', 'a'], ['y']);
    await expectOrtParity(n, { x, s: int64Input([2], [1, 0]), e: int64Input([2], [3, -1]), a: int64Input([2], [-1, 0]) }, ['float32']);
  });

  it('handles run-time and negative steps by gathering range_1d indices per axis', async () => {
    const n = node('Slice', ['x', 's', 'e', 'a', 'st'], ['y']);
    await expectOrtParity(n, { x, s: int64Input([3], [20, 10, 4]), e: int64Input([3], [0, 0, 1]), a: int64Input([3], [0, 1, 2]), st: int64Input([3], [-1, -3, -1]) }, ['float32']);
    await expectOrtParity(n, { x, s: int64Input([2], [0, -1]), e: int64Input([2], [-1, -1000]), a: int64Input([2], [0, 1]), st: int64Input([2], [2, -1]) }, ['float32']);
  });
});

describe('run-time axes and split sizes', () => {
  const x = floatInput([2, 1, 3], seq(6));

  it('Unsqueeze reshapes to a target computed from the run-time axes', async () => {
    const n = node('Unsqueeze', ['x', 'a'], ['y']);
    const r = convertOne(n, { inputs: [valueInfo('x', 'float32', [2, 1, 3]), valueInfo('a', 'int64', [2])], outputs: [valueInfo('y', 'float32', [null, null, null, null, null])], opset: 13 });
    expect(r.types.at(-1)).toBe('reshape');
    for (const axes of [[0, 4], [-1, 1], [3, 2]]) await expectOrtParity(n, { x, a: int64Input([2], axes) }, ['float32'], { opset: 13 });
  });

  it('Squeeze drops the run-time axes from the target shape', async () => {
    const n = node('Squeeze', ['x', 'a'], ['y']);
    await expectOrtParity(n, { x: floatInput([1, 3, 1, 2], seq(6)), a: int64Input([1], [-2]) }, ['float32'], { opset: 13 });
    await expectOrtParity(n, { x: floatInput([1, 3, 1, 2], seq(6)), a: int64Input([2], [2, 0]) }, ['float32'], { opset: 13 });
  });

  it('Split slices between cumulative run-time sizes', async () => {
    const n = node('Split', ['x', 's'], ['a', 'b'], { axis: 1 });
    const r = convertOne(n, { inputs: [valueInfo('x', 'float32', [2, 6]), valueInfo('s', 'int64', [2])], outputs: [valueInfo('a', 'float32', [2, null]), valueInfo('b', 'float32', [2, null])], opset: 13 });
    expect(r.types).toContain('cumsum');
    await expectOrtParity(n, { x: floatInput([2, 6], seq(12)), s: int64Input([2], [2, 4]) }, ['float32', 'float32'], { opset: 13 });
  });

  for (const keepdims of [0, 1]) {
    it(`ReduceSum and ReduceMax over run-time axes match onnxruntime (keepdims=${keepdims})`, async () => {
      const big = floatInput([3, 2, 4], seq(24).map((v) => (v * 7) % 5));
      for (const axes of [[1], [-1, 0], [0, 1, 2]]) {
        await expectOrtParity(node('ReduceSum', ['x', 'a'], ['y'], { keepdims }), { x: big, a: int64Input([axes.length], axes) }, ['float32'], { opset: 13 });
        await expectOrtParity(node('ReduceMax', ['x', 'a'], ['y'], { keepdims }), { x: big, a: int64Input([axes.length], axes) }, ['float32'], { opset: 18 });
      }
    });
  }

  it('splits ReduceLogSum and ReduceSumSquare into a dim-by-dim sum and an element-wise step', async () => {
    const big = floatInput([3, 2, 4], seq(24).map((v) => 1 + ((v * 7) % 5)));
    for (const op of ['ReduceLogSum', 'ReduceSumSquare', 'ReduceL2', 'ReduceLogSumExp']) {
      await expectOrtParity(node(op, ['x', 'a'], ['y'], { keepdims: 0 }), { x: big, a: int64Input([2], [0, -1]) }, ['float32'], { opset: 18 });
    }
  });
});
