import Long from 'long';
import { ModelInputError } from '../errors.js';
import { CoreML } from '../gen/coreml.js';
import type { MilTensorType } from '../mil/ir.js';
import { allocStorage, type DType, type DTypeStorage, type NumericTypedArray, type TensorData } from '../tensor/dtype.js';
import { float32ToFloat16Bits } from '../tensor/fp16.js';
import { elementCount, makeTensor, type Tensor } from '../tensor/tensor.js';
import { dtypeFromMilDataType, milDataTypeCode, subByteBits } from './dtypes.js';
import { packSubByte, unpackSubByte, type SubByteStorage } from './subbyte.js';

/**
 * Conversions between in-memory tensors/types and MIL.proto `Value`,
 * `TensorValue` and `ValueType` messages. Immediate values use the
 * `TensorValue` field Core ML's MIL parser expects for each dtype.
 */

import M = CoreML.Specification.MILSpec;

export type ValueProto = M.Value.$Properties;
export type ValueTypeProto = M.ValueType.$Properties;
export type TensorValueProto = M.TensorValue.$Properties;

type ImmediateField = 'floats' | 'doubles' | 'ints' | 'longInts' | 'bools' | 'strings' | 'bytes';

const IMMEDIATE_FIELD: Record<DType, ImmediateField> = {
  float32: 'floats',
  float64: 'doubles',
  float16: 'bytes',
  bfloat16: 'bytes',
  int32: 'ints',
  int16: 'ints',
  uint16: 'ints',
  int64: 'longInts',
  uint64: 'longInts',
  int8: 'bytes',
  uint8: 'bytes',
  uint32: 'bytes',
  int4: 'bytes',
  uint1: 'bytes',
  uint2: 'bytes',
  uint3: 'bytes',
  uint4: 'bytes',
  uint6: 'bytes',
  bool: 'bools',
  string: 'strings',
};

/** Thrown by decoders; the package reader adds the file name. */
export function invalidProgram(message: string, file: string): ModelInputError {
  return new ModelInputError('INVALID_PACKAGE', message, { file });
}

