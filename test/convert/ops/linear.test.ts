import { describe, expect, it } from 'vitest';
import { makeTensor, toNumberList } from '../../../src/tensor/tensor.js';
import { node } from '../../helpers/onnx-graph.js';
import { convertNode, f32 } from './harness.js';

const seq = (...shape: number[]) => makeTensor('float32', shape, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i));

describe('MatMul converter', () => {
  it('turns a constant [K, N] right operand into linear with the weight transposed to [N, K]', () => {
    const r = convertNode(node('MatMul', ['x', 'w'], ['y']), { x: f32(2, 5, 3) }, { w: seq(3, 2) });
    expect(r.ops.map((o) => o.type)).toEqual(['linear']);
    const weight = r.param(r.op('linear'), 'weight')!;
    expect(weight.shape).toEqual([2, 3]);
    // w = [[0,1],[2,3],[4,5]] → rows of the transpose are [0,2,4] and [1,3,5].
    expect(toNumberList(weight)).toEqual([0, 2, 4, 1, 3, 5]);
    expect(toNumberList(r.param(r.op('linear'), 'bias')!)).toEqual([0, 0]);
    expect(r.outType()).toEqual(f32(2, 5, 2));
  });

  it('keeps matmul for rank-4 operands with broadcast batch dims', () => {
    const r = convertNode(node('MatMul', ['a', 'b'], ['y']), { a: f32(2, 4, 5, 8), b: f32(1, 4, 8, 5) });
    expect(r.ops.map((o) => o.type)).toEqual(['matmul']);
    expect(r.outType()).toEqual(f32(2, 4, 5, 5));
  });

  it('keeps matmul for a constant right operand when the left rank is 4', () => {
    const r = convertNode(node('MatMul', ['a', 'w'], ['y']), { a: f32(1, 2, 3, 4) }, { w: seq(4, 6) });
    expect(r.ops.map((o) => o.type)).toEqual(['matmul']);
    expect(r.outType().shape).toEqual([1, 2, 3, 6]);
  });
});

describe('Gemm converter', () => {
  it('folds transB, alpha and beta * C into one linear', () => {
    const n = node('Gemm', ['a', 'b', 'c'], ['y'], { transB: 1, alpha: 2, beta: 0.5 }, ['alpha', 'beta']);
    const r = convertNode(n, { a: f32(4, 3) }, { b: seq(2, 3), c: seq(2) });
    expect(r.ops.map((o) => o.type)).toEqual(['linear']);
    const lin = r.op('linear');
    expect(toNumberList(r.param(lin, 'weight')!)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(toNumberList(r.param(lin, 'bias')!)).toEqual([0, 0.5]);
    expect(r.outType()).toEqual(f32(4, 2));
  });

  it('reads transB = 255 as true, as ONNX reads any non-zero int (the same linear as transB = 1)', () => {
    const build = (transB: number) => convertNode(node('Gemm', ['a', 'b'], ['y'], { transB }), { a: f32(4, 3) }, { b: seq(2, 3) });
    const [one, big] = [build(1), build(255)];
    expect(toNumberList(big.param(big.op('linear'), 'weight')!)).toEqual(toNumberList(one.param(one.op('linear'), 'weight')!));
    expect(big.outType()).toEqual(f32(4, 2));
  });

  it('reads transA = 7 as true and sets transpose_x', () => {
    const r = convertNode(node('Gemm', ['a', 'b'], ['y'], { transA: 7 }), { a: f32(3, 4) }, { b: seq(3, 5) });
    expect(r.paramValues(r.op('matmul'), 'transpose_x')).toEqual([1]);
    expect(r.outType()).toEqual(f32(4, 5));
  });

  it('uses matmul with transpose_x for transA', () => {
    const n = node('Gemm', ['a', 'b', 'c'], ['y'], { transA: 1 });
    const r = convertNode(n, { a: f32(3, 4) }, { b: seq(3, 5), c: seq(5) });
    expect(r.ops.map((o) => o.type)).toEqual(['matmul', 'add']);
    const mm = r.op('matmul');
    expect(r.paramValues(mm, 'transpose_x')).toEqual([1]);
    expect(r.paramValues(mm, 'transpose_y')).toEqual([0]);
    expect(r.outType()).toEqual(f32(4, 5));
  });

  it('adds a full [M, N] C after linear', () => {
    const n = node('Gemm', ['a', 'b', 'c'], ['y']);
    const r = convertNode(n, { a: f32(2, 3) }, { b: seq(3, 4), c: seq(2, 4) });
    expect(r.ops.map((o) => o.type)).toEqual(['linear', 'add']);
    expect(r.outType()).toEqual(f32(2, 4));
  });

  it('scales a non-constant product by alpha with mul', () => {
    const n = node('Gemm', ['a', 'b'], ['y'], { alpha: 3 }, ['alpha']);
    const r = convertNode(n, { a: f32(2, 3), b: f32(3, 4) });
    expect(r.ops.map((o) => o.type)).toEqual(['matmul', 'mul']);
    expect(r.outType()).toEqual(f32(2, 4));
  });
});
