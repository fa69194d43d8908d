import type { DType } from '../tensor/dtype.js';
import { bfloat16ArrayToFloat32, float16ArrayToFloat32, float32ArrayToFloat16, roundToFloat16InPlace } from '../tensor/fp16.js';
import { elementCount, type Tensor } from '../tensor/tensor.js';
import { ToolError } from '../errors.js';

/**
 * How the interpreter holds a value while a program runs. Every floating type
 * computes in a Float32Array; float16 values are kept there rounded to the
 * nearest half after each op, so an fp16 program shows fp16 error without
 * paying for bit conversions on every read. Integer types keep their own typed
 * array so integer arithmetic wraps and truncates as the declared type would.
 */
export type RtNumeric = Float32Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint16Array | Uint32Array;

export interface RtValue {
  /** Declared MIL dtype (float16 keeps its name; its storage is a Float32Array). */
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: RtNumeric | string[];
}

/** A value whose storage is numeric (everything except strings). */
export interface RtNumericValue extends RtValue {
  readonly data: RtNumeric;
}

export interface RtFloatValue extends RtValue {
  readonly data: Float32Array;
}

type NumericCtor = new (n: number) => RtNumeric;

/** Storage constructor for each dtype the interpreter computes in. */
const STORAGE: Partial<Record<DType, NumericCtor>> = {
  float16: Float32Array,
  float32: Float32Array,
  int32: Int32Array,
  int16: Int16Array,
  int8: Int8Array,
  int4: Int8Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint1: Uint8Array,
  uint2: Uint8Array,
  uint3: Uint8Array,
  uint4: Uint8Array,
  uint6: Uint8Array,
  bool: Uint8Array,
};

/** Wider file types the interpreter narrows on entry: Core ML has no float64 or int64 compute. */
const NARROWED: Partial<Record<DType, DType>> = {
  float64: 'float32',
  bfloat16: 'float32',
  int64: 'int32',
  uint64: 'uint32',
};

export function isFloatValue(v: RtValue): v is RtFloatValue {
  return v.dtype === 'float32' || v.dtype === 'float16';
}

/**
 * Float buffers of values that died earlier in the current run, handed out
 * again (zeroed) instead of allocating: big networks otherwise spend much of
 * their time faulting in fresh pages and collecting dead activations.
 */
export class BufferPool {
  private readonly free = new Map<number, Float32Array[]>();

  give(buffer: Float32Array): void {
    const list = this.free.get(buffer.length);
    if (list) list.push(buffer);
    else this.free.set(buffer.length, [buffer]);
  }

  /** A free buffer of length n, zeroed unless the caller will overwrite every element. */
  take(n: number, zeroed = true): Float32Array | undefined {
    const buffer = this.free.get(n)?.pop();
    return zeroed ? buffer?.fill(0) : buffer;
  }
}

let activePool: BufferPool | undefined;

/** Runs `f` with `pool` serving float allocations. */
export function withBufferPool<T>(pool: BufferPool, f: () => T): T {
  const previous = activePool;
  activePool = pool;
  try {
    return f();
  } finally {
    activePool = previous;
  }
}

/** Zeroed storage for n elements of dtype. */
export function allocFor(dtype: DType, n: number): RtNumeric {
  const ctor = STORAGE[dtype];
  if (!ctor) throw new ToolError('RUNTIME', `the interpreter cannot hold values of dtype ${dtype}`);
  if (ctor === Float32Array && n >= POOLED_MIN_LENGTH) return activePool?.take(n) ?? new Float32Array(n);
  return new ctor(n);
}

/** Smaller buffers are cheap to allocate; pooling them would only add bookkeeping. */
export const POOLED_MIN_LENGTH = 4096;

export function makeValue(dtype: DType, shape: readonly number[], data?: RtNumeric): RtNumericValue {
  const n = elementCount(shape);
  const storage = data ?? allocFor(dtype, n);
  if (storage.length !== n) {
    throw new ToolError('RUNTIME', `value of shape [${shape.join(',')}] needs ${n} elements, got ${storage.length}`);
  }
  return { dtype, shape: [...shape], data: storage };
}

export function makeFloat(dtype: 'float16' | 'float32' | DType, shape: readonly number[], data?: Float32Array): RtFloatValue {
  const fdt = dtype === 'float16' ? 'float16' : 'float32';
  return makeValue(fdt, shape, data ?? allocFor('float32', elementCount(shape))) as RtFloatValue;
}

