import { describe, expect, it } from 'vitest';
import { packSubByte, subBytePaddingBits, unpackSubByte } from '../../src/coreml/subbyte.js';
import type { DType } from '../../src/tensor/dtype.js';

// Expected bytes were computed independently as one little-endian integer with
// element i at bit i*nbits.
const CASES: { dtype: DType; values: number[]; packed: number[] }[] = [
  { dtype: 'uint1', values: [1, 0, 1, 1, 0, 0, 0, 1, 1], packed: [0x8d, 0x01] },
  { dtype: 'uint2', values: [3, 0, 1, 2, 2], packed: [0x93, 0x02] },
  { dtype: 'uint3', values: [1, 2, 3, 4, 5, 6, 7, 0], packed: [0xd1, 0x58, 0x1f] },
  { dtype: 'uint3', values: [7, 5, 6], packed: [0xaf, 0x01] },
  { dtype: 'uint4', values: [15, 0, 9], packed: [0x0f, 0x09] },
  { dtype: 'int4', values: [-8, 7, -1, 0, 3], packed: [0x78, 0x0f, 0x03] },
  { dtype: 'uint6', values: [63, 1, 42, 5], packed: [0x7f, 0xa0, 0x16] },
  { dtype: 'uint6', values: [33, 18, 60], packed: [0xa1, 0xc4, 0x03] },
];

function storage(dtype: DType, values: number[]): Int8Array | Uint8Array {
  return dtype === 'int4' ? Int8Array.from(values) : Uint8Array.from(values);
}

describe('sub-byte packing', () => {
  for (const { dtype, values, packed } of CASES) {
    it(`packs ${dtype} ${JSON.stringify(values)} LSB-first`, () => {
      expect([...packSubByte(dtype, storage(dtype, values))]).toEqual(packed);
    });
    it(`unpacks ${dtype} ${JSON.stringify(values)} back to one element per byte`, () => {
      const out = unpackSubByte(dtype, Uint8Array.from(packed), values.length);
      expect(out).toBeInstanceOf(dtype === 'int4' ? Int8Array : Uint8Array);
      expect([...out]).toEqual(values);
    });
  }

  it('round-trips every value of every width, including elements that straddle bytes', () => {
    for (const [dtype, bits] of [['uint1', 1], ['uint2', 2], ['uint3', 3], ['uint4', 4], ['uint6', 6]] as const) {
      const values = Uint8Array.from({ length: 37 }, (_, i) => (i * 7 + 3) % (1 << bits));
      expect([...unpackSubByte(dtype, packSubByte(dtype, values), values.length)]).toEqual([...values]);
    }
    const signed = Int8Array.from({ length: 33 }, (_, i) => (i % 16) - 8);
    expect([...unpackSubByte('int4', packSubByte('int4', signed), signed.length)]).toEqual([...signed]);
  });

  it('counts the unused bits of the last byte', () => {
    expect(subBytePaddingBits('uint3', 8)).toBe(0);
    expect(subBytePaddingBits('uint3', 3)).toBe(7);
    expect(subBytePaddingBits('uint6', 3)).toBe(6);
    expect(subBytePaddingBits('int4', 5)).toBe(4);
    expect(subBytePaddingBits('uint1', 9)).toBe(7);
  });

  it('refuses to unpack more elements than the bytes hold', () => {
    expect(() => unpackSubByte('uint6', new Uint8Array(2), 3)).toThrow(RangeError);
  });

  it('rejects dtypes that are not sub-byte', () => {
    expect(() => packSubByte('uint8', new Uint8Array(1))).toThrow(TypeError);
  });
});
