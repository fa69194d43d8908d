import type { DType, TensorData } from '../tensor/dtype.js';

/**
 * Tensor payload bytes (ONNX raw_data, external data) to and from the typed
 * arrays of src/tensor/dtype.ts. Little-endian, as ONNX prescribes and as every
 * platform Node supports here is. Sub-byte types are packed low bits first.
 */

type TypedArrayCtor<T> = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
  new (length: number): T;
  readonly BYTES_PER_ELEMENT: number;
};

/** A typed array over `bytes` without copying when the offset is aligned; an aligned copy otherwise. */
function viewOrCopy<T extends ArrayBufferView>(ctor: TypedArrayCtor<T>, bytes: Uint8Array, n: number): T {
  if (bytes.byteOffset % ctor.BYTES_PER_ELEMENT === 0) return new ctor(bytes.buffer, bytes.byteOffset, n);
  const aligned = new Uint8Array(n * ctor.BYTES_PER_ELEMENT);
  aligned.set(bytes.subarray(0, aligned.length));
  return new ctor(aligned.buffer, 0, n);
}

/** Bools are one byte each; anything but 0 is true, so normalise to 0/1 (copying only when needed). */
function readBool(bytes: Uint8Array, n: number): Uint8Array {
  const view = bytes.subarray(0, n);
  for (let i = 0; i < n; i++) {
    if (view[i]! > 1) return Uint8Array.from(view, (b) => (b !== 0 ? 1 : 0));
  }
  return view;
}

function unpackBits(bytes: Uint8Array, n: number, bits: number, signed: boolean): Int8Array | Uint8Array {
  const out = signed ? new Int8Array(n) : new Uint8Array(n);
  const perByte = 8 / bits;
  const mask = (1 << bits) - 1;
  const signBit = 1 << (bits - 1);
  for (let i = 0; i < n; i++) {
    const v = (bytes[Math.floor(i / perByte)]! >>> ((i % perByte) * bits)) & mask;
    out[i] = signed && v & signBit ? v - (1 << bits) : v;
  }
  return out;
}

function packBits(values: ArrayLike<number>, bits: number): Uint8Array {
  const perByte = 8 / bits;
  const mask = (1 << bits) - 1;
  const out = new Uint8Array(Math.ceil(values.length / perByte));
  for (let i = 0; i < values.length; i++) {
    out[Math.floor(i / perByte)]! |= (values[i]! & mask) << ((i % perByte) * bits);
  }
  return out;
}

type RawReader = (bytes: Uint8Array, n: number) => TensorData;

const noOnnxEncoding = (dtype: DType): RawReader => () => {
  throw new TypeError(`${dtype} has no ONNX byte encoding`);
};

const RAW_READERS: Readonly<Record<DType, RawReader>> = {
  float16: (b, n) => viewOrCopy(Uint16Array, b, n),
  bfloat16: (b, n) => viewOrCopy(Uint16Array, b, n),
  float32: (b, n) => viewOrCopy(Float32Array, b, n),
  float64: (b, n) => viewOrCopy(Float64Array, b, n),
  int4: (b, n) => unpackBits(b, n, 4, true),
  int8: (b, n) => viewOrCopy(Int8Array, b, n),
  int16: (b, n) => viewOrCopy(Int16Array, b, n),
  int32: (b, n) => viewOrCopy(Int32Array, b, n),
  int64: (b, n) => viewOrCopy(BigInt64Array, b, n),
  uint1: noOnnxEncoding('uint1'),
  uint2: (b, n) => unpackBits(b, n, 2, false),
  uint3: noOnnxEncoding('uint3'),
  uint4: (b, n) => unpackBits(b, n, 4, false),
  uint6: noOnnxEncoding('uint6'),
  uint8: (b, n) => viewOrCopy(Uint8Array, b, n),
  uint16: (b, n) => viewOrCopy(Uint16Array, b, n),
  uint32: (b, n) => viewOrCopy(Uint32Array, b, n),
  uint64: (b, n) => viewOrCopy(BigUint64Array, b, n),
  bool: readBool,
  string: noOnnxEncoding('string'),
};

/** Reads `n` elements of `dtype` from payload bytes whose length the caller has checked. */
export function readPayload(dtype: DType, bytes: Uint8Array, n: number): TensorData {
  return RAW_READERS[dtype](bytes, n);
}

const SUB_BYTE_BITS: Partial<Record<DType, number>> = { int4: 4, uint4: 4, uint2: 2 };

/** Payload bytes of numeric tensor data, as ONNX raw_data stores them; a view when no packing is needed. */
export function writePayload(dtype: DType, data: TensorData): Uint8Array {
  if (Array.isArray(data)) throw new TypeError('string tensors have no raw payload');
  const bits = SUB_BYTE_BITS[dtype];
  if (bits !== undefined) return packBits(data as ArrayLike<number>, bits);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
