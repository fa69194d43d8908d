import { describe, expect, it } from 'vitest';
import { castTensor } from '../../src/reference/cast.js';
import { float16ArrayToFloat32 } from '../../src/tensor/fp16.js';
import { makeTensor } from '../../src/tensor/tensor.js';

describe('castTensor', () => {
  it('returns the same tensor when the dtype already matches', () => {
    const t = makeTensor('float32', [2], Float32Array.of(1, 2));
    expect(castTensor(t, 'float32', 'x')).toBe(t);
  });

  it('rounds fp32 test data to fp16 bit patterns', () => {
    const half = castTensor(makeTensor('float32', [2], Float32Array.of(0.1, 3)), 'float16', 'x');
    expect(half.dtype).toBe('float16');
    expect(Array.from(float16ArrayToFloat32(half.data as Uint16Array))).toEqual([0.0999755859375, 3]);
  });

  it('narrows int64 to int32 and widens int32 to int64', () => {
    const narrow = castTensor(makeTensor('int64', [2], BigInt64Array.of(-3n, 7n)), 'int32', 'x');
    expect(narrow.data).toEqual(Int32Array.of(-3, 7));
    expect(castTensor(narrow, 'int64', 'x').data).toEqual(BigInt64Array.of(-3n, 7n));
  });

  it('refuses values that do not fit the target integer type, naming the input', () => {
    const big = makeTensor('int64', [1], BigInt64Array.of(2n ** 40n));
    expect(() => castTensor(big, 'int32', 'input "ids"')).toThrow(/input "ids": value 1099511627776 at flat index 0 does not fit int32/);
    expect(() => castTensor(makeTensor('float32', [1], Float32Array.of(1.5)), 'int32', 'x')).toThrow(/does not fit/);
  });
});
