import { describe, expect, it } from 'vitest';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { f16, f32, int, runOp, str, values } from './build.js';

const u8 = (shape: number[], v: number[]): Tensor => makeTensor('uint8', shape, Uint8Array.from(v));
const i8 = (shape: number[], v: number[]): Tensor => makeTensor('int8', shape, Int8Array.from(v));
const u32 = (v: number[]): Tensor => makeTensor('uint32', [v.length], Uint32Array.from(v));
const sub = (dtype: 'uint1' | 'uint2' | 'uint4', shape: number[], v: number[]): Tensor => makeTensor(dtype, shape, Uint8Array.from(v));

/** iOS16/17 constexpr ops carry their parameters as attributes, not inputs. */
const runAttrs = (op: string, attrs: Record<string, Tensor>, dtype: 'float16' | 'float32', shape: number[]) =>
  values(runOp(op, {}, { dtype, shape }, 'CoreML6', attrs)[0]!);

describe('constexpr ops', () => {
  it('constexpr_affine_dequantize scales per channel around the zero point', () => {
    const out = runAttrs('constexpr_affine_dequantize', {
      quantized_data: i8([2, 2], [1, -2, 3, 4]), zero_point: i8([2], [0, 1]), scale: f32([2], [0.5, 2]), axis: int(0),
    }, 'float32', [2, 2]);
    expect(out).toEqual([0.5, -1, 4, 6]);
  });

  it('constexpr_affine_dequantize returns the scale dtype (fp16)', () => {
    const [t] = runOp('constexpr_affine_dequantize', {}, { dtype: 'float16', shape: [2] }, 'CoreML6', {
      quantized_data: u8([2], [130, 126]), zero_point: u8([], [128]), scale: f16([], [0.1]), axis: int(0),
    });
    expect(t!.dtype).toBe('float16');
    expect(values(t!).map((v) => Number(v.toFixed(3)))).toEqual([0.2, -0.2]);
  });

  it('constexpr_lut_to_dense (iOS16) unpacks LSB-first 2-bit indices', () => {
    // indices 1, 2, 3, 0 packed LSB first: 0b00_11_10_01 = 0x39
    const out = runAttrs('constexpr_lut_to_dense', { indices: u8([1], [0x39]), lut: f32([4], [10, 20, 30, 40]), shape: u32([2, 2]) }, 'float32', [2, 2]);
    expect(out).toEqual([20, 30, 40, 10]);
  });

  it('constexpr_lut_to_dense (iOS16) handles 4-bit palettes across bytes', () => {
    const lut = f32([16], Array.from({ length: 16 }, (_, i) => i * 10));
    const out = runAttrs('constexpr_lut_to_dense', { indices: u8([2], [0x21, 0xf3]), lut, shape: u32([4]) }, 'float32', [4]);
    expect(out).toEqual([10, 20, 30, 150]);
  });

  it('constexpr_lut_to_dense (iOS18) applies per-group palettes (the definition example)', () => {
    const [out] = runOp('constexpr_lut_to_dense', {
      indices: sub('uint2', [6, 2], [2, 3, 3, 0, 1, 0, 3, 0, 2, 1, 0, 3]),
      lut: f16([2, 1, 4, 1], [1, 5, 9, 13, 2, 10, 18, 26]),
    }, { dtype: 'float16', shape: [6, 2] }, 'CoreML8');
    expect(values(out!)).toEqual([9, 13, 13, 1, 5, 1, 26, 2, 18, 10, 2, 26]);
  });

  it('constexpr_lut_to_dense (iOS18) expands vector palettes along vector_axis', () => {
    const [out] = runOp('constexpr_lut_to_dense', {
      indices: sub('uint1', [2, 2, 2], [0, 0, 1, 0, 1, 1, 0, 0]),
      lut: f32([1, 1, 1, 2, 3], [1, 2, 3, 10, 20, 30]),
      vector_axis: int(1),
    }, { dtype: 'float32', shape: [2, 6, 2] }, 'CoreML8');
    expect(values(out!).slice(0, 12)).toEqual([1, 1, 2, 2, 3, 3, 10, 1, 20, 2, 30, 3]);
  });

  it('constexpr_sparse_to_dense fills masked positions in order (iOS16 packed mask, iOS18 unpacked)', () => {
    const dense16 = runAttrs('constexpr_sparse_to_dense', { nonzero_data: f32([2], [7, 8]), mask: u8([1], [0b1001]), shape: u32([4]) }, 'float32', [4]);
    expect(dense16).toEqual([7, 0, 0, 8]);
    const [dense18] = runOp('constexpr_sparse_to_dense', { nonzero_data: f32([2], [7, 8]), mask: sub('uint1', [2, 2], [0, 1, 1, 0]) }, { dtype: 'float32', shape: [2, 2] }, 'CoreML8');
    expect(values(dense18!)).toEqual([0, 7, 8, 0]);
  });

  it('constexpr_blockwise_shift_scale dequantizes blocks with their own scale and offset', () => {
    const [out] = runOp('constexpr_blockwise_shift_scale', {
      data: i8([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]), scale: f32([2, 2], [1, 10, 100, 1000]), offset: i8([2, 2], [0, 1, 2, 3]),
    }, { dtype: 'float32', shape: [2, 4] }, 'CoreML8');
    expect(values(out!)).toEqual([1, 2, 20, 30, 300, 400, 4000, 5000]);
  });

  it('constexpr_cast widens fp16 to fp32', () => {
    const out = runAttrs('constexpr_cast', { source_val: f16([2], [0.5, 3]), output_dtype: str('fp32') }, 'float32', [2]);
    expect(out).toEqual([0.5, 3]);
  });

  describe('iOS18 sparse compositions (the definitions\' examples)', () => {
    const mask = sub('uint1', [4, 6], [1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0]);
    const nonzero = sub('uint1', [9], [0, 1, 1, 0, 1, 1, 0, 0, 1]);

    it('constexpr_lut_to_sparse de-palettizes only the nonzero entries', () => {
      const [outMask, outValues] = runOp('constexpr_lut_to_sparse', { indices_mask: mask, indices_nonzero_data: nonzero, lut: f16([1, 1, 2, 1], [2, 3]) },
        [{ dtype: 'uint1', shape: [4, 6] }, { dtype: 'float16', shape: [9] }], 'CoreML8');
      expect(Array.from(outMask!.data as Uint8Array)).toEqual(Array.from(mask.data as Uint8Array));
      expect(values(outValues!)).toEqual([2, 3, 3, 2, 3, 3, 2, 2, 3]);
    });

    it('constexpr_lut_to_sparse widens the mask along vector_axis for vector palettes', () => {
      const [outMask, outValues] = runOp('constexpr_lut_to_sparse', { indices_mask: mask, indices_nonzero_data: nonzero, lut: f16([1, 1, 2, 2], [2, 2, 3, 3]), vector_axis: int(0) },
        [{ dtype: 'uint1', shape: [8, 6] }, { dtype: 'float16', shape: [18] }], 'CoreML8');
      expect(Array.from(outMask!.data as Uint8Array).slice(0, 12)).toEqual([1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0]);
      expect(values(outValues!).slice(0, 4)).toEqual([2, 3, 2, 3]);
    });

    it('constexpr_sparse_blockwise_shift_scale dequantizes the nonzero entries by block', () => {
      const m = sub('uint1', [2, 2], [1, 0, 1, 1]);
      const [, v] = runOp('constexpr_sparse_blockwise_shift_scale', { data_mask: m, nonzero_data: i8([3], [4, 6, 8]), scale: f32([2, 1], [0.5, 2]), offset: i8([2, 1], [0, 1]) },
        [{ dtype: 'uint1', shape: [2, 2] }, { dtype: 'float32', shape: [3] }], 'CoreML8');
      expect(values(v!)).toEqual([2, 10, 14]);
    });
  });
});
