import { describe, expect, it } from 'vitest';
import { node } from '../../helpers/onnx-graph.js';
import { f32, infer } from './nn-helpers.js';

describe('MatMul and Gemm shape inference', () => {
  it('broadcasts the batch dims of rank-4 MatMul operands', () => {
    expect(infer(node('MatMul', ['a', 'b'], ['y']), [f32('B', 8, 5, 16), f32(1, 8, 16, 5)])).toEqual([f32('B', 8, 5, 5)]);
  });
  it('drops promoted 1-D dims', () => {
    expect(infer(node('MatMul', ['a', 'b'], ['y']), [f32(16), f32(3, 16, 4)])).toEqual([f32(3, 4)]);
  });
  it('rejects mismatched inner dims', () => {
    expect(() => infer(node('MatMul', ['a', 'b'], ['y']), [f32(2, 3), f32(4, 5)])).toThrow();
  });
  it('reads M and N through transA and transB', () => {
    const n = node('Gemm', ['a', 'b'], ['y'], { transA: 1, transB: 1 });
    expect(infer(n, [f32(16, 'M'), f32(10, 16)])).toEqual([f32('M', 10)]);
  });
});
