import { describe, expect, it } from 'vitest';
import { f32, i32, int, runOp, values } from './build.js';

/** 0..n-1 as fp32 in the given shape. */
const iota = (shape: number[]) => f32(shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i));

describe('depth/space block shuffles', () => {
  it('depth_to_space takes the block offset from the high channel bits (depth-column-row)', () => {
    // 4 channels of one pixel each, block 2: channel (i·2 + j) lands at row i, column j.
    const [y] = runOp('depth_to_space', { x: iota([1, 4, 1, 1]), block_size: int(2) }, { dtype: 'float32', shape: [1, 1, 2, 2] });
    expect(values(y!)).toEqual([0, 1, 2, 3]);
    // 8 channels → 2 output channels: output channel c reads input channels c, 2 + c, 4 + c, 6 + c.
    const [z] = runOp('depth_to_space', { x: iota([1, 8, 1, 1]), block_size: int(2) }, { dtype: 'float32', shape: [1, 2, 2, 2] });
    expect(values(z!)).toEqual([0, 2, 4, 6, 1, 3, 5, 7]);
  });

  it('pixel_shuffle groups each output channel\'s block in consecutive input channels', () => {
    const [y] = runOp('pixel_shuffle', { x: iota([1, 8, 1, 1]), upscale_factor: int(2) }, { dtype: 'float32', shape: [1, 2, 2, 2] });
    expect(values(y!)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('space_to_depth inverts depth_to_space', () => {
    const x = iota([2, 8, 3, 2]);
    const [d] = runOp('depth_to_space', { x, block_size: int(2) }, { dtype: 'float32', shape: [2, 2, 6, 4] });
    const [back] = runOp('space_to_depth', { x: d!, block_size: int(2) }, { dtype: 'float32', shape: [2, 8, 3, 2] });
    expect(back!.shape).toEqual([2, 8, 3, 2]);
    expect(values(back!)).toEqual(values(x));
  });

  it('space_to_depth moves a 2×2 block into 4 channels', () => {
    const [y] = runOp('space_to_depth', { x: iota([1, 1, 2, 2]), block_size: int(2) }, { dtype: 'float32', shape: [1, 4, 1, 1] });
    expect(values(y!)).toEqual([0, 1, 2, 3]);
  });

  it('rejects a channel count the block does not divide', () => {
    expect(() => runOp('depth_to_space', { x: iota([1, 3, 1, 1]), block_size: int(2) }, { dtype: 'float32', shape: [1, 0, 2, 2] })).toThrow(/does not divide/);
  });
});

describe('reverse_sequence', () => {
  it('reverses the first lengths[b] steps of each batch entry and keeps the rest', () => {
    // x[b, t] = 10·b + t, batch on axis 0, time on axis 1.
    const x = f32([3, 4], [0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23]);
    const [y] = runOp('reverse_sequence', { x, lengths: i32([3], [1, 3, 4]), seq_axis: int(1), batch_axis: int(0) }, { dtype: 'float32', shape: [3, 4] });
    expect(values(y!)).toEqual([0, 1, 2, 3, 12, 11, 10, 13, 23, 22, 21, 20]);
  });

  it('works with time on axis 0 and batch on axis 1', () => {
    const x = f32([3, 2], [0, 10, 1, 11, 2, 12]);
    const [y] = runOp('reverse_sequence', { x, lengths: i32([2], [2, 3]), seq_axis: int(0), batch_axis: int(1) }, { dtype: 'float32', shape: [3, 2] });
    expect(values(y!)).toEqual([1, 12, 0, 11, 2, 10]);
  });

  it('rejects a length longer than the sequence', () => {
    expect(() => runOp('reverse_sequence', { x: f32([1, 2], [0, 1]), lengths: i32([1], [3]), seq_axis: int(1), batch_axis: int(0) }, { dtype: 'float32', shape: [1, 2] })).toThrow(/outside/);
  });
});
