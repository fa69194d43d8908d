import { describe, expect, it } from 'vitest';
import { castTensor, toFloat64 } from '../../src/tensor/cast.js';
import { float16ArrayToFloat32 } from '../../src/tensor/fp16.js';
import { makeTensor } from '../../src/tensor/tensor.js';

describe('castTensor', () => {
  it('narrows int64 to int32 and refuses values that do not fit', () => {
    const t = makeTensor('int64', [2], BigInt64Array.from([5n, -7n]));
    expect(Array.from(castTensor(t, 'int32').data as Int32Array)).toEqual([5, -7]);
    expect(() => castTensor(makeTensor('int64', [1], BigInt64Array.from([2n ** 40n])), 'int32')).toThrow(RangeError);
  });

  it('rounds float32 to float16 bit patterns', () => {
    const h = castTensor(makeTensor('float32', [2], Float32Array.from([1.0001, -2])), 'float16');
    expect(h.dtype).toBe('float16');
    expect(Array.from(float16ArrayToFloat32(h.data as Uint16Array))).toEqual([1, -2]);
  });

  it('maps bool to 0/1 and back', () => {
    const b = castTensor(makeTensor('float32', [3], Float32Array.from([0, 2, -1])), 'bool');
    expect(Array.from(b.data as Uint8Array)).toEqual([0, 1, 1]);
  });

  it('returns the same tensor when nothing changes', () => {
    const t = makeTensor('float32', [1], Float32Array.from([1]));
    expect(castTensor(t, 'float32')).toBe(t);
  });
});

describe('toFloat64', () => {
  it('decodes fp16 and int64 storage', () => {
    expect(Array.from(toFloat64(makeTensor('float16', [1], Uint16Array.from([0x3c00]))))).toEqual([1]);
    expect(Array.from(toFloat64(makeTensor('int64', [1], BigInt64Array.from([-3n]))))).toEqual([-3]);
  });
});
