import { describe, expect, it } from 'vitest';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { f16, f32, int, runOp, str, values } from './build.js';

/**
 * Quantization ops on the cases Apple's tests pin: iOS16/test_constexpr_ops.py
 * (affine dequantize, cast, LUT and sparse decompression with their bit
 * packing) and iOS17/test_quantization.py (quantize/dequantize: round to
 * nearest, halves to even as np.around and the PyTorch quantizer, then clip).
 */

const u8 = (shape: number[], v: number[]): Tensor => makeTensor('uint8', shape, Uint8Array.from(v));
const i8 = (shape: number[], v: number[]): Tensor => makeTensor('int8', shape, Int8Array.from(v));
const u32 = (v: number[]): Tensor => makeTensor('uint32', [v.length], Uint32Array.from(v));
const F = (shape: number[]) => ({ dtype: 'float32' as const, shape });
/** iOS16 constexpr ops carry their parameters as attributes. */
const constexpr = (op: string, attrs: Record<string, Tensor>, shape: number[]) => values(runOp(op, {}, F(shape), 'CoreML6', attrs)[0]!);

describe('iOS16 constexpr ops', () => {
  it('constexpr_affine_dequantize: (q − zero_point) · scale along axis 3', () => {
    expect(constexpr('constexpr_affine_dequantize', {
      quantized_data: u8([1, 1, 2, 2], [3, 5, 5, 6]), zero_point: u8([2], [2, 4]), scale: f32([2], [1, 2]), axis: int(3),
    }, [1, 1, 2, 2])).toEqual([1, 2, 3, 4]);
  });
  it('constexpr_affine_dequantize with scalar scale and zero point', () => {
    const got = constexpr('constexpr_affine_dequantize', {
      quantized_data: u8([32, 64], new Array<number>(32 * 64).fill(1)), zero_point: u8([], [0]), scale: f32([], [2]), axis: int(0),
    }, [32, 64]);
    expect(got.every((v) => v === 2)).toBe(true);
  });
  it('constexpr_cast fp16 → fp32', () => {
    expect(constexpr('constexpr_cast', { source_val: f16([4, 1], [1, 2, 3, 4]), output_dtype: str('fp32') }, [4, 1])).toEqual([1, 2, 3, 4]);
  });
  it('constexpr_lut_to_dense reads indices least significant bits first: 4-bit and 2-bit', () => {
    const lut16 = f32([16], [-19, 4, 0, -1, 1, 3, 5, -8, 19, 13, 42, 4.5, 5.4, 2, -6, -7]);
    expect(constexpr('constexpr_lut_to_dense', { lut: lut16, indices: u8([2], [212, 21]), shape: u32([4, 1]) }, [4, 1])).toEqual([1, 2, 3, 4]);
    expect(constexpr('constexpr_lut_to_dense', { lut: f32([4], [1, 2, 3, 4]), indices: u8([2], [10, 4]), shape: u32([5]) }, [5])).toEqual([3, 3, 1, 1, 1]);
  });
  it('constexpr_sparse_to_dense takes mask bits least significant first', () => {
    expect(constexpr('constexpr_sparse_to_dense', { nonzero_data: f32([3], [1, 2, 4]), mask: u8([1], [11]), shape: u32([4, 1]) }, [4, 1])).toEqual([1, 2, 0, 4]);
  });
});

describe('iOS17 quantize and dequantize', () => {
  const q = (inputs: Record<string, Tensor>, dtype: 'uint8' | 'int8', shape: number[]) => {
    const [out] = runOp('quantize', inputs, { dtype, shape }, 'CoreML7');
    expect(out!.dtype).toBe(dtype);
    return values(out!);
  };
  it('scalar scale and zero point', () => {
    expect(q({ input: f32([2, 3], [0, 2, 4, 0, 2, 4]), zero_point: u8([], [1]), scale: f32([], [2]), output_dtype: str('uint8') }, 'uint8', [2, 3])).toEqual([1, 2, 3, 1, 2, 3]);
  });
  it('per-channel parameters along axis 3 and −1', () => {
    for (const axis of [3, -1]) {
      const inputs = { input: f32([1, 1, 2, 2], [1, 2, 3, 4]), zero_point: i8([2], [2, 4]), scale: f32([2], [1, 2]), axis: int(axis), output_dtype: str('int8') };
      expect(q(inputs, 'int8', [1, 1, 2, 2])).toEqual([3, 5, 5, 6]);
    }
  });
  it('no zero point', () => {
    expect(q({ input: f32([2, 3], [0, 2, 4, 0, 2, 4]), scale: f32([], [2]), output_dtype: str('int8') }, 'int8', [2, 3])).toEqual([0, 1, 2, 0, 1, 2]);
  });
  it('ties go to the even integer, then the zero point is added and the result clipped to the dtype', () => {
    const input = f32([8], [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 300, -300]);
    expect(q({ input, scale: f32([], [1]), output_dtype: str('int8') }, 'int8', [8])).toEqual([0, 2, 2, 0, -2, -2, 127, -128]);
    expect(q({ input, zero_point: u8([], [3]), scale: f32([], [1]), output_dtype: str('uint8') }, 'uint8', [8])).toEqual([3, 5, 5, 3, 1, 1, 255, 0]);
  });
  it('dequantize is (q − zero_point) · scale, scalar or per channel, with or without a zero point', () => {
    const dq = (inputs: Record<string, Tensor>, shape: number[]) => values(runOp('dequantize', inputs, F(shape), 'CoreML7')[0]!);
    expect(dq({ input: u8([2, 3], [1, 2, 3, 1, 2, 3]), zero_point: u8([], [1]), scale: f32([], [2]) }, [2, 3])).toEqual([0, 2, 4, 0, 2, 4]);
    expect(dq({ input: u8([1, 1, 2, 2], [3, 5, 5, 6]), zero_point: u8([2], [2, 4]), scale: f32([2], [1, 2]), axis: int(3) }, [1, 1, 2, 2])).toEqual([1, 2, 3, 4]);
    expect(dq({ input: i8([2, 3], [0, 1, 2, 0, 1, 2]), scale: f32([], [2]) }, [2, 3])).toEqual([0, 2, 4, 0, 2, 4]);
  });
});
