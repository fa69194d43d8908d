import { describe, expect, it } from 'vitest';
import { MilBuilder, MilBuildError, milConst } from '../../../src/mil/builder.js';
import { MilShapeError } from '../../../src/mil/ops/elementwise.js';
import { makeTensor } from '../../../src/tensor/tensor.js';

describe('constexpr MIL ops', () => {
  it('iOS16 affine dequantize stores its parameters as attributes and outputs the scale dtype', () => {
    const b = new MilBuilder('iOS16');
    const [w] = b.op('constexpr_affine_dequantize', {
      quantized_data: makeTensor('int8', [2, 3], new Int8Array(6)),
      zero_point: makeTensor('int8', [], new Int8Array(1)),
      scale: makeTensor('float16', [2], new Uint16Array(2)),
      axis: milConst.int(0),
    });
    expect(b.typeOf(w!)).toEqual({ dtype: 'float16', shape: [2, 3] });
    const op = b.operations().at(-1)!;
    expect(Object.keys(op.attributes).sort()).toEqual(['axis', 'quantized_data', 'scale', 'zero_point']);
    expect(op.inputs).toEqual({});
  });

  it('affine dequantize rejects a scale that does not match the axis', () => {
    const b = new MilBuilder('iOS16');
    expect(() =>
      b.op('constexpr_affine_dequantize', {
        quantized_data: makeTensor('uint8', [2, 3], new Uint8Array(6)),
        zero_point: makeTensor('uint8', [], new Uint8Array(1)),
        scale: makeTensor('float32', [3], new Float32Array(3)),
        axis: milConst.int(0),
      }),
    ).toThrow(MilShapeError);
  });

  it('iOS16 LUT checks the packed index byte count against the palette size', () => {
    const b = new MilBuilder('iOS16');
    const lut = makeTensor('float32', [16], new Float32Array(16));
    const shape = makeTensor('uint32', [2], Uint32Array.from([4, 4]));
    const w = b.op1('constexpr_lut_to_dense', { indices: makeTensor('uint8', [8], new Uint8Array(8)), lut, shape });
    expect(b.typeOf(w)).toEqual({ dtype: 'float32', shape: [4, 4] });
    expect(() =>
      b.op1('constexpr_lut_to_dense', { indices: makeTensor('uint8', [7], new Uint8Array(7)), lut, shape }),
    ).toThrow(MilShapeError);
  });

  it('iOS18 LUT takes inputs and widens the vector axis by the vector size', () => {
    const b = new MilBuilder('iOS18');
    const w = b.op1('constexpr_lut_to_dense', {
      indices: makeTensor('uint4', [4, 2], new Uint8Array(8)),
      lut: makeTensor('float16', [1, 1, 16, 2], new Uint16Array(32)),
      vector_axis: milConst.int(1),
    });
    expect(b.typeOf(w)).toEqual({ dtype: 'float16', shape: [4, 4] });
    expect(Object.keys(b.operations().at(-1)!.inputs).sort()).toEqual(['indices', 'lut', 'vector_axis']);
  });

  it('blockwise shift-scale needs whole blocks', () => {
    const b = new MilBuilder('iOS18');
    const data = makeTensor('int4', [4, 8], new Int8Array(32));
    const ok = b.op1('constexpr_blockwise_shift_scale', { data, scale: makeTensor('float16', [4, 2], new Uint16Array(8)) });
    expect(b.typeOf(ok)).toEqual({ dtype: 'float16', shape: [4, 8] });
    expect(() =>
      b.op1('constexpr_blockwise_shift_scale', { data, scale: makeTensor('float16', [4, 3], new Uint16Array(12)) }),
    ).toThrow(MilShapeError);
  });

  it('blockwise shift-scale does not exist before iOS18', () => {
    const b = new MilBuilder('iOS17');
    expect(() =>
      b.op1('constexpr_blockwise_shift_scale', {
        data: makeTensor('int8', [2], new Int8Array(2)),
        scale: makeTensor('float32', [1], new Float32Array(1)),
      }),
    ).toThrow(MilBuildError);
  });

  it('sparse to dense takes its shape from `shape` (iOS16) or from the mask (iOS18)', () => {
    const b16 = new MilBuilder('iOS16');
    const w16 = b16.op1('constexpr_sparse_to_dense', {
      nonzero_data: makeTensor('float32', [2], new Float32Array(2)),
      mask: makeTensor('uint8', [1], new Uint8Array([5])),
      shape: makeTensor('uint32', [2], Uint32Array.from([2, 4])),
    });
    expect(b16.typeOf(w16)).toEqual({ dtype: 'float32', shape: [2, 4] });
    const b18 = new MilBuilder('iOS18');
    const w18 = b18.op1('constexpr_sparse_to_dense', {
      nonzero_data: makeTensor('float16', [2], new Uint16Array(2)),
      mask: makeTensor('uint1', [2, 4], Uint8Array.from([1, 0, 0, 0, 0, 0, 1, 0])),
    });
    expect(b18.typeOf(w18)).toEqual({ dtype: 'float16', shape: [2, 4] });
  });

  it('constexpr_cast widens fp16 to fp32', () => {
    const b = new MilBuilder('iOS16');
    const w = b.op1('constexpr_cast', { source_val: makeTensor('float16', [3], new Uint16Array(3)), output_dtype: milConst.str('fp32') });
    expect(b.typeOf(w)).toEqual({ dtype: 'float32', shape: [3] });
  });
});