function toNumber(v: number | Long | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

function toBigInt(v: number | Long): bigint {
  return typeof v === 'number' ? BigInt(v) : BigInt(v.toString());
}

// ---------------------------------------------------------------- types

function scalarType(dtype: DType): ValueTypeProto {
  return encodeTensorType({ dtype, shape: [] });
}

/** A MIL type as a ValueType: a tensor, or the list / dictionary of scalars a classifier uses. */
export function encodeValueType(type: MilTensorType): ValueTypeProto {
  const collection = type.collection;
  if (!collection) return encodeTensorType(type);
  if (collection.kind === 'dictionary') return { dictionaryType: { keyType: scalarType(collection.keyDType), valueType: scalarType(type.dtype) } };
  const length = type.shape[0];
  const element = collection.elementShape ? encodeTensorType({ dtype: type.dtype, shape: collection.elementShape }) : scalarType(type.dtype);
  return {
    listType: {
      type: element,
      length: length === null || length === undefined ? { unknown: { variadic: false } } : { constant: { size: length } },
    },
  };
}

export function encodeTensorType(type: MilTensorType): ValueTypeProto {
  const dataType = milDataTypeCode(type.dtype);
  if (dataType === undefined) throw new TypeError(`dtype ${type.dtype} has no MIL data type`);
  return {
    tensorType: {
      dataType,
      rank: type.shape.length,
      dimensions: type.shape.map((d) => (d === null ? { unknown: { variadic: type.anyRank === true } } : { constant: { size: d } })),
    },
  };
}

function decodeScalarDType(vt: ValueTypeProto | null | undefined, what: string, file: string): DType {
  const type = decodeTensorType(vt, what, file);
  if (type.shape.length !== 0) throw invalidProgram(`${what} must be a scalar, got rank ${type.shape.length}`, file);
  return type.dtype;
}

/** A tensor, list-of-scalars or dictionary-of-scalars ValueType as a MilTensorType. */
export function decodeValueType(vt: ValueTypeProto | null | undefined, what: string, file: string): MilTensorType {
  const list = vt?.listType;
  if (list) {
    const element = decodeTensorType(list.type, `${what} (list element)`, file);
    if (element.anyRank) throw invalidProgram(`${what} is a list whose elements have no fixed rank`, file);
    const size = list.length?.constant ? toNumber(list.length.constant.size) : null;
    if (element.shape.length === 0) return { dtype: element.dtype, shape: [size], collection: { kind: 'list' } };
    return { dtype: element.dtype, shape: [size], collection: { kind: 'list', elementShape: element.shape } };
  }
  const dict = vt?.dictionaryType;
  if (dict) {
    const keyDType = decodeScalarDType(dict.keyType, `${what} (dictionary key)`, file);
    const dtype = decodeScalarDType(dict.valueType, `${what} (dictionary value)`, file);
    return { dtype, shape: [null], collection: { kind: 'dictionary', keyDType } };
  }
  return decodeTensorType(vt, what, file);
}

/** A tensor ValueType as a MilTensorType; unknown dimensions become null. */
export function decodeTensorType(vt: ValueTypeProto | null | undefined, what: string, file: string): MilTensorType {
  const tt = vt?.tensorType;
  if (!tt) throw invalidProgram(`${what} is not a tensor type (${describeValueType(vt)})`, file);
  const dtype = dtypeFromMilDataType(tt.dataType ?? 0);
  if (dtype === undefined) throw invalidProgram(`${what} has unknown data type ${tt.dataType}`, file);
  const rank = toNumber(tt.rank);
  const dims = tt.dimensions ?? [];
  if (rank < 0) throw invalidProgram(`${what} has variable rank, which is not supported`, file);
  if (dims.length !== rank) throw invalidProgram(`${what} has rank ${rank} but ${dims.length} dimensions`, file);
  const shape = dims.map((d) => (d.constant ? toNumber(d.constant.size) : null));
  // One variadic dimension stands for any number of dims: the rank is only known at run time.
  if (dims.length === 1 && dims[0]!.unknown?.variadic) return { dtype, shape, anyRank: true };
  return { dtype, shape };
}

function describeValueType(vt: ValueTypeProto | null | undefined): string {
  if (!vt) return 'missing';
  const kinds = ['tensorType', 'listType', 'tupleType', 'dictionaryType', 'stateType'] as const;
  return kinds.find((k) => vt[k]) ?? 'empty';
}

// ---------------------------------------------------------------- immediates

function numericArray(data: TensorData): NumericTypedArray {
  if (Array.isArray(data)) throw new TypeError('string data is not numeric');
  return data as NumericTypedArray;
}

function rawBytes(data: NumericTypedArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

// The generated types ask for number[]; the protobuf writer reads any array-like of
// numbers, so the typed array goes in as it is instead of being copied to a plain array.
const ENCODE_IMMEDIATE: Record<ImmediateField, (t: Tensor) => TensorValueProto> = {
  floats: (t) => ({ floats: { values: numericArray(t.data) as unknown as number[] } }),
  doubles: (t) => ({ doubles: { values: numericArray(t.data) as unknown as number[] } }),
  ints: (t) => ({ ints: { values: numericArray(t.data) as unknown as number[] } }),
  bools: (t) => ({ bools: { values: Array.from(t.data as Uint8Array, (b) => b !== 0) } }),
  strings: (t) => ({ strings: { values: [...(t.data as string[])] } }),
  longInts: (t) => ({
    longInts: { values: Array.from(t.data as BigInt64Array | BigUint64Array, (v) => Long.fromString(v.toString(), false)) },
  }),
  bytes: (t) => ({
    bytes: {
      values: subByteBits(t.dtype) !== undefined ? packSubByte(t.dtype, t.data as SubByteStorage) : rawBytes(numericArray(t.data)).slice(),
    },
  }),
};

/** The immediate TensorValue for a tensor, in the field Core ML reads for its dtype. */
export function encodeImmediate(tensor: Tensor): TensorValueProto {
  return ENCODE_IMMEDIATE[IMMEDIATE_FIELD[tensor.dtype]](tensor);
}

/** Fills dtype storage from plain numbers (lenient readers may meet a wider field than expected). */
function storageFromNumbers(dtype: DType, values: ArrayLike<number>): TensorData {
  const out = allocStorage(dtype, values.length);
  if (dtype === 'string') throw new TypeError('numbers cannot fill a string tensor');
  if (dtype === 'float16' || dtype === 'bfloat16') {
    const bits = out as Uint16Array;
    for (let i = 0; i < values.length; i++) bits[i] = float32ToFloat16Bits(values[i]!);
  } else if (dtype === 'int64' || dtype === 'uint64') {
    const big = out as BigInt64Array;
    for (let i = 0; i < values.length; i++) big[i] = BigInt(Math.trunc(values[i]!));
  } else {
    (out as Exclude<NumericTypedArray, BigInt64Array | BigUint64Array>).set(values);
  }
  return out;
}

function storageFromBytes(dtype: DType, bytes: Uint8Array, count: number, what: string, file: string): TensorData {
  if (subByteBits(dtype) !== undefined) {
    try {
      return unpackSubByte(dtype, bytes, count);
    } catch (err) {
      throw invalidProgram(`${what}: ${(err as Error).message}`, file);
    }
  }
  const out = allocStorage(dtype, count);
  if (Array.isArray(out)) throw invalidProgram(`${what}: ${dtype} cannot be stored as bytes`, file);
  const target = rawBytes(out);
  if (bytes.byteLength !== target.byteLength) {
    throw invalidProgram(`${what}: ${count} ${dtype} elements need ${target.byteLength} bytes, got ${bytes.byteLength}`, file);
  }
  target.set(bytes); // copy: the decoded bytes may be unaligned for the element type
  return out;
}

function storageFromLongs(dtype: DType, values: (number | Long)[]): TensorData {
  if (dtype === 'int64' || dtype === 'uint64') {
    const out = allocStorage(dtype, values.length);
    for (let i = 0; i < values.length; i++) out[i] = BigInt.asIntN(64, toBigInt(values[i]!));
    return out;
  }
  return storageFromNumbers(dtype, values.map(toNumber));
}

/** Decodes an immediate TensorValue into a tensor of the given dtype and shape. */
export function decodeImmediate(tv: TensorValueProto, dtype: DType, shape: readonly number[], what: string, file: string): Tensor {
  const count = elementCount(shape);
  if (dtype === 'string' && (tv.floats || tv.doubles || tv.ints || tv.bools || tv.longInts)) {
    throw invalidProgram(`${what}: numbers given for a string value`, file);
  }
  let data: TensorData;
  if (tv.bytes) data = storageFromBytes(dtype, tv.bytes.values ?? new Uint8Array(0), count, what, file);
  else if (tv.floats) data = storageFromNumbers(dtype, tv.floats.values ?? []);
  else if (tv.doubles) data = storageFromNumbers(dtype, tv.doubles.values ?? []);
  else if (tv.ints) data = storageFromNumbers(dtype, tv.ints.values ?? []);
  else if (tv.bools) data = storageFromNumbers(dtype, (tv.bools.values ?? []).map((b) => (b ? 1 : 0)));
  else if (tv.longInts) data = storageFromLongs(dtype, tv.longInts.values ?? []);
  else if (tv.strings) {
    if (dtype !== 'string') throw invalidProgram(`${what}: strings given for a ${dtype} value`, file);
    data = [...(tv.strings.values ?? [])];
  } else if (count === 0) data = allocStorage(dtype, 0);
  else throw invalidProgram(`${what}: immediate value has no data`, file);
  if (data.length !== count) {
    throw invalidProgram(`${what}: ${dtype} [${shape.join(', ')}] needs ${count} elements, got ${data.length}`, file);
  }
  return makeTensor(dtype, shape, data as DTypeStorage[DType]);
}

// ---------------------------------------------------------------- values

/** A scalar string Value, as used for op `name` attributes. */
export function stringScalarValue(s: string): ValueProto {
  return {
    type: { tensorType: { dataType: M.DataType.STRING, rank: 0, dimensions: [] } },
    immediateValue: { tensor: { strings: { values: [s] } } },
  };
}

/** The single string of a scalar string Value, or undefined when it is something else. */
export function stringOfValue(value: ValueProto | null | undefined): string | undefined {
  const strings = value?.immediateValue?.tensor?.strings?.values;
  return strings && strings.length === 1 ? strings[0] : undefined;
}

/** A list Value of scalars (how coremltools writes a classifier's class list): one scalar Value per element. */
export function listValue(tensor: Tensor): ValueProto {
  const values: ValueProto[] = [];
  for (let i = 0; i < tensor.data.length; i++) {
    const element = makeTensor(tensor.dtype, [], tensor.data.slice(i, i + 1) as DTypeStorage[DType]);
    values.push(immediateValue(element));
  }
  return { type: encodeValueType({ dtype: tensor.dtype, shape: [tensor.data.length], collection: { kind: 'list' } }), immediateValue: { list: { values } } };
}

/** A list Value of scalars as a rank-1 tensor. */
export function decodeListValue(value: ValueProto, dtype: DType, what: string, file: string): Tensor {
  const elements = (value.immediateValue?.list?.values ?? []).map((v, i) => {
    const tv = v.immediateValue?.tensor;
    if (!tv) throw invalidProgram(`${what}: list element ${i} is not a scalar`, file);
    return decodeImmediate(tv, dtype, [], `${what}[${i}]`, file);
  });
  if (dtype === 'string') return makeTensor('string', [elements.length], elements.map((t) => (t.data as string[])[0]!));
  const out = allocStorage(dtype, elements.length);
  elements.forEach((t, i) => (out as unknown as { [k: number]: unknown })[i] = (t.data as unknown as { [k: number]: unknown })[0]);
  return makeTensor(dtype, [elements.length], out);
}

/** An immediate Value holding a whole tensor. */
export function immediateValue(tensor: Tensor): ValueProto {
  return {
    type: encodeTensorType({ dtype: tensor.dtype, shape: [...tensor.shape] }),
    immediateValue: { tensor: encodeImmediate(tensor) },
  };
}

