import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ModelInputError } from '../../src/errors.js';
import { onnx } from '../../src/gen/onnx.js';
import { ONNX_STORABLE_DTYPES } from '../../src/onnx/data-type.js';
import { decodeTensorProto, encodeTensorProto, readTensorProtoFile } from '../../src/onnx/tensor-proto.js';
import type { DType, DTypeStorage } from '../../src/tensor/dtype.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';

const fixtures = fileURLToPath(new URL('../../../shared/fixtures/onnx/', import.meta.url));

/** Five sample values per dtype, chosen to hit sign bits and range ends. */
const SAMPLES: { readonly [D in DType]?: () => DTypeStorage[D] } = {
  float32: () => Float32Array.of(0, -1.5, 3.25, Infinity, -0),
  float64: () => Float64Array.of(0, -1.5, 1e300, -Infinity, 2 ** -1074),
  float16: () => Uint16Array.of(0x3c00, 0xbc00, 0x7bff, 0x7c00, 0x0001),
  bfloat16: () => Uint16Array.of(0x3f80, 0xbf80, 0x7f7f, 0x7f80, 0x0001),
  int4: () => Int8Array.of(-8, 7, 0, -1, 3),
  uint4: () => Uint8Array.of(15, 0, 7, 8, 1),
  uint2: () => Uint8Array.of(3, 0, 1, 2, 3),
  int8: () => Int8Array.of(-128, 127, 0, -1, 5),
  uint8: () => Uint8Array.of(255, 0, 1, 128, 7),
  int16: () => Int16Array.of(-32768, 32767, 0, -1, 5),
  uint16: () => Uint16Array.of(65535, 0, 1, 32768, 7),
  int32: () => Int32Array.of(-(2 ** 31), 2 ** 31 - 1, 0, -1, 5),
  uint32: () => Uint32Array.of(2 ** 32 - 1, 0, 1, 2 ** 31, 7),
  int64: () => BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 5n),
  uint64: () => BigUint64Array.of(2n ** 64n - 1n, 0n, 1n, 2n ** 63n, 7n),
  bool: () => Uint8Array.of(1, 0, 0, 1, 1),
  string: () => ['', 'a', 'héllo', '日本', 'x y'],
};

function sampleTensor(dtype: DType): Tensor {
  const make = SAMPLES[dtype];
  if (!make) throw new Error(`no sample for ${dtype}`);
  return makeTensor(dtype, [5], make() as DTypeStorage[typeof dtype]);
}

function encodeProto(props: onnx.ITensorProto): Uint8Array {
  return onnx.TensorProto.encode(props).finish();
}

describe('encodeTensorProto / decodeTensorProto', () => {
  it.each(ONNX_STORABLE_DTYPES.map((d) => [d]))('round-trips a %s tensor exactly', (dtype) => {
    const tensor = sampleTensor(dtype);
    const decoded = decodeTensorProto(encodeTensorProto('t', tensor));
    expect(decoded.name).toBe('t');
    expect(decoded.tensor.dtype).toBe(dtype);
    expect(decoded.tensor.shape).toEqual([5]);
    expect(Array.from(decoded.tensor.data as ArrayLike<unknown>)).toEqual(Array.from(tensor.data as ArrayLike<unknown>));
  });

  it('round-trips a scalar and an empty tensor', () => {
    const scalar = decodeTensorProto(encodeTensorProto('s', makeTensor('float32', [], Float32Array.of(2.5)))).tensor;
    expect(scalar.shape).toEqual([]);
    expect(Array.from(scalar.data as Float32Array)).toEqual([2.5]);
    const empty = decodeTensorProto(encodeTensorProto('e', makeTensor('int64', [0, 3]))).tensor;
    expect(empty.shape).toEqual([0, 3]);
    expect(empty.data.length).toBe(0);
  });
});

describe('decodeTensorProto typed value fields', () => {
  it('reads float16 bit patterns from int32_data', () => {
    const { tensor } = decodeTensorProto(encodeProto({ dataType: 10, dims: [2], int32Data: [0x3c00, 0xc000] }));
    expect(tensor.dtype).toBe('float16');
    expect(Array.from(tensor.data as Uint16Array)).toEqual([0x3c00, 0xc000]);
  });

  it('reads int8, uint8 and bool from int32_data', () => {
    expect(Array.from(decodeTensorProto(encodeProto({ dataType: 3, dims: [2], int32Data: [-3, 100] })).tensor.data as Int8Array)).toEqual([-3, 100]);
    expect(Array.from(decodeTensorProto(encodeProto({ dataType: 2, dims: [1], int32Data: [200] })).tensor.data as Uint8Array)).toEqual([200]);
    expect(Array.from(decodeTensorProto(encodeProto({ dataType: 9, dims: [3], int32Data: [0, 1, 5] })).tensor.data as Uint8Array)).toEqual([0, 1, 1]);
  });

  it('reads float_data, double_data, int64_data, uint64_data and string_data', () => {
    expect(Array.from(decodeTensorProto(encodeProto({ dataType: 1, dims: [2], floatData: [1.5, -2] })).tensor.data as Float32Array)).toEqual([1.5, -2]);
    expect(Array.from(decodeTensorProto(encodeProto({ dataType: 11, dims: [1], doubleData: [0.1] })).tensor.data as Float64Array)).toEqual([0.1]);
    const i64 = decodeTensorProto(encodeProto({ dataType: 7, dims: [2], int64Data: [-5, 2 ** 40] })).tensor;
    expect(i64.data).toBeInstanceOf(BigInt64Array);
    expect(Array.from(i64.data as BigInt64Array)).toEqual([-5n, 2n ** 40n]);
    expect(Array.from(decodeTensorProto(encodeProto({ dataType: 12, dims: [1], uint64Data: [4000000000] })).tensor.data as Uint32Array)).toEqual([4000000000]);
    const strings = decodeTensorProto(encodeProto({ dataType: 8, dims: [1], stringData: [new TextEncoder().encode('ok')] })).tensor;
    expect(strings.data).toEqual(['ok']);
  });

  it('reads packed int4 pairs from int32_data, low nibble first', () => {
    const { tensor } = decodeTensorProto(encodeProto({ dataType: 22, dims: [3], int32Data: [0x8f, 0x07] }));
    expect(Array.from(tensor.data as Int8Array)).toEqual([-1, -8, 7]);
  });

  it('normalises raw bool bytes other than 0 and 1 to true', () => {
    const { tensor } = decodeTensorProto(encodeProto({ dataType: 9, dims: [3], rawData: Uint8Array.of(0, 2, 255) }));
    expect(Array.from(tensor.data as Uint8Array)).toEqual([0, 1, 1]);
  });
});