describe('quantize and dequantize (iOS17), on the cases of Apple\'s iOS17/test_quantization.py', () => {
  const int8s = (shape: number[]) => makeTensor('int8', shape, new Int8Array(shape.reduce((p, d) => p * d, 1)));
  const uint8s = (shape: number[]) => makeTensor('uint8', shape, new Uint8Array(shape.reduce((p, d) => p * d, 1)));
  const floats = (v: number[]) => makeTensor('float32', [v.length], Float32Array.from(v));

  function quantized(args: Record<string, unknown>, shape = [2, 3]) {
    const b = new MilBuilder('iOS17');
    const input = b.addInput('input', { dtype: 'float32', shape });
    return b.typeOf(b.op1('quantize', { input, ...(args as Record<string, never>) }));
  }

  it('quantize gives output_dtype in the input\'s shape, per tensor or per channel', () => {
    expect(quantized({ scale: milConst.float(0.5), zero_point: uint8s([]), output_dtype: milConst.str('uint8') })).toEqual({ dtype: 'uint8', shape: [2, 3] });
    expect(quantized({ scale: floats([1, 2]), zero_point: int8s([2]), axis: milConst.int(0), output_dtype: milConst.str('int8') })).toEqual({ dtype: 'int8', shape: [2, 3] });
    expect(quantized({ scale: floats([1, 2, 3]), axis: milConst.int(-1), output_dtype: milConst.str('int8') })).toEqual({ dtype: 'int8', shape: [2, 3] });
  });

  it('quantize refuses a zero_point unlike output_dtype, a zero scale, an axis with scalar scale, and a vector of the wrong size', () => {
    expect(() => quantized({ scale: milConst.float(1), zero_point: int8s([]), output_dtype: milConst.str('uint8') })).toThrow(/zero_point is int8 but output_dtype is uint8/);
    expect(() => quantized({ scale: milConst.float(0), output_dtype: milConst.str('int8') })).toThrow(/scale cannot be 0/);
    expect(() => quantized({ scale: milConst.float(1), axis: milConst.int(0), output_dtype: milConst.str('int8') })).toThrow(/axis must be omitted/);
    expect(() => quantized({ scale: floats([1, 2]), axis: milConst.int(1), output_dtype: milConst.str('int8') })).toThrow(/2 entries but input has 3/);
    expect(() => quantized({ scale: milConst.float(1), output_dtype: milConst.str('fp16') })).toThrow(/not uint8 or int8/);
  });

  it('dequantize gives scale\'s dtype in the input\'s shape', () => {
    const b = new MilBuilder('iOS17');
    const input = b.addInput('input', { dtype: 'uint8', shape: [4] });
    expect(b.typeOf(b.op1('dequantize', { input, scale: milConst.float(0.1, 'float16'), zero_point: uint8s([]) }))).toEqual({ dtype: 'float16', shape: [4] });
    expect(b.typeOf(b.op1('dequantize', { input, scale: floats([1, 2, 3, 4]), axis: milConst.int(0) }))).toEqual({ dtype: 'float32', shape: [4] });
    expect(() => b.op1('dequantize', { input, scale: floats([1, 2]), axis: milConst.int(0) })).toThrow(/2 entries but input has 4/);
    expect(() => b.op1('dequantize', { input, scale: milConst.float(1), zero_point: int8s([]) })).toThrow(MilBuildError);
    const old = new MilBuilder('iOS16');
    expect(() => old.op1('dequantize', { input: old.addInput('q', { dtype: 'uint8', shape: [4] }), scale: milConst.float(1) })).toThrow(/does not exist/);
  });
});
