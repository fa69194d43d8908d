import { describe, expect, it } from 'vitest';
import { MilBuilder, MilBuildError, milConst } from '../../../src/mil/builder.js';
import type { DeploymentTarget, MilTensorType } from '../../../src/mil/ir.js';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';

/** Output types of crop, crop_resize and affine, on the shapes of Apple's iOS14 and iOS17 test_image_resizing.py. */

const f32 = (shape: (number | null)[]): MilTensorType => ({ dtype: 'float32', shape });
const floats = (shape: number[], v: number[]): Tensor => makeTensor('float32', shape, Float32Array.from(v));

function typeOf(target: DeploymentTarget, x: MilTensorType, op: string, args: Record<string, unknown>): MilTensorType {
  const b = new MilBuilder(target);
  const input = b.addInput('x', x);
  return b.typeOf(b.op1(op, { x: input, ...(args as Record<string, never>) }));
}

describe('crop', () => {
  it('[1, 1, 4, 4] cropped by height [0, 1] and width [1, 1] gives [1, 1, 3, 2], unknown batch and channels kept', () => {
    const args = { crop_height: milConst.ints([0, 1]), crop_width: milConst.ints([1, 1]) };
    expect(typeOf('iOS15', f32([1, 1, 4, 4]), 'crop', args)).toEqual(f32([1, 1, 3, 2]));
    expect(typeOf('iOS15', f32([null, null, 4, 4]), 'crop', args)).toEqual(f32([null, null, 3, 2]));
  });

  it('refuses rank 2 and a crop amount that is not two values', () => {
    expect(() => typeOf('iOS15', f32([4, 4]), 'crop', { crop_height: milConst.ints([0, 1]), crop_width: milConst.ints([1, 1]) })).toThrow(/rank 3 or more/);
    expect(() => typeOf('iOS15', f32([1, 4, 4]), 'crop', { crop_height: milConst.ints([1]), crop_width: milConst.ints([1, 1]) })).toThrow(/2 elements/);
  });
});

describe('crop_resize', () => {
  const roi = floats([1, 1, 4, 1, 1], [1, 1, 2, 2]);

  it('iOS15/16: one roi [1, 1, 4, 1, 1] on [1, 1, 4, 4] gives [N, B, C, target_height, target_width] = [1, 1, 1, 2, 2]', () => {
    const args = { roi, target_height: milConst.int(2), target_width: milConst.int(2), sampling_mode: milConst.str('ALIGN_CORNERS') };
    expect(typeOf('iOS15', f32([1, 1, 4, 4]), 'crop_resize', args)).toEqual(f32([1, 1, 1, 2, 2]));
    expect(typeOf('iOS16', f32([null, null, 4, 4]), 'crop_resize', { ...args, pad_value: milConst.float(0) })).toEqual(f32([1, null, null, 2, 2]));
  });

  it('iOS15/16: the target defaults to 1 × 1; pad_value exists only from iOS16', () => {
    expect(typeOf('iOS15', f32([1, 1, 4, 4]), 'crop_resize', { roi })).toEqual(f32([1, 1, 1, 1, 1]));
    expect(() => typeOf('iOS15', f32([1, 1, 4, 4]), 'crop_resize', { roi, pad_value: milConst.float(0) })).toThrow(MilBuildError);
  });

  it('iOS17: boxes [N, 4] give [N, C, target_height, target_width]', () => {
    const boxes = floats([3, 4], [0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1]);
    const args = { boxes, box_indices: milConst.ints([0, 0, 0]), target_height: milConst.int(2), target_width: milConst.int(2) };
    expect(typeOf('iOS17', f32([1, 1, 4, 4]), 'crop_resize', args)).toEqual(f32([3, 1, 2, 2]));
  });

  it('iOS17 refuses more boxes than the batch without box_indices, an index past the batch, indices of rank 2 and an unknown mode', () => {
    const one = floats([1, 4], [0, 0, 1, 1]);
    const three = floats([3, 4], new Array(12).fill(0));
    expect(() => typeOf('iOS17', f32([1, 1, 4, 4]), 'crop_resize', { boxes: three })).toThrow(/outnumber the batch/);
    expect(() => typeOf('iOS17', f32([1, 1, 4, 4]), 'crop_resize', { boxes: one, box_indices: milConst.ints([1]) })).toThrow(/below the batch/);
    expect(() => typeOf('iOS17', f32([1, 1, 4, 4]), 'crop_resize', { boxes: one, box_indices: makeTensor('int32', [1, 1], Int32Array.from([0])) })).toThrow(/box_indices must have shape \[1\]/);
    expect(() => typeOf('iOS17', f32([1, 1, 4, 4]), 'crop_resize', { boxes: one, sampling_mode: milConst.str('NEAREST') })).toThrow(/unknown sampling_mode/);
  });
});

describe('affine', () => {
  const args = (overrides: Record<string, unknown> = {}) => ({
    transform_matrix: floats([1, 6], [1, 0, 0, 0, 1, 0]),
    output_height: milConst.int(3),
    output_width: milConst.int(5),
    sampling_mode: milConst.str('bilinear'),
    padding_mode: milConst.str('constant'),
    padding_value: milConst.float(0),
    coordinates_mode: milConst.str('normalized_minus_one_to_one'),
    align_corners: milConst.bool(true),
    ...overrides,
  });

  it('[1, 1, 4, 4] through a [1, 6] matrix gives [1, 1, output_height, output_width]', () => {
    expect(typeOf('iOS15', f32([1, 1, 4, 4]), 'affine', args())).toEqual(f32([1, 1, 3, 5]));
  });

  it('refuses the modes its definition does not implement and a matrix row that is not 6 values', () => {
    expect(() => typeOf('iOS15', f32([1, 1, 4, 4]), 'affine', args({ sampling_mode: milConst.str('nearest') }))).toThrow(/sampling_mode "nearest"/);
    expect(() => typeOf('iOS15', f32([1, 1, 4, 4]), 'affine', args({ padding_value: milConst.float(1) }))).toThrow(/padding_value must be 0/);
    expect(() => typeOf('iOS15', f32([1, 1, 4, 4]), 'affine', args({ transform_matrix: floats([1, 4], [1, 0, 0, 1]) }))).toThrow(/6 values/);
  });
});