describe('decodeTensorProto views and copies', () => {
  it('returns a view into the input buffer when raw_data is aligned, and an aligned copy when it is not', () => {
    const bytes = encodeTensorProto('w', makeTensor('float32', [4], Float32Array.of(1, 2, 3, 4)));
    for (let shift = 0; shift < 4; shift++) {
      const buffer = new Uint8Array(bytes.length + shift);
      buffer.set(bytes, shift);
      const input = buffer.subarray(shift);
      const data = decodeTensorProto(input).tensor.data as Float32Array;
      expect(Array.from(data)).toEqual([1, 2, 3, 4]);
      const rawOffset = shift + bytes.length - 16;
      expect(data.buffer === buffer.buffer).toBe(rawOffset % 4 === 0);
    }
  });
});

describe('decodeTensorProto rejects bad tensors with typed errors', () => {
  const decodeError = (props: onnx.ITensorProto): ModelInputError => {
    try {
      decodeTensorProto(encodeProto(props), 'bad.pb');
    } catch (err) {
      expect(err).toBeInstanceOf(ModelInputError);
      return err as ModelInputError;
    }
    throw new Error('expected an error');
  };

  it('refuses raw_data shorter or longer than the shape needs', () => {
    expect(decodeError({ name: 'w', dataType: 1, dims: [4], rawData: new Uint8Array(12) }).message).toMatch(/bad\.pb: tensor "w" has 12 bytes of raw_data.*exactly 16/);
    expect(decodeError({ dataType: 1, dims: [4], rawData: new Uint8Array(20) }).code).toBe('MALFORMED');
  });

  it('refuses declared dims of 2^40 x 2^40 with a limit error before allocating', () => {
    const err = decodeError({ name: 'bomb', dataType: 1, dims: [2 ** 40, 2 ** 40], rawData: new Uint8Array(4) });
    expect(err.code).toBe('LIMIT_EXCEEDED');
    expect(err.message).toMatch(/1208925819614629174706176 elements/);
  });

  it('refuses negative dims', () => {
    expect(decodeError({ dataType: 1, dims: [-1, 4] }).message).toMatch(/negative dimension -1/);
  });

  it('refuses a typed field whose length disagrees with the shape', () => {
    expect(decodeError({ dataType: 1, dims: [3], floatData: [1, 2] }).message).toMatch(/2 values in float_data.*needs 3/);
    expect(decodeError({ dataType: 7, dims: [2] }).message).toMatch(/has no data/);
  });

  it('refuses element types without a DType and tensors without a type', () => {
    const err = decodeError({ name: 'f8', dataType: 17, dims: [1], rawData: new Uint8Array(1) });
    expect(err.code).toBe('UNSUPPORTED_FEATURE');
    expect(err.message).toMatch(/float8e4m3fn/);
    expect(decodeError({ dims: [1] }).message).toMatch(/no data type/);
  });

  it('refuses external data in a standalone tensor file', () => {
    const err = decodeError({ dataType: 1, dims: [1], dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] });
    expect(err.code).toBe('EXTERNAL_DATA');
  });

  it('reports truncated bytes as TRUNCATED', () => {
    const bytes = encodeTensorProto('w', makeTensor('float32', [8]));
    expect(() => decodeTensorProto(bytes.subarray(0, bytes.length - 3), 'cut.pb')).toThrow(expect.objectContaining({ code: 'TRUNCATED' }));
  });
});

describe('readTensorProtoFile', () => {
  const cases = readdirSync(fixtures).flatMap((model) =>
    readdirSync(join(fixtures, model, 'test_data_set_0')).map((f) => [model, f] as const),
  );

  it.each(cases)('reads %s test_data_set_0/%s as a float32 tensor named after the file', async (model, file) => {
    const { name, tensor } = await readTensorProtoFile(join(fixtures, model, 'test_data_set_0', file));
    expect(name).toBe(file.replace(/\.pb$/, ''));
    expect(tensor.dtype).toBe('float32');
    expect(tensor.data.length).toBe(tensor.shape.reduce((a, b) => a * b, 1));
    expect(tensor.data.length).toBeGreaterThan(0);
  });

  it('names a missing file in a FILE_NOT_FOUND error', async () => {
    await expect(readTensorProtoFile(join(fixtures, 'nope.pb'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
