import { describe, expect, it } from 'vitest';
import { convertOnnxModel } from '../../../src/convert/index.js';
import { runModel } from '../../../src/runtime/interpreter.js';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../../helpers/onnx-graph.js';
import { convertOne } from './convert-one.js';
import { compareTypedWithOrt, floatInput, int64Input } from './ort-typed.js';

const i64 = (values: number[], shape = [values.length]): Tensor => makeTensor('int64', shape, BigInt64Array.from(values.map((v) => BigInt(v))));
const seq = (n: number): number[] => Array.from({ length: n }, (_, i) => ((i * 7) % 11) - 5);

async function expectOrtParity(...args: Parameters<typeof compareTypedWithOrt>): Promise<void> {
  const verdicts = await compareTypedWithOrt(...args);
  for (const v of verdicts) expect(v.pass, v.reason).toBe(true);
}

describe('CumSum', () => {
  it('emits one cumsum for a constant axis, with exclusive and reverse', () => {
    const r = convertOne(node('CumSum', ['x', 'a'], ['y'], { exclusive: 1, reverse: 1 }), {
      inputs: [valueInfo('x', 'float32', [2, 3])], outputs: [valueInfo('y', 'float32', [2, 3])], initializers: { a: i64([-1], []) },
    });
    expect(r.types).toEqual(['cumsum']);
    expect(['axis', 'exclusive', 'reverse'].map((p) => r.param(r.ops[0]!, p))).toEqual([[1], [1], [1]]);
  });

  it('matches onnxruntime for every flag combination', async () => {
    for (const exclusive of [0, 1]) {
      for (const reverse of [0, 1]) {
        await expectOrtParity(node('CumSum', ['x', 'a'], ['y'], { exclusive, reverse }), { x: floatInput([2, 3, 2], seq(12)) }, ['float32'], { initializers: { a: i64([1], []) } });
      }
    }
  });

  it('selects among per-axis sums when the axis arrives at run time', () => {
    const m = model({ nodes: [node('CumSum', ['x', 'a'], ['y'])], inputs: [valueInfo('x', 'float32', [2, 3]), valueInfo('a', 'int32', [])], outputs: [valueInfo('y', 'float32', [2, 3])], opset: 14 });
    const converted = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' });
    const [xName, aName] = converted.model.inputs.map((i) => i.name);
    const run = (axis: number): number[] => {
      const out = runModel(converted.model, { [xName!]: makeTensor('float32', [2, 3], Float32Array.from([1, 2, 3, 4, 5, 6])), [aName!]: makeTensor('int32', [1], Int32Array.from([axis])) });
      return Array.from(Object.values(out)[0]!.data as Float32Array);
    };
    expect(run(0)).toEqual([1, 2, 3, 5, 7, 9]);
    expect(run(-1)).toEqual([1, 3, 6, 4, 9, 15]);
    expect(run(-2)).toEqual(run(0));
  });
});

describe('TopK', () => {
  it('maps a constant K to topk with ascending for largest=0', () => {
    const r = convertOne(node('TopK', ['x', 'k'], ['v', 'i'], { largest: 0 }), {
      inputs: [valueInfo('x', 'float32', [3, 4])], outputs: [valueInfo('v', 'float32', [3, 2]), valueInfo('i', 'int64', [3, 2])], initializers: { k: i64([2]) },
    });
    const op = r.ops.find((o) => o.type === 'topk')!;
    expect([r.param(op, 'k'), r.param(op, 'axis'), r.param(op, 'ascending')]).toEqual([[2], [1], [1]]);
  });

  it('matches onnxruntime for constant K, largest and smallest, on a middle axis', async () => {
    for (const largest of [0, 1]) {
      await expectOrtParity(node('TopK', ['x', 'k'], ['v', 'i'], { axis: 1, largest }), { x: floatInput([2, 4, 3], seq(24).map((v, i) => v + i / 100)) }, ['float32', 'int64'], { initializers: { k: i64([3]) } });
    }
  });

  it('refuses a constant K larger than the axis', () => {
    expect(() => convertOne(node('TopK', ['x', 'k'], ['v', 'i']), {
      inputs: [valueInfo('x', 'float32', [3, 4])], outputs: [valueInfo('v', 'float32', [3, 5]), valueInfo('i', 'int64', [3, 5])], initializers: { k: i64([5]) },
    })).toThrow(/K=5 is outside \[1, 4\]/);
  });

  it('sorts with argsort and slices K at run time when K is an input', async () => {
    const n = node('TopK', ['x', 'k'], ['v', 'i'], { axis: -1 });
    const r = convertOne(n, { inputs: [valueInfo('x', 'float32', [3, 4]), valueInfo('k', 'int64', [1])], outputs: [valueInfo('v', 'float32', [3, null]), valueInfo('i', 'int64', [3, null])] });
    expect(r.types).toEqual(['argsort', 'concat', 'slice_by_index', 'gather_along_axis']);
    await expectOrtParity(n, { x: floatInput([3, 4], seq(12).map((v, i) => v - i / 50)), k: int64Input([1], [3]) }, ['float32', 'int64']);
  });
});

describe('reductions with an empty axes input', () => {
  it('pass the input through under noop_with_empty_axes, even when the axes are a run-time input', () => {
    const r = convertOne(node('ReduceSum', ['x', 'a'], ['y'], { noop_with_empty_axes: 1 }), {
      inputs: [valueInfo('x', 'float32', [2, 3]), valueInfo('a', 'int64', [0])], outputs: [valueInfo('y', 'float32', [2, 3])], opset: 13,
    });
    expect(r.types).not.toContain('reduce_sum');
  });

  it('refuse run-time axes whose count is unknown', () => {
    expect(() => convertOne(node('ReduceSum', ['x', 'a'], ['y']), {
      inputs: [valueInfo('x', 'float32', [2, 3]), valueInfo('a', 'int64', [null])], outputs: [valueInfo('y', 'float32', [null, null])], opset: 13,
    })).toThrow(/must be a vector of static length/);
  });
});
