import { describe, expect, it } from 'vitest';
import { foldFunctionFor } from '../../../src/onnx/fold/index.js';
import { makeTensor, toNumberList, type Tensor } from '../../../src/tensor/tensor.js';
import { node } from '../../helpers/onnx-graph.js';
import type { OnnxNode } from '../../../src/onnx/ir.js';

const i64 = (values: number[], shape = [values.length]): Tensor => makeTensor('int64', shape, BigInt64Array.from(values.map(BigInt)));
const f32 = (values: number[], shape = [values.length]): Tensor => makeTensor('float32', shape, Float32Array.from(values));

function fold(n: OnnxNode, inputs: (Tensor | undefined)[], opset = 17): Tensor[] {
  const fn = foldFunctionFor(n.opType);
  if (!fn) throw new Error(`no fold for ${n.opType}`);
  return fn(n, inputs, opset);
}

function values(t: Tensor): number[] {
  return toNumberList(t);
}

describe('shape-family fold evaluators', () => {
  it('Shape gives the dims as int64, honouring start/end', () => {
    const x = f32(new Array(24).fill(0), [2, 3, 4]);
    expect(values(fold(node('Shape', ['x'], ['s']), [x])[0]!)).toEqual([2, 3, 4]);
    const window = fold(node('Shape', ['x'], ['s'], { start: 1, end: -1 }), [x])[0]!;
    expect(window.dtype).toBe('int64');
    expect(values(window)).toEqual([3]);
  });

  it('Size gives the element count as an int64 scalar', () => {
    const out = fold(node('Size', ['x'], ['n']), [f32([1, 2, 3, 4, 5, 6], [2, 3])])[0]!;
    expect(out.shape).toEqual([]);
    expect(values(out)).toEqual([6]);
  });

  it('Gather normalizes negative indices and inserts the indices shape', () => {
    const out = fold(node('Gather', ['d', 'i'], ['o'], { axis: 0 }), [i64([5, 6, 7]), i64([-1], [])])[0]!;
    expect(out.shape).toEqual([]);
    expect(values(out)).toEqual([7]);
    const cols = fold(node('Gather', ['d', 'i'], ['o'], { axis: 1 }), [f32([1, 2, 3, 4, 5, 6], [2, 3]), i64([2, 0])])[0]!;
    expect(cols.shape).toEqual([2, 2]);
    expect(values(cols)).toEqual([3, 1, 6, 4]);
  });

  it('Concat joins along the axis', () => {
    const out = fold(node('Concat', ['a', 'b'], ['o'], { axis: 1 }), [f32([1, 2], [2, 1]), f32([3, 4, 5, 6], [2, 2])])[0]!;
    expect(out.shape).toEqual([2, 3]);
    expect(values(out)).toEqual([1, 3, 4, 2, 5, 6]);
  });

  it('Unsqueeze reads axes from the attribute before opset 13 and from the input after', () => {
    const old = fold(node('Unsqueeze', ['x'], ['o'], { axes: [0] }), [i64([4])], 11)[0]!;
    expect(old.shape).toEqual([1, 1]);
    const now = fold(node('Unsqueeze', ['x', 'a'], ['o']), [i64([3, 4]), i64([0, -1])], 13)[0]!;
    expect(now.shape).toEqual([1, 2, 1]);
  });

  it('Squeeze removes every size-1 dim when no axes are given', () => {
    const out = fold(node('Squeeze', ['x'], ['o']), [f32([1, 2], [1, 2, 1])], 13)[0]!;
    expect(out.shape).toEqual([2]);
  });

  it('Slice handles negative steps and INT64_MAX ends', () => {
    const x = i64([0, 1, 2, 3, 4]);
    const big = makeTensor('int64', [1], BigInt64Array.from([9223372036854775807n]));
    expect(values(fold(node('Slice', ['x', 's', 'e'], ['o']), [x, i64([1]), big])[0]!)).toEqual([1, 2, 3, 4]);
    const reversed = fold(node('Slice', ['x', 's', 'e', 'a', 'st'], ['o']), [x, i64([-1]), makeTensor('int64', [1], BigInt64Array.from([-9223372036854775807n])), i64([0]), i64([-2])])[0]!;
    expect(values(reversed)).toEqual([4, 2, 0]);
    const attrs = fold(node('Slice', ['x'], ['o'], { starts: [1], ends: [3] }), [x], 9)[0]!;
    expect(values(attrs)).toEqual([1, 2]);
  });

  it('Cast converts between float and int64 by truncation', () => {
    const out = fold(node('Cast', ['x'], ['o'], { to: 7 }), [f32([1.7, -2.5])])[0]!;
    expect(out.dtype).toBe('int64');
    expect(values(out)).toEqual([1, -2]);
  });

  it('Reshape resolves 0 and -1', () => {
    const out = fold(node('Reshape', ['x', 's'], ['o']), [f32(new Array(24).fill(1), [2, 3, 4]), i64([0, -1])])[0]!;
    expect(out.shape).toEqual([2, 12]);
  });

  it('Expand broadcasts to the target shape', () => {
    const out = fold(node('Expand', ['x', 's'], ['o']), [f32([1, 2], [2, 1]), i64([2, 3])])[0]!;
    expect(out.shape).toEqual([2, 3]);
    expect(values(out)).toEqual([1, 1, 1, 2, 2, 2]);
  });

  it('ConstantOfShape fills with the value attribute, float32 zero by default', () => {
    const zeros = fold(node('ConstantOfShape', ['s'], ['o']), [i64([2, 2])])[0]!;
    expect(zeros.dtype).toBe('float32');
    expect(values(zeros)).toEqual([0, 0, 0, 0]);
    const ones = fold(node('ConstantOfShape', ['s'], ['o'], { value: i64([1], [1]) }), [i64([3])])[0]!;
    expect(ones.dtype).toBe('int64');
    expect(values(ones)).toEqual([1, 1, 1]);
  });

  it('Range counts ceil((limit - start) / delta) elements in the start dtype', () => {
    const out = fold(node('Range', ['a', 'b', 'c'], ['o']), [i64([10], []), i64([4], []), i64([-3], [])])[0]!;
    expect(values(out)).toEqual([10, 7]);
  });

  it('Constant reads value_ints and value_float', () => {
    expect(values(fold(node('Constant', [], ['o'], { value_ints: [1, 2] }), [])[0]!)).toEqual([1, 2]);
    const f = fold(node('Constant', [], ['o'], { value_float: 0.5 }, ['value_float']), [])[0]!;
    expect(f.dtype).toBe('float32');
    expect(values(f)).toEqual([0.5]);
  });

  it('Identity returns its input', () => {
    const x = i64([1]);
    expect(fold(node('Identity', ['x'], ['o']), [x])[0]).toBe(x);
  });

  it('refuses to fold results above the element bound', () => {
    expect(() => fold(node('ConstantOfShape', ['s'], ['o']), [i64([4096, 4096])])).toThrowError(/elements/);
  });
});
