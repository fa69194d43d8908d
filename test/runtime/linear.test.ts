import { describe, expect, it } from 'vitest';
import { runProgram } from '../../src/runtime/interpreter.js';
import { f32, flag, op, program, runOp, v, values } from './build.js';
import { seededFloats } from '../helpers/seeded.js';
import { maxAbsDiff, runOnnxNode } from './ort.js';

const F = (shape: number[]) => ({ dtype: 'float32' as const, shape });

describe('linear', () => {
  it('computes x·Wᵀ + b for one row', () => {
    const [out] = runOp('linear', { x: f32([1, 2], [1, 2]), weight: f32([3, 2], [1, 0, 0, 1, 1, 1]), bias: f32([3], [0, 10, 100]) }, F([1, 3]));
    expect(values(out!)).toEqual([1, 12, 103]);
  });

  it('matches onnxruntime Gemm(transB) for many rows (the blocked GEMM path)', async () => {
    const x = f32([37, 70], seededFloats(37 * 70, 1));
    const weight = f32([19, 70], seededFloats(19 * 70, 2));
    const bias = f32([19], seededFloats(19, 3));
    const ref = await runOnnxNode('Gemm', { x }, { w: weight, b: bias }, { transB: 1 });
    const [out] = runOp('linear', { x, weight, bias }, F([37, 19]));
    expect(maxAbsDiff(values(out!), ref)).toBeLessThan(1e-5);
  });

  it('batch-1 rows against constant weights (resident SIMD path) match onnxruntime, with ragged sizes', async () => {
    for (const [rows, dIn, dOut] of [[1, 2048, 1000], [3, 7, 5], [1, 1, 1]] as const) {
      const x = f32([rows, dIn], seededFloats(rows * dIn, dIn));
      const weight = f32([dOut, dIn], seededFloats(dOut * dIn, dOut));
      const bias = f32([dOut], seededFloats(dOut, 9));
      const ref = await runOnnxNode('Gemm', { x }, { w: weight, b: bias }, { transB: 1 });
      for (let run = 0; run < 2; run++) {
        const [out] = runOp('linear', { x, weight, bias }, F([rows, dOut]));
        // The SIMD path sums in fp32 (four partial sums), so allow fp32 rounding over 2048 terms of size ~15.
        expect(maxAbsDiff(values(out!), ref)).toBeLessThan(1e-4);
      }
    }
  });

  it('a weight computed at run time takes the plain path and is re-read each run', () => {
    const prog = program([v('x', 'float32', [1, 4]), v('w', 'float32', [2, 4])], [
      op('linear', { x: 'x', weight: 'w' }, [v('y', 'float32', [1, 2])]),
    ], ['y']);
    const x = f32([1, 4], [1, 1, 1, 1]);
    expect(values(runProgram(prog, { x, w: f32([2, 4], [1, 1, 1, 1, 2, 2, 2, 2]) })['y']!)).toEqual([4, 8]);
    expect(values(runProgram(prog, { x, w: f32([2, 4], [0, 0, 0, 1, 0, 0, 0, 3]) })['y']!)).toEqual([1, 3]);
  });

  it('keeps leading dims of a rank-3 x', () => {
    const [out] = runOp('linear', { x: f32([2, 1, 2], [1, 2, 3, 4]), weight: f32([1, 2], [1, 1]) }, F([2, 1, 1]));
    expect(values(out!)).toEqual([3, 7]);
  });
});

describe('matmul', () => {
  it('broadcasts batch dims like NumPy', async () => {
    const x = f32([2, 1, 3, 4], seededFloats(24, 4));
    const y = f32([3, 4, 5], seededFloats(60, 5));
    const ref = await runOnnxNode('MatMul', { a: x, b: y }, {});
    const [out] = runOp('matmul', { x, y }, F([2, 3, 3, 5]));
    expect(maxAbsDiff(values(out!), ref)).toBeLessThan(1e-6);
  });

  it('transpose_x and transpose_y read the operands transposed', () => {
    const x = f32([2, 2], [1, 2, 3, 4]); // xᵀ = [[1,3],[2,4]]
    const y = f32([2, 2], [1, 0, 1, 1]); // yᵀ = [[1,1],[0,1]]
    const [out] = runOp('matmul', { x, y, transpose_x: flag(true), transpose_y: flag(true) }, F([2, 2]));
    expect(values(out!)).toEqual([1, 4, 2, 6]);
  });

  it('promotes 1-D operands and drops the added dims', () => {
    const [vm] = runOp('matmul', { x: f32([2], [1, 2]), y: f32([2, 3], [1, 2, 3, 4, 5, 6]) }, F([3]));
    expect(values(vm!)).toEqual([9, 12, 15]);
    const [mv] = runOp('matmul', { x: f32([2, 3], [1, 2, 3, 4, 5, 6]), y: f32([3], [1, 0, 1]) }, F([2]));
    expect(values(mv!)).toEqual([4, 10]);
  });

  it('rejects mismatched inner dims', () => {
    expect(() => runOp('matmul', { x: f32([2, 3], new Float32Array(6)), y: f32([2, 2], new Float32Array(4)) }, F([2, 2]))).toThrow(/inner dims differ/);
  });
});
