import { describe, expect, it } from 'vitest';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { node, valueInfo } from '../../helpers/onnx-graph.js';
import { convertOne } from './convert-one.js';
import { compareTypedWithOrt, floatInput, int64Input } from './ort-typed.js';

const i64 = (values: number[], shape = [values.length]): Tensor => makeTensor('int64', shape, BigInt64Array.from(values.map((v) => BigInt(v))));
const seq = (n: number): number[] => Array.from({ length: n }, (_, i) => i * 0.5 - 1);

async function expectOrtParity(...args: Parameters<typeof compareTypedWithOrt>): Promise<void> {
  const verdicts = await compareTypedWithOrt(...args);
  for (const v of verdicts) expect(v.pass, v.reason).toBe(true);
}

describe('GatherElements', () => {
  it('emits gather_along_axis with run-time indices guarded against negatives', () => {
    const r = convertOne(node('GatherElements', ['x', 'i'], ['y'], { axis: 1 }), {
      inputs: [valueInfo('x', 'float32', [2, 3]), valueInfo('i', 'int64', [2, 2])],
      outputs: [valueInfo('y', 'float32', [2, 2])],
    });
    expect(r.types).toEqual(['greater_equal', 'add', 'select', 'gather_along_axis']);
    expect(r.param(r.ops[1]!, 'y')).toEqual([3]);
    expect(r.param(r.ops[3]!, 'axis')).toEqual([1]);
  });

  it('wraps negative constant indices at conversion time', () => {
    const r = convertOne(node('GatherElements', ['x', 'i'], ['y'], { axis: 0 }), {
      inputs: [valueInfo('x', 'float32', [3, 2])],
      outputs: [valueInfo('y', 'float32', [1, 2])],
      initializers: { i: i64([-1, 1], [1, 2]) },
    });
    expect(r.types).toEqual(['gather_along_axis']);
    expect(r.param(r.ops[0]!, 'indices')).toEqual([2, 1]);
  });

  it('matches onnxruntime, negative indices included', async () => {
    await expectOrtParity(node('GatherElements', ['x', 'i'], ['y'], { axis: 0 }), {
      x: floatInput([3, 3], seq(9)),
      i: int64Input([2, 3], [-1, 0, 2, 1, -3, 0]),
    }, ['float32']);
  });
});

describe('GatherND', () => {
  it('matches onnxruntime with batch_dims on iOS16', async () => {
    const r = convertOne(node('GatherND', ['x', 'i'], ['y'], { batch_dims: 1 }), {
      inputs: [valueInfo('x', 'float32', [2, 2, 3]), valueInfo('i', 'int64', [2, 1])],
      outputs: [valueInfo('y', 'float32', [2, 3])],
      target: 'iOS16',
    });
    expect(r.param(r.ops.find((o) => o.type === 'gather_nd')!, 'batch_dims')).toEqual([1]);
    await expectOrtParity(node('GatherND', ['x', 'i'], ['y']), { x: floatInput([2, 2, 2], seq(8)), i: int64Input([2, 1, 2], [0, 1, -1, 0]) }, ['float32']);
  });

  it('takes non-negative constant indices as they are, even into dims of unknown size', () => {
    const r = convertOne(node('GatherND', ['x', 'i'], ['y']), {
      inputs: [valueInfo('x', 'float32', [null, 3])], outputs: [valueInfo('y', 'float32', [2])], initializers: { i: i64([0, 1, 1, 2], [2, 2]) },
    });
    expect(r.types).toEqual(['gather_nd']);
    expect(r.param(r.ops[0]!, 'indices')).toEqual([0, 1, 1, 2]);
  });

  it('refuses batch_dims before iOS16', () => {
    expect(() =>
      convertOne(node('GatherND', ['x', 'i'], ['y'], { batch_dims: 1 }), {
        inputs: [valueInfo('x', 'float32', [2, 2, 3]), valueInfo('i', 'int64', [2, 1])],
        outputs: [valueInfo('y', 'float32', [2, 3])],
      }),
    ).toThrow(/batch_dims needs iOS16/);
  });
});

