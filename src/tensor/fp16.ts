/**
 * IEEE 754 half precision conversions over typed arrays. Round-to-nearest-even,
 * like numpy's astype(float16) and like Core ML's fp16 storage.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Bit pattern of the half nearest to `value`. Overflow becomes ±Inf, NaN stays NaN. */
export function float32ToFloat16Bits(value: number): number {
  f32[0] = value;
  return float32BitsToFloat16Bits(u32[0]!);
}

/** float32 bits of 2^-14, the smallest normal half. */
const F32_MIN_NORMAL_HALF = 0x38800000;
/** float32 bits of 2^16, the first float32 above every half's exponent range. */
const F32_ABOVE_HALF_EXPONENTS = 0x47800000;
/** (127 - 15) << 23: float32's exponent bias minus half's, where float32 keeps its exponent. */
const F32_HALF_BIAS_DIFFERENCE = 0x38000000;

/**
 * Bit pattern of the half nearest to the float32 whose bits are `x`. Normal halves are
 * tested first: the array conversions spend nearly all their time on them. Array loops
 * read the bits through a Uint32Array view and call this directly: going through a
 * number and back (float32ToFloat16Bits) costs several times the rounding itself.
 */
export function float32BitsToFloat16Bits(x: number): number {
  const magnitude = x & 0x7fffffff;
  if (magnitude >= F32_MIN_NORMAL_HALF && magnitude < F32_ABOVE_HALF_EXPONENTS) {
    // A half's exponent: adding 0xfff plus the lowest kept bit rounds the 13 dropped bits to
    // nearest even, and subtracting the exponent bias difference rebiases. A carry moves into
    // the exponent as it should, up to Inf for 65520 and above.
    return ((x >>> 16) & 0x8000) | ((magnitude + 0xfff + ((magnitude >>> 13) & 1) - F32_HALF_BIAS_DIFFERENCE) >>> 13);
  }
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  const e = exp - 127 + 15;
  if (exp === 0xff) {
    // Inf or NaN; keep NaN quiet and non-zero.
    return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0);
  }
  if (e >= 0x1f) return sign | 0x7c00;
  if (e < -10) return sign; // underflows to signed zero
  mant |= 0x800000;
  const shift = 14 - e;
  let half = mant >>> shift;
  const rem = mant & ((1 << shift) - 1);
  const mid = 1 << (shift - 1);
  if (rem > mid || (rem === mid && (half & 1) !== 0)) half += 1;
  return sign | half;
}

/** Value of a half bit pattern as a JS number. */
export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Table of all 65,536 half values as float32: decoding becomes one lookup per element. */
let decodeTable: Float32Array | undefined;
function halfDecodeTable(): Float32Array {
  if (!decodeTable) {
    decodeTable = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) decodeTable[i] = float16BitsToFloat32(i);
  }
  return decodeTable;
}

/** Converts float32 values to half bit patterns. */
export function float32ArrayToFloat16(src: Float32Array, dst: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < src.length; i++) dst[i] = float32BitsToFloat16Bits(bits[i]!);
  return dst;
}

/** Converts half bit patterns to float32 values. */
export function float16ArrayToFloat32(src: Uint16Array, dst: Float32Array = new Float32Array(src.length)): Float32Array {
  const table = halfDecodeTable();
  for (let i = 0; i < src.length; i++) dst[i] = table[src[i]!]!;
  return dst;
}

/** Rounds float32 values to the nearest half in place (fp16 storage emulation). */
export function roundToFloat16InPlace(values: Float32Array): Float32Array {
  const table = halfDecodeTable();
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  for (let i = 0; i < values.length; i++) values[i] = table[float32BitsToFloat16Bits(bits[i]!)]!;
  return values;
}

export const FLOAT16_MAX = 65504;
/** Smallest positive normal half. */
export const FLOAT16_MIN_NORMAL = 2 ** -14;
/** Smallest positive subnormal half. */
export const FLOAT16_MIN_SUBNORMAL = 2 ** -24;

/** bfloat16 bit pattern → float32 (exact). */
export function bfloat16ArrayToFloat32(src: Uint16Array, dst: Float32Array = new Float32Array(src.length)): Float32Array {
  const out = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i]! << 16;
  return dst;
}
