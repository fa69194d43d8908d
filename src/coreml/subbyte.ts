import type { DType } from '../tensor/dtype.js';
import { subByteBits } from './dtypes.js';

/**
 * Packing of sub-byte element types (int4, uint1/2/3/4/6) as Core ML stores them
 * in weight.bin and in immediate `bytes` values: row-major, element i occupies
 * bits [i*n, (i+1)*n) of a little-endian bit stream, so 3- and 6-bit elements may
 * straddle two bytes. In memory these tensors hold one element per byte.
 */

export type SubByteStorage = Int8Array | Uint8Array;

function bitsOf(dtype: DType): number {
  const bits = subByteBits(dtype);
  if (bits === undefined) throw new TypeError(`${dtype} is not a sub-byte type`);
  return bits;
}

/** Number of unused high bits in the last packed byte. */
export function subBytePaddingBits(dtype: DType, count: number): number {
  return (8 - ((count * bitsOf(dtype)) % 8)) % 8;
}

/** Packs one-element-per-byte values into the LSB-first bit stream. Out-of-range values are masked. */
export function packSubByte(dtype: DType, values: SubByteStorage): Uint8Array {
  const bits = bitsOf(dtype);
  const mask = (1 << bits) - 1;
  const out = new Uint8Array(Math.ceil((values.length * bits) / 8));
  let bitPos = 0;
  for (let i = 0; i < values.length; i++, bitPos += bits) {
    const v = values[i]! & mask; // two's complement for int4 falls out of the mask
    const byte = bitPos >>> 3;
    const shift = bitPos & 7;
    out[byte]! |= (v << shift) & 0xff;
    if (shift + bits > 8) out[byte + 1]! |= v >>> (8 - shift);
  }
  return out;
}

/** Unpacks `count` elements from the LSB-first bit stream; int4 is sign-extended. */
export function unpackSubByte(dtype: DType, packed: Uint8Array, count: number): SubByteStorage {
  const bits = bitsOf(dtype);
  const needed = Math.ceil((count * bits) / 8);
  if (packed.length < needed) {
    throw new RangeError(`${count} ${dtype} elements need ${needed} packed bytes, got ${packed.length}`);
  }
  const mask = (1 << bits) - 1;
  const signed = dtype === 'int4';
  const out = signed ? new Int8Array(count) : new Uint8Array(count);
  let bitPos = 0;
  for (let i = 0; i < count; i++, bitPos += bits) {
    const byte = bitPos >>> 3;
    const shift = bitPos & 7;
    let word = packed[byte]! >>> shift;
    if (shift + bits > 8) word |= packed[byte + 1]! << (8 - shift);
    const v = word & mask;
    out[i] = signed && v >= 8 ? v - 16 : v;
  }
  return out;
}