describe('scatters', () => {
  it('ScatterElements maps reduction to the scatter_along_axis mode', () => {
    const r = convertOne(node('ScatterElements', ['x', 'i', 'u'], ['y'], { axis: 1, reduction: 'mul' }), {
      inputs: [valueInfo('x', 'float32', [1, 5]), valueInfo('i', 'int64', [1, 2]), valueInfo('u', 'float32', [1, 2])],
      outputs: [valueInfo('y', 'float32', [1, 5])],
      opset: 18,
    });
    const op = r.ops.find((o) => o.type === 'scatter_along_axis')!;
    const binding = op.inputs['mode']![0]!;
    const mode = binding.kind === 'name' ? r.fn.block.operations.find((o) => o.outputs[0]!.name === binding.name)?.attributes['val'] : undefined;
    expect(mode?.data).toEqual(['mul']);
    expect(r.param(op, 'axis')).toEqual([1]);
  });

  it('ScatterElements with duplicate indices accumulates under add, like onnxruntime', async () => {
    await expectOrtParity(node('ScatterElements', ['x', 'i', 'u'], ['y'], { axis: 1, reduction: 'add' }), {
      x: floatInput([1, 5], [1, 2, 3, 4, 5]),
      i: int64Input([1, 2], [1, 1]),
      u: floatInput([1, 2], [1.1, 2.1]),
    }, ['float32'], { opset: 16 });
  });

  it('ScatterElements refuses max before opset 18', () => {
    expect(() =>
      convertOne(node('ScatterElements', ['x', 'i', 'u'], ['y'], { reduction: 'max' }), {
        inputs: [valueInfo('x', 'float32', [3]), valueInfo('i', 'int64', [1]), valueInfo('u', 'float32', [1])],
        outputs: [valueInfo('y', 'float32', [3])],
        opset: 16,
      }),
    ).toThrow(/reduction "max" is not defined at opset 16/);
  });

  it('ScatterND replaces slices addressed by negative and positive indices, like onnxruntime', async () => {
    await expectOrtParity(node('ScatterND', ['x', 'i', 'u'], ['y']), {
      x: floatInput([4, 2], seq(8)),
      i: int64Input([2, 1], [-1, 1]),
      u: floatInput([2, 2], [10, 11, 12, 13]),
    }, ['float32']);
  });
});

describe('OneHot', () => {
  it('passes constant depth and values straight to one_hot', () => {
    const r = convertOne(node('OneHot', ['i', 'd', 'v'], ['y'], { axis: 0 }), {
      inputs: [valueInfo('i', 'int64', [3])],
      outputs: [valueInfo('y', 'float32', [4, 3])],
      initializers: { d: makeTensor('float32', [], new Float32Array([4])), v: makeTensor('float32', [2], new Float32Array([-1, 5])) },
    });
    const op = r.ops.find((o) => o.type === 'one_hot')!;
    expect(r.param(op, 'one_hot_vector_size')).toEqual([4]);
    expect(r.param(op, 'on_value')).toEqual([5]);
    expect(r.param(op, 'off_value')).toEqual([-1]);
  });

  it('matches onnxruntime with run-time depth, values and negative indices', async () => {
    await expectOrtParity(node('OneHot', ['i', 'd', 'v'], ['y'], { axis: 1 }), {
      i: int64Input([3], [1, -1, 2]),
      d: floatInput([1], [3]),
      v: floatInput([2], [2, 7]),
    }, ['float32']);
  });
});

describe('Compress and NonZero', () => {
  it('Compress with a constant condition gathers the selected rows', () => {
    const r = convertOne(node('Compress', ['x', 'c'], ['y'], { axis: 0 }), {
      inputs: [valueInfo('x', 'float32', [3, 2])],
      outputs: [valueInfo('y', 'float32', [2, 2])],
      initializers: { c: makeTensor('bool', [3], Uint8Array.from([0, 1, 1])) },
    });
    expect(r.types).toEqual(['gather']);
    expect(r.param(r.ops[0]!, 'indices')).toEqual([1, 2]);
  });

  it('Compress with a run-time condition and no axis matches onnxruntime', async () => {
    const n = node('Compress', ['x', 'c'], ['y']);
    const r = convertOne(n, { inputs: [valueInfo('x', 'float32', [3, 2]), valueInfo('c', 'bool', [5])], outputs: [valueInfo('y', 'float32', [null])] });
    expect(r.types.slice(-4)).toEqual(['reshape', 'non_zero', 'reshape', 'gather']);
    const c = makeTensor('bool', [5], Uint8Array.from([1, 0, 0, 1, 1]));
    await expectOrtParity(n, { x: floatInput([3, 2], seq(6)) }, ['float32'], { initializers: { c } });
  });

  it('NonZero of a constant folds to int64 coordinates', () => {
    const r = convertOne(node('NonZero', ['c'], ['y']), {
      inputs: [],
      outputs: [valueInfo('y', 'int64', [2, 3])],
      initializers: { c: makeTensor('float32', [2, 2], new Float32Array([1, 0, 2, 3])) },
    });
    expect(r.types).not.toContain('non_zero');
    const out = r.fn.block.operations.find((o) => o.type === 'const' && o.outputs[0]!.type.shape.length === 2)?.attributes['val'];
    expect(out && Array.from(out.data as Int32Array)).toEqual([0, 1, 1, 0, 0, 1]);
  });

  it('NonZero of a run-time tensor transposes non_zero to [rank, N]', async () => {
    const r = convertOne(node('NonZero', ['x'], ['y']), { inputs: [valueInfo('x', 'float32', [2, 2])], outputs: [valueInfo('y', 'int64', [2, null])] });
    expect(r.types).toEqual(['non_zero', 'transpose']);
    await expectOrtParity(node('NonZero', ['x'], ['y']), { x: floatInput([2, 3], [0, 1, 0, 2, 0, 3]) }, ['int64']);
  });
});
