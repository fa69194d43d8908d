import { describe, expect, it } from 'vitest';
import { MilBuilder, milConst } from '../../../src/mil/builder.js';
import { makeTensor } from '../../../src/tensor/tensor.js';

function build(target: 'iOS15' | 'iOS16' | 'iOS17' = 'iOS15', shape: (number | null)[] = [1, 3, 4, 6]) {
  const b = new MilBuilder(target);
  return { b, x: b.addInput('x', { dtype: 'float32', shape }) };
}

describe('MIL pad', () => {
  it('pads only the last N dims given 2N values in before/after pairs', () => {
    const { b, x } = build();
    const y = b.op1('pad', { x, pad: milConst.ints([1, 2, 0, 3]), mode: milConst.str('constant'), constant_val: milConst.float(0) });
    expect(b.typeOf(y).shape).toEqual([1, 3, 7, 9]);
  });
  it('rejects reflect pads as large as the dim', () => {
    const { b, x } = build();
    expect(() => b.op1('pad', { x, pad: milConst.ints([6, 0]), mode: milConst.str('reflect') })).toThrow(/reflect/);
    expect(b.typeOf(b.op1('pad', { x, pad: milConst.ints([6, 0]), mode: milConst.str('replicate') })).shape).toEqual([1, 3, 4, 12]);
  });
});

describe('MIL upsample and resize', () => {
  it('scales the last two dims of upsample_nearest_neighbor', () => {
    const { b, x } = build();
    const y = b.op1('upsample_nearest_neighbor', { x, scale_factor_height: milConst.int(2), scale_factor_width: milConst.int(3) });
    expect(b.typeOf(y).shape).toEqual([1, 3, 8, 18]);
  });
  it('offers half_pixel_centers on upsample_bilinear only from iOS16', () => {
    const args = { scale_factor_height: milConst.float(2), scale_factor_width: milConst.float(2), half_pixel_centers: milConst.bool(true) };
    const a = build('iOS15');
    expect(() => a.b.op1('upsample_bilinear', { x: a.x, ...args })).toThrow(/half_pixel_centers/);
    const c = build('iOS16');
    expect(c.b.typeOf(c.b.op1('upsample_bilinear', { x: c.x, ...args })).shape).toEqual([1, 3, 8, 12]);
  });
  it('resizes to target sizes and validates the sampling mode', () => {
    const { b, x } = build();
    const args = { target_size_height: milConst.int(5), target_size_width: milConst.int(7) };
    expect(b.typeOf(b.op1('resize_bilinear', { x, ...args, sampling_mode: milConst.str('UNALIGN_CORNERS') })).shape).toEqual([1, 3, 5, 7]);
    expect(() => b.op1('resize_bilinear', { x, ...args, sampling_mode: milConst.str('HALF') })).toThrow(/sampling_mode/);
    expect(b.typeOf(b.op1('resize_nearest_neighbor', { x, ...args })).shape).toEqual([1, 3, 5, 7]);
  });
  it('exists as generic resize only from iOS17, keeping dims given as 0', () => {
    const a = build('iOS16');
    const shape = makeTensor('int32', [2], Int32Array.from([0, 9]));
    const resizedDims = makeTensor('uint32', [], Uint32Array.from([2]));
    expect(() => a.b.op1('resize', { x: a.x, shape, resized_dims: resizedDims })).toThrow(/does not exist/);
    const c = build('iOS17');
    expect(c.b.typeOf(c.b.op1('resize', { x: c.x, shape, resized_dims: resizedDims })).shape).toEqual([1, 3, 4, 9]);
  });
});
