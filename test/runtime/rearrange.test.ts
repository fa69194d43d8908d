import { describe, expect, it } from 'vitest';
import { bool, f32, i32, int, ints, runOp, uint, values } from './build.js';
import { seededFloats } from '../helpers/seeded.js';
import { runOnnxNode } from './ort.js';

const F = (shape: number[]) => ({ dtype: 'float32' as const, shape });
const x = f32([1, 8, 2, 3], seededFloats(48, 51));

describe('block rearrangements', () => {
  it('depth_to_space uses DCR order (ONNX DepthToSpace default)', async () => {
    const ref = await runOnnxNode('DepthToSpace', { x }, {}, { blocksize: 2, mode: 'DCR' });
    expect(values(runOp('depth_to_space', { x, block_size: int(2) }, F([1, 2, 4, 6]))[0]!)).toEqual(Array.from(ref));
  });

  it('pixel_shuffle uses CRD order (PyTorch PixelShuffle)', async () => {
    const ref = await runOnnxNode('DepthToSpace', { x }, {}, { blocksize: 2, mode: 'CRD' });
    expect(values(runOp('pixel_shuffle', { x, upscale_factor: int(2) }, F([1, 2, 4, 6]))[0]!)).toEqual(Array.from(ref));
  });

  it('space_to_depth matches ONNX SpaceToDepth', async () => {
    const y = f32([1, 2, 4, 6], seededFloats(48, 52));
    const ref = await runOnnxNode('SpaceToDepth', { x: y }, {}, { blocksize: 2 });
    expect(values(runOp('space_to_depth', { x: y, block_size: int(2) }, F([1, 8, 2, 3]))[0]!)).toEqual(Array.from(ref));
  });

  it('pixel_unshuffle inverts pixel_shuffle', () => {
    const [shuffled] = runOp('pixel_shuffle', { x, upscale_factor: int(2) }, F([1, 2, 4, 6]));
    const [back] = runOp('pixel_unshuffle', { x: shuffled!, downscale_factor: uint(2) }, F([1, 8, 2, 3]));
    expect(values(back!)).toEqual(values(x));
  });

  it('rejects a block size that does not divide the channels', () => {
    expect(() => runOp('depth_to_space', { x, block_size: int(3) }, F([1, 1, 6, 9]))).toThrow(/block_size 3 .*8 channels/);
  });
});

describe('batch and sequence rearrangements', () => {
  it('space_to_batch moves padded spatial blocks into the batch, and batch_to_space undoes it', () => {
    const img = f32([1, 1, 2, 4], [1, 2, 3, 4, 5, 6, 7, 8]);
    const [blocks] = runOp('space_to_batch', { x: img, block_shape: ints([2, 2]), paddings: i32([2, 2], [0, 0, 0, 0]) }, F([4, 1, 1, 2]));
    expect(values(blocks!)).toEqual([1, 3, 2, 4, 5, 7, 6, 8]);
    const [back] = runOp('batch_to_space', { x: blocks!, block_shape: ints([2, 2]), crops: i32([2, 2], [0, 0, 0, 0]) }, F([1, 1, 2, 4]));
    expect(values(back!)).toEqual(values(img));
    const [padded] = runOp('space_to_batch', { x: f32([1, 1, 1, 2], [1, 2]), block_shape: ints([1, 2]), paddings: i32([2, 2], [0, 0, 1, 1]) }, F([2, 1, 1, 2]));
    expect(values(padded!)).toEqual([0, 2, 1, 0]);
  });

  it('reverse_sequence reverses each batch entry up to its length', async () => {
    const x = f32([4, 2], [0, 1, 2, 3, 4, 5, 6, 7]);
    const ref = await runOnnxNode('ReverseSequence', { x }, { lengths: { dtype: 'int64', shape: [2], data: BigInt64Array.of(4n, 2n) } }, { time_axis: 0, batch_axis: 1 }, 13);
    const [out] = runOp('reverse_sequence', { x, lengths: ints([4, 2]), seq_axis: int(0), batch_axis: int(1) }, F([4, 2]));
    expect(values(out!)).toEqual(Array.from(ref));
  });
});

describe('sliding_windows and slice_update', () => {
  it('sliding_windows lists windows of size every stride', () => {
    const [out] = runOp('sliding_windows', { x: f32([1, 5], [1, 2, 3, 4, 5]), axis: int(1), size: int(2), stride: int(2) }, F([1, 2, 2]));
    expect(values(out!)).toEqual([1, 2, 3, 4]);
  });

  it('slice_update writes the update into the selected slice and leaves x alone', () => {
    const base = f32([2, 3], [0, 0, 0, 0, 0, 0]);
    const [out] = runOp('slice_update', { x: base, update: f32([2, 1], [7, 8]), begin: ints([0, -1]), end: ints([2, 3]) }, F([2, 3]), 'CoreML8');
    expect(values(out!)).toEqual([0, 0, 7, 0, 0, 8]);
    const [squeezed] = runOp('slice_update', { x: base, update: f32([3], [1, 2, 3]), begin: ints([1, 0]), end: ints([2, 3]), squeeze_mask: bool([2], [1, 0]) }, F([2, 3]), 'CoreML8');
    expect(values(squeezed!)).toEqual([0, 0, 0, 1, 2, 3]);
    expect(values(base)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
