import { describe, expect, it } from 'vitest';
import { f32, i32, int, runOp, str, values } from './build.js';

const F = (shape: number[]) => ({ dtype: 'float32' as const, shape });
const x = f32([3, 2], [1, 2, 3, 4, 5, 6]);

describe('gather and scatter', () => {
  it('gather picks slices along an axis; negative indices count from the end before iOS17', () => {
    expect(values(runOp('gather', { x, indices: i32([2], [2, -3]), axis: int(0) }, F([2, 2]))[0]!)).toEqual([5, 6, 1, 2]);
    expect(values(runOp('gather', { x, indices: i32([1, 1], [1]), axis: int(1) }, F([3, 1, 1]))[0]!)).toEqual([2, 4, 6]);
  });

  it('gather treats a negative index as out of bounds from iOS17', () => {
    expect(() => runOp('gather', { x, indices: i32([1], [-1]) }, F([1, 2]), 'CoreML7')).toThrow(/index -1 is out of bounds/);
  });

  it('gather with batch_dims gathers per batch', () => {
    const [out] = runOp('gather', { x, indices: i32([3, 1], [1, 0, 1]), axis: int(1), batch_dims: int(1) }, F([3, 1]));
    expect(values(out!)).toEqual([2, 3, 6]);
  });

  it('gather_along_axis reads x at indices of the same rank', () => {
    const [out] = runOp('gather_along_axis', { x, indices: i32([3, 1], [1, 0, 1]), axis: int(1) }, F([3, 1]));
    expect(values(out!)).toEqual([2, 3, 6]);
  });

  it('gather_nd indexes leading dims with the last dim of indices', () => {
    expect(values(runOp('gather_nd', { x, indices: i32([2, 2], [0, 1, 2, 0]) }, F([2]))[0]!)).toEqual([2, 5]);
    expect(values(runOp('gather_nd', { x, indices: i32([1, 1], [1]) }, F([1, 2]))[0]!)).toEqual([3, 4]);
  });

  it('scatter applies each mode at the indexed slices', () => {
    const data = f32([3], [10, 20, 30]);
    const base = { data, indices: i32([2], [2, 0]), updates: f32([2], [1, 2]) };
    expect(values(runOp('scatter', { ...base, mode: str('update') }, F([3]))[0]!)).toEqual([2, 20, 1]);
    expect(values(runOp('scatter', { ...base, mode: str('add') }, F([3]))[0]!)).toEqual([12, 20, 31]);
    expect(values(runOp('scatter', { ...base, mode: str('mul') }, F([3]))[0]!)).toEqual([20, 20, 30]);
    expect(values(runOp('scatter', { ...base, mode: str('max') }, F([3]))[0]!)).toEqual([10, 20, 30]);
    expect(values(data)).toEqual([10, 20, 30]);
  });

  it('scatter_along_axis and scatter_nd', () => {
    const data = f32([2, 2], [0, 0, 0, 0]);
    expect(values(runOp('scatter_along_axis', { data, indices: i32([2, 1], [1, 0]), updates: f32([2, 1], [5, 6]), axis: int(1), mode: str('update') }, F([2, 2]))[0]!)).toEqual([0, 5, 6, 0]);
    expect(values(runOp('scatter_nd', { data, indices: i32([1, 2], [1, 1]), updates: f32([1], [7]), mode: str('add') }, F([2, 2]))[0]!)).toEqual([0, 0, 0, 7]);
  });

  it('rejects an unknown scatter mode', () => {
    expect(() => runOp('scatter', { data: x, indices: i32([1], [0]), updates: f32([1, 2], [1, 1]), mode: str('xor') }, F([3, 2]))).toThrow(/unknown scatter mode 'xor'/);
  });
});
