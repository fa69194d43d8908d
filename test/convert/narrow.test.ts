import { describe, expect, it } from 'vitest';
import { milDTypeFor, narrowConstant } from '../../src/convert/narrow.js';
import { ConversionError } from '../../src/errors.js';
import { makeTensor } from '../../src/tensor/tensor.js';

describe('narrowConstant', () => {
  it('turns int64 into int32 when every value fits', () => {
    const t = narrowConstant(makeTensor('int64', [2], BigInt64Array.from([-(2n ** 31n), 2n ** 31n - 1n])), 'w');
    expect(t.dtype).toBe('int32');
    expect(Array.from(t.data as Int32Array)).toEqual([-(2 ** 31), 2 ** 31 - 1]);
  });

  it('refuses an int64 value outside int32, naming the tensor, the value and the file', () => {
    const big = makeTensor('int64', [2], BigInt64Array.from([0n, 2n ** 31n]));
    expect(() => narrowConstant(big, 'offsets', 'model.onnx')).toThrowError(ConversionError);
    expect(() => narrowConstant(big, 'offsets', 'model.onnx')).toThrowError(/model\.onnx: constant "offsets" \(int64\) holds 2147483648 at index 1/);
  });

  it('turns float64 into float32 and widens small integers to int32', () => {
    expect(narrowConstant(makeTensor('float64', [1], Float64Array.from([0.1])), 'd').data).toEqual(Float32Array.from([0.1]));
    expect(narrowConstant(makeTensor('uint8', [1], Uint8Array.from([255])), 'u').data).toEqual(Int32Array.from([255]));
  });

  it('leaves fp32, fp16, int32 and bool as they are', () => {
    const t = makeTensor('bool', [1], Uint8Array.from([1]));
    expect(narrowConstant(t, 'b')).toBe(t);
    expect(milDTypeFor('float16')).toBe('float16');
  });
});
