import { describe, expect, it } from 'vitest';
import { decodeImmediate, decodeTensorType, encodeImmediate, encodeTensorType, immediateValue } from '../../src/coreml/value.js';
import { ModelInputError } from '../../src/errors.js';
import { CoreML } from '../../src/gen/coreml.js';
import type { DType } from '../../src/tensor/dtype.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';

const M = CoreML.Specification.MILSpec;

/** Through real protobuf bytes, so field numbers and packing are exercised too. */
function wireRoundTrip(tensor: Tensor): { field: string; back: Tensor } {
  const value = immediateValue(tensor);
  const decoded = M.Value.decode(M.Value.encode(value).finish());
  const tv = decoded.immediateValue!.tensor!;
  const type = decodeTensorType(decoded.type, 'value', 'model.mlmodel');
  return { field: tv.value!, back: decodeImmediate(tv, type.dtype, type.shape as number[], 'value', 'model.mlmodel') };
}

const CASES: { tensor: Tensor; field: string }[] = [
  { tensor: makeTensor('float32', [3], Float32Array.from([1.5, -0, 3e38])), field: 'floats' },
  { tensor: makeTensor('float64', [2], Float64Array.from([1e-300, -2.5])), field: 'doubles' },
  { tensor: makeTensor('float16', [2], Uint16Array.from([0x3c00, 0xfbff])), field: 'bytes' },
  { tensor: makeTensor('int32', [3], Int32Array.from([-2147483648, 0, 2147483647])), field: 'ints' },
  { tensor: makeTensor('int16', [2], Int16Array.from([-32768, 32767])), field: 'ints' },
  { tensor: makeTensor('uint16', [2], Uint16Array.from([0, 65535])), field: 'ints' },
  { tensor: makeTensor('int64', [2], BigInt64Array.from([-(2n ** 63n), 2n ** 62n + 7n])), field: 'longInts' },
  { tensor: makeTensor('int8', [3], Int8Array.from([-128, 0, 127])), field: 'bytes' },
  { tensor: makeTensor('uint8', [2], Uint8Array.from([0, 255])), field: 'bytes' },
  { tensor: makeTensor('uint32', [2], Uint32Array.from([1, 4294967295])), field: 'bytes' },
  { tensor: makeTensor('int4', [3], Int8Array.from([-8, 7, -1])), field: 'bytes' },
  { tensor: makeTensor('uint1', [3], Uint8Array.from([1, 0, 1])), field: 'bytes' },
  { tensor: makeTensor('uint2', [3], Uint8Array.from([3, 0, 2])), field: 'bytes' },
  { tensor: makeTensor('uint3', [3], Uint8Array.from([7, 5, 6])), field: 'bytes' },
  { tensor: makeTensor('uint4', [2], Uint8Array.from([15, 9])), field: 'bytes' },
  { tensor: makeTensor('uint6', [3], Uint8Array.from([33, 18, 60])), field: 'bytes' },
  { tensor: makeTensor('bool', [3], Uint8Array.from([1, 0, 1])), field: 'bools' },
  { tensor: makeTensor('string', [2], ['same', 'pädding']), field: 'strings' },
];

describe('immediate values', () => {
  for (const { tensor, field } of CASES) {
    it(`stores ${tensor.dtype} in TensorValue.${field} and reads it back unchanged`, () => {
      const { field: got, back } = wireRoundTrip(tensor);
      expect(got).toBe(field);
      expect(back.dtype).toBe(tensor.dtype);
      expect(back.shape).toEqual(tensor.shape);
      expect(back.data).toEqual(tensor.data);
    });
  }

  it('stores a scalar fp16 as exactly two little-endian bytes', () => {
    const tv = encodeImmediate(makeTensor('float16', [], Uint16Array.from([0x3555])));
    expect([...tv.bytes!.values!]).toEqual([0x55, 0x35]);
  });

  it('packs sub-byte immediates LSB-first', () => {
    const tv = encodeImmediate(makeTensor('uint3', [3], Uint8Array.from([7, 5, 6])));
    expect([...tv.bytes!.values!]).toEqual([0xaf, 0x01]);
  });

  it('keeps the field of an empty tensor present', () => {
    const { field, back } = wireRoundTrip(makeTensor('float32', [0, 3]));
    expect(field).toBe('floats');
    expect(back.shape).toEqual([0, 3]);
  });

  it('rejects an element count that does not match the shape', () => {
    const tv = encodeImmediate(makeTensor('float32', [3]));
    expect(() => decodeImmediate(tv, 'float32', [4], 'val', 'model.mlmodel')).toThrow(ModelInputError);
    expect(() => decodeImmediate(tv, 'float32', [4], 'val', 'model.mlmodel')).toThrow(/needs 4 elements, got 3/);
  });

  // Found by `npm run fuzz -- 20000 7`: a mutated model.mlmodel typed a float immediate as string.
  it('rejects numbers given for a string value as an invalid program', () => {
    const tv = encodeImmediate(makeTensor('float32', [2]));
    expect(() => decodeImmediate(tv, 'string', [2], 'val', 'model.mlmodel')).toThrow(ModelInputError);
    expect(() => decodeImmediate(tv, 'string', [2], 'val', 'model.mlmodel')).toThrow(/val: numbers given for a string value/);
  });
});

describe('tensor types', () => {
  it('writes static dims as constants, unknown dims as non-variadic unknowns, scalars as rank 0', () => {
    const vt = encodeTensorType({ dtype: 'float16', shape: [1, null, 8] });
    expect(vt.tensorType!.dataType).toBe(M.DataType.FLOAT16);
    expect(vt.tensorType!.rank).toBe(3);
    expect(vt.tensorType!.dimensions![1]).toEqual({ unknown: { variadic: false } });
    const back = decodeTensorType(M.ValueType.decode(M.ValueType.encode(vt).finish()), 'x', 'm');
    expect(back).toEqual({ dtype: 'float16', shape: [1, null, 8] });
    expect(encodeTensorType({ dtype: 'int32', shape: [] }).tensorType!.rank).toBe(0);
  });

  it('reads one variadic dimension as a type of any rank and writes it back the same way', () => {
    const vt = { tensorType: { dataType: M.DataType.FLOAT32, rank: 1, dimensions: [{ unknown: { variadic: true } }] } };
    const type = decodeTensorType(vt, 'x', 'm');
    expect(type).toEqual({ dtype: 'float32', shape: [null], anyRank: true });
    expect(encodeTensorType(type).tensorType!.dimensions).toEqual([{ unknown: { variadic: true } }]);
  });

  it('maps every MIL data type code in both directions', () => {
    const dtypes: DType[] = ['bool', 'string', 'float16', 'float32', 'float64', 'bfloat16', 'int4', 'int8', 'int16', 'int32', 'int64',
      'uint1', 'uint2', 'uint3', 'uint4', 'uint6', 'uint8', 'uint16', 'uint32', 'uint64'];
    for (const dtype of dtypes) expect(decodeTensorType(encodeTensorType({ dtype, shape: [2] }), 'x', 'm').dtype).toBe(dtype);
  });

  it('rejects variable-rank and non-tensor types with the file name', () => {
    expect(() => decodeTensorType({ tensorType: { dataType: M.DataType.FLOAT32, rank: -1 } }, 'x', 'model.mlmodel')).toThrow(/model\.mlmodel: x has variable rank/);
    expect(() => decodeTensorType({ listType: {} }, 'x', 'model.mlmodel')).toThrow(/not a tensor type \(listType\)/);
  });
});
