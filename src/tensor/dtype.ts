/**
 * Element types shared by every module. ONNX and MIL spell them differently;
 * each side maps its own spelling onto this one vocabulary at its boundary.
 */
export type DType =
  | 'float16'
  | 'bfloat16'
  | 'float32'
  | 'float64'
  | 'int4'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint1'
  | 'uint2'
  | 'uint3'
  | 'uint4'
  | 'uint6'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'bool'
  | 'string';

/** The typed array that holds each dtype in memory. */
export interface DTypeStorage {
  float16: Uint16Array; // IEEE half bit patterns
  bfloat16: Uint16Array; // bfloat16 bit patterns
  float32: Float32Array;
  float64: Float64Array;
  int4: Int8Array; // one element per byte, unpacked
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint1: Uint8Array; // one element per byte, unpacked
  uint2: Uint8Array;
  uint3: Uint8Array;
  uint4: Uint8Array;
  uint6: Uint8Array;
  uint8: Uint8Array;
  uint16: Uint16Array;
  uint32: Uint32Array;
  uint64: BigUint64Array;
  bool: Uint8Array; // 0 or 1
  string: string[];
}

export type NumericTypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

export type TensorData = NumericTypedArray | string[];

interface DTypeInfo {
  /** Bits per element when stored packed (files, blobs). */
  readonly bits: number;
  readonly isFloat: boolean;
  readonly alloc: (n: number) => TensorData;
}

const DTYPE_INFO: { readonly [D in DType]: DTypeInfo } = {
  float16: { bits: 16, isFloat: true, alloc: (n) => new Uint16Array(n) },
  bfloat16: { bits: 16, isFloat: true, alloc: (n) => new Uint16Array(n) },
  float32: { bits: 32, isFloat: true, alloc: (n) => new Float32Array(n) },
  float64: { bits: 64, isFloat: true, alloc: (n) => new Float64Array(n) },
  int4: { bits: 4, isFloat: false, alloc: (n) => new Int8Array(n) },
  int8: { bits: 8, isFloat: false, alloc: (n) => new Int8Array(n) },
  int16: { bits: 16, isFloat: false, alloc: (n) => new Int16Array(n) },
  int32: { bits: 32, isFloat: false, alloc: (n) => new Int32Array(n) },
  int64: { bits: 64, isFloat: false, alloc: (n) => new BigInt64Array(n) },
  uint1: { bits: 1, isFloat: false, alloc: (n) => new Uint8Array(n) },
  uint2: { bits: 2, isFloat: false, alloc: (n) => new Uint8Array(n) },
  uint3: { bits: 3, isFloat: false, alloc: (n) => new Uint8Array(n) },
  uint4: { bits: 4, isFloat: false, alloc: (n) => new Uint8Array(n) },
  uint6: { bits: 6, isFloat: false, alloc: (n) => new Uint8Array(n) },
  uint8: { bits: 8, isFloat: false, alloc: (n) => new Uint8Array(n) },
  uint16: { bits: 16, isFloat: false, alloc: (n) => new Uint16Array(n) },
  uint32: { bits: 32, isFloat: false, alloc: (n) => new Uint32Array(n) },
  uint64: { bits: 64, isFloat: false, alloc: (n) => new BigUint64Array(n) },
  bool: { bits: 8, isFloat: false, alloc: (n) => new Uint8Array(n) },
  string: { bits: 0, isFloat: false, alloc: (n) => new Array<string>(n).fill('') },
};

export function isFloatDType(dtype: DType): boolean {
  return DTYPE_INFO[dtype].isFloat;
}

/** Allocates zeroed storage for `n` elements of `dtype`. */
export function allocStorage<D extends DType>(dtype: D, n: number): DTypeStorage[D] {
  return DTYPE_INFO[dtype].alloc(n) as DTypeStorage[D];
}

/** Bytes needed to store `n` elements packed (sub-byte types rounded up to whole bytes). */
export function packedByteLength(dtype: DType, n: number): number {
  return Math.ceil((n * DTYPE_INFO[dtype].bits) / 8);
}