/**
 * makeFloat for kernels that write every element of the result: a recycled
 * buffer is handed out as it is, skipping a zeroing pass over memory the
 * kernel overwrites anyway.
 */
export function makeFloatToOverwrite(dtype: 'float16' | 'float32' | DType, shape: readonly number[]): RtFloatValue {
  const n = elementCount(shape);
  const data = n >= POOLED_MIN_LENGTH ? activePool?.take(n, false) : undefined;
  return makeFloat(dtype, shape, data);
}

function narrowBigInts(t: Tensor): RtValue {
  const src = t.data as BigInt64Array | BigUint64Array;
  const out = t.dtype === 'int64' ? new Int32Array(src.length) : new Uint32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = Number(src[i]!);
  return { dtype: NARROWED[t.dtype]!, shape: [...t.shape], data: out };
}

/** Stored dtypes whose interpreter storage differs from their file storage. */
const FROM_STORED: Partial<Record<DType, (t: Tensor) => RtValue>> = {
  float16: (t) => ({ dtype: 'float16', shape: [...t.shape], data: float16ArrayToFloat32(t.data as Uint16Array) }),
  bfloat16: (t) => ({ dtype: 'float32', shape: [...t.shape], data: bfloat16ArrayToFloat32(t.data as Uint16Array) }),
  float64: (t) => ({ dtype: 'float32', shape: [...t.shape], data: Float32Array.from(t.data as Float64Array) }),
  int64: narrowBigInts,
  uint64: narrowBigInts,
};

/** Converts a stored tensor into interpreter storage (fp16 bits become rounded fp32 values). */
export function fromTensor(t: Tensor): RtValue {
  const convert = FROM_STORED[t.dtype];
  if (convert) return convert(t);
  return { dtype: t.dtype, shape: [...t.shape], data: t.data as RtNumeric | string[] };
}

/** Converts an interpreter value to a tensor of `dtype` (the declared output type). */
export function toTensor(v: RtValue, dtype: DType = v.dtype): Tensor {
  const shape = [...v.shape];
  if (v.dtype === 'string') return { dtype: 'string', shape, data: v.data as string[] };
  const data = v.data as RtNumeric;
  if (dtype === 'float16') {
    const f = data instanceof Float32Array ? data : Float32Array.from(data);
    return { dtype, shape, data: float32ArrayToFloat16(f) };
  }
  if (dtype === 'float64') return { dtype, shape, data: Float64Array.from(data) };
  if (dtype === 'int64') {
    const out = new BigInt64Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = BigInt(Math.trunc(data[i]!));
    return { dtype, shape, data: out };
  }
  const ctor = STORAGE[dtype];
  if (!ctor) throw new ToolError('RUNTIME', `cannot return a value as dtype ${dtype}`);
  if (data instanceof ctor) return { dtype, shape, data } as Tensor;
  const out = new ctor(data.length);
  out.set(data);
  return { dtype, shape, data: out } as Tensor;
}

/** The interpreter dtype a declared dtype is computed in. */
export function computeDType(dtype: DType): DType {
  return NARROWED[dtype] ?? dtype;
}

/** Rounds a float value to fp16 in place when its declared type is float16. */
export function settleFloat16(v: RtValue): void {
  if (v.dtype === 'float16' && v.data instanceof Float32Array) roundToFloat16InPlace(v.data);
}

/**
 * A MIL list (make_list …) while a program runs: tensors of one dtype, each of
 * `elementShape` once that is known. Lists are values: list_write returns a new
 * list and leaves the one it read unchanged. An element never written reads as zeros.
 */
export interface RtList {
  readonly items: readonly (RtNumericValue | undefined)[];
  /** Undefined until the first write when make_list left elem_shape out. */
  readonly elementShape: readonly number[] | undefined;
  /** Whether a write past the end grows the list (make_list's dynamic_length). */
  readonly dynamic: boolean;
}

/** A list value: `dtype` is the elements' dtype and `shape` [length]; it has no numeric data of its own. */
export interface RtListValue extends RtValue {
  readonly list: RtList;
}

export function isListValue(v: RtValue): v is RtListValue {
  return (v as Partial<RtListValue>).list !== undefined;
}

export function makeListValue(dtype: DType, list: RtList): RtListValue {
  return { dtype, shape: [list.items.length], data: new Uint8Array(0), list };
}
