import { describe, expect, it } from 'vitest';
import { MilBuilder, MilBuildError, milConst } from '../../../src/mil/builder.js';
import { MilShapeError } from '../../../src/mil/ops/elementwise.js';
import type { MilTensorType } from '../../../src/mil/ir.js';
import { makeTensor } from '../../../src/tensor/tensor.js';

/** Output types of the rearrange family, on the shapes of Apple's iOS14/16/17/18 test_tensor_transformation.py. */

const pairs = (v: number[]) => makeTensor('int32', [2, 2], Int32Array.from(v));
const uint32 = (v: number) => makeTensor('uint32', [], Uint32Array.from([v]));

function typeOf(target: 'iOS15' | 'iOS16' | 'iOS17' | 'iOS18', x: MilTensorType, op: string, args: Record<string, unknown>): MilTensorType {
  const b = new MilBuilder(target);
  const input = b.addInput('x', x);
  return b.typeOf(b.op1(op, { x: input, ...(args as Record<string, never>) }));
}

const f32 = (shape: (number | null)[]): MilTensorType => ({ dtype: 'float32', shape });

describe('space_to_batch and batch_to_space', () => {
  it('pad, then move 2 × 2 blocks into the batch: [2, 1, 2, 4] with paddings [[0, 0], [2, 0]] gives [8, 1, 1, 3], and back', () => {
    expect(typeOf('iOS15', f32([2, 1, 2, 4]), 'space_to_batch', { block_shape: milConst.ints([2, 2]), paddings: pairs([0, 0, 2, 0]) })).toEqual(f32([8, 1, 1, 3]));
    expect(typeOf('iOS15', f32([8, 1, 1, 3]), 'batch_to_space', { block_shape: milConst.ints([2, 2]), crops: pairs([0, 0, 2, 0]) })).toEqual(f32([2, 1, 2, 4]));
  });

  it('keep an unknown batch or spatial dim unknown', () => {
    expect(typeOf('iOS15', f32([null, 1, 2, null]), 'space_to_batch', { block_shape: milConst.ints([2, 2]), paddings: pairs([0, 0, 2, 0]) })).toEqual(f32([null, 1, 1, null]));
  });

  it('refuse rank 3, a flat paddings list, a padded size the block does not divide and a batch the blocks do not divide', () => {
    expect(() => typeOf('iOS15', f32([1, 2, 4]), 'space_to_batch', { block_shape: milConst.ints([2, 2]), paddings: pairs([0, 0, 0, 0]) })).toThrow(/rank 4/);
    expect(() => typeOf('iOS15', f32([1, 1, 2, 4]), 'space_to_batch', { block_shape: milConst.ints([2, 2]), paddings: milConst.ints([0, 0, 0, 0]) })).toThrow(/shape \[2, 2\]/);
    expect(() => typeOf('iOS15', f32([1, 1, 3, 4]), 'space_to_batch', { block_shape: milConst.ints([2, 2]), paddings: pairs([0, 0, 0, 0]) })).toThrow(MilShapeError);
    expect(() => typeOf('iOS15', f32([6, 1, 1, 3]), 'batch_to_space', { block_shape: milConst.ints([2, 2]), crops: pairs([0, 0, 0, 0]) })).toThrow(/batch 6 is not divisible by 4/);
  });
});

describe('pixel_unshuffle (iOS16)', () => {
  it('[1, 1, 2, 2] by 2 gives [1, 4, 1, 1]; [2, 1, 8, 4] by 4 gives [2, 16, 2, 1]', () => {
    expect(typeOf('iOS16', f32([1, 1, 2, 2]), 'pixel_unshuffle', { downscale_factor: uint32(2) })).toEqual(f32([1, 4, 1, 1]));
    expect(typeOf('iOS16', f32([2, 1, 8, 4]), 'pixel_unshuffle', { downscale_factor: uint32(4) })).toEqual(f32([2, 16, 2, 1]));
  });

  it('takes a uint32 factor, as the definition declares, and exists only from iOS16', () => {
    expect(() => typeOf('iOS16', f32([1, 1, 2, 2]), 'pixel_unshuffle', { downscale_factor: milConst.int(2) })).toThrow(MilBuildError);
    expect(() => typeOf('iOS15', f32([1, 1, 2, 2]), 'pixel_unshuffle', { downscale_factor: uint32(2) })).toThrow(/does not exist/);
  });
});

describe('sliding_windows', () => {
  it('[1, 4, 1, 1] with size 2 along axis 1 gives [1, 3, 2, 1, 1]', () => {
    expect(typeOf('iOS15', f32([1, 4, 1, 1]), 'sliding_windows', { axis: milConst.int(1), size: milConst.int(2) })).toEqual(f32([1, 3, 2, 1, 1]));
  });

  it('counts windows by stride along a negative axis: [2, 5] with size 2, stride 2 on axis -1 gives [2, 2, 2]', () => {
    expect(typeOf('iOS15', f32([2, 5]), 'sliding_windows', { axis: milConst.int(-1), size: milConst.int(2), stride: milConst.int(2) })).toEqual(f32([2, 2, 2]));
  });

  it('accepts int8 and bool only from iOS17', () => {
    const int8 = { dtype: 'int8' as const, shape: [6] };
    expect(() => typeOf('iOS16', int8, 'sliding_windows', { axis: milConst.int(0), size: milConst.int(3) })).toThrow(MilBuildError);
    expect(typeOf('iOS17', int8, 'sliding_windows', { axis: milConst.int(0), size: milConst.int(3), stride: milConst.int(3) })).toEqual({ dtype: 'int8', shape: [2, 3] });
  });
});

describe('slice_update (iOS18)', () => {
  const build = (update: number[], begin: number[], end: number[], extra: Record<string, unknown> = {}) => {
    const b = new MilBuilder('iOS18');
    const x = b.addInput('x', f32([2, 3, 4]));
    const u = b.addInput('update', f32(update));
    return b.typeOf(b.op1('slice_update', { x, update: u, begin: milConst.ints(begin), end: milConst.ints(end), ...(extra as Record<string, never>) }));
  };
  const bools = (v: number[]) => makeTensor('bool', [v.length], Uint8Array.from(v));

  it('gives x\'s type when update has the slice\'s shape: x [2, 3, 4], begin [0, 1, 1], end [2, 3, 4] takes [2, 2, 3]', () => {
    expect(build([2, 2, 3], [0, 1, 1], [2, 3, 4])).toEqual(f32([2, 3, 4]));
  });

  it('drops squeezed dims from the slice the update must match', () => {
    expect(build([3, 4], [1, 0, 0], [2, 3, 4], { squeeze_mask: bools([1, 0, 0]) })).toEqual(f32([2, 3, 4]));
  });

  it('refuses an update of another shape, a scalar update, and iOS17', () => {
    expect(() => build([2, 2, 2], [0, 1, 1], [2, 3, 4])).toThrow(/update has shape \[2, 2, 2\]/);
    expect(() => build([], [0, 0, 0], [1, 1, 1], { squeeze_mask: bools([1, 1, 1]) })).toThrow(/scalar/);
    const b = new MilBuilder('iOS17');
    const x = b.addInput('x', f32([2]));
    expect(() => b.op1('slice_update', { x, update: x, begin: milConst.ints([0]), end: milConst.ints([2]) })).toThrow(/does not exist/);
  });
});
