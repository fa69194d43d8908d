import { describe, expect, it } from 'vitest';
import { ToolError } from '../../src/errors.js';
import { parseNpy } from '../../src/reference/npy.js';
import { float32ArrayToFloat16 } from '../../src/tensor/fp16.js';
import { bytesOf, npyBytes } from './npy-writer.js';

describe('parseNpy', () => {
  it('reads little-endian float32 with its shape', () => {
    const values = Float32Array.from([1, 2.5, -3, 4, 5, 6]);
    const t = parseNpy(npyBytes({ descr: '<f4', shape: [2, 3], data: bytesOf(values, 4) }), 'a.npy');
    expect(t.dtype).toBe('float32');
    expect(t.shape).toEqual([2, 3]);
    expect(t.data).toEqual(values);
  });

  it('reads big-endian data by swapping bytes', () => {
    const ints = Int32Array.from([1, -2, 70000]);
    const t = parseNpy(npyBytes({ descr: '>i4', shape: [3], data: bytesOf(ints, 4, true) }), 'b.npy');
    expect(t.data).toEqual(ints);
    const doubles = Float64Array.from([Math.PI, -1e300]);
    expect(parseNpy(npyBytes({ descr: '>f8', shape: [2], data: bytesOf(doubles, 8, true) }), 'c.npy').data).toEqual(doubles);
  });

  it('reads every supported integer, float and bool dtype into its storage', () => {
    const cases = [
      { descr: '<f2', data: float32ArrayToFloat16(Float32Array.from([1, 0.5])), size: 2, dtype: 'float16' },
      { descr: '<f8', data: Float64Array.from([1, 2]), size: 8, dtype: 'float64' },
      { descr: '|i1', data: Int8Array.from([-1, 2]), size: 1, dtype: 'int8' },
      { descr: '<i2', data: Int16Array.from([-300, 2]), size: 2, dtype: 'int16' },
      { descr: '<i8', data: BigInt64Array.from([-5n, 2n ** 40n]), size: 8, dtype: 'int64' },
      { descr: '|u1', data: Uint8Array.from([255, 2]), size: 1, dtype: 'uint8' },
      { descr: '<u2', data: Uint16Array.from([65535, 2]), size: 2, dtype: 'uint16' },
      { descr: '<u4', data: Uint32Array.from([4e9, 2]), size: 4, dtype: 'uint32' },
      { descr: '<u8', data: BigUint64Array.from([2n ** 63n, 2n]), size: 8, dtype: 'uint64' },
    ] as const;
    for (const c of cases) {
      const t = parseNpy(npyBytes({ descr: c.descr, shape: [2], data: bytesOf(c.data, c.size) }), 'x.npy');
      expect(t.dtype).toBe(c.dtype);
      expect(t.data).toEqual(c.data);
    }
  });

  it('reads bool as 0/1 whatever non-zero byte the file holds', () => {
    const t = parseNpy(npyBytes({ descr: '|b1', shape: [3], data: Uint8Array.from([0, 1, 7]) }), 'm.npy');
    expect(t.dtype).toBe('bool');
    expect(Array.from(t.data as Uint8Array)).toEqual([0, 1, 1]);
  });

  it('reads scalars and version-2 headers', () => {
    const t = parseNpy(npyBytes({ descr: '<f4', shape: [], data: bytesOf(Float32Array.from([7]), 4), version: 2 }), 's.npy');
    expect(t.shape).toEqual([]);
    expect(t.data).toEqual(Float32Array.from([7]));
  });

  it('rejects Fortran-ordered arrays naming the file', () => {
    const bytes = npyBytes({ descr: '<f4', shape: [2, 2], data: new Uint8Array(16), fortranOrder: true });
    expect(() => parseNpy(bytes, 'f.npy')).toThrow(/f\.npy: .*Fortran/);
  });

  it('rejects data shorter than the shape needs', () => {
    const bytes = npyBytes({ descr: '<f4', shape: [4], data: new Uint8Array(8) });
    expect(() => parseNpy(bytes, 't.npy')).toThrow(expect.objectContaining({ code: 'TRUNCATED' }));
  });

  it('rejects files without the magic and unsupported dtypes', () => {
    expect(() => parseNpy(new TextEncoder().encode('hello world, not numpy'), 'h.npy')).toThrow(ToolError);
    const complex = npyBytes({ descr: '<c8', shape: [1], data: new Uint8Array(8) });
    expect(() => parseNpy(complex, 'c.npy')).toThrow(/dtype '<c8' is not supported/);
  });
});
