import { readRegularFile } from '../safe-file.js';
import { ModelInputError } from '../errors.js';
import { onnx } from '../gen/onnx.js';
import { packedByteLength, type DType, type TensorData } from '../tensor/dtype.js';
import { onDemandTensor } from '../tensor/on-demand.js';
import type { Tensor } from '../tensor/tensor.js';
import { dtypeOfOnnxType, onnxTypeName, onnxTypeOfDType } from './data-type.js';
import { checkedElementCount, DEFAULT_ONNX_LIMITS, ElementBudget } from './limits.js';
import { asBuffer, decodeProtoSafely } from './proto-decode.js';
import { bytesToString, int64ToBigInt, uint64ToBigInt, type ProtoInt64 } from './proto-values.js';
import { readPayload, writePayload } from './tensor-payload.js';

/** Reads the payload of an external tensor: exactly `expectedBytes` bytes or a typed error. */
export type ExternalDataReader = (proto: onnx.ITensorProto, expectedBytes: number, what: string) => Uint8Array;

export interface TensorProtoContext {
  /** File named in errors. */
  file: string;
  /** Charged with every tensor's element count before its data is touched. */
  budget: ElementBudget;
  /** Resolves data_location = EXTERNAL; without it external tensors are refused. */
  readExternal?: ExternalDataReader;
  /** How to name the tensor in errors when it has no name of its own. */
  label?: string;
  /** Copy raw_data out of the bytes decoded, so those can be freed (see DecodeOnnxOptions.ownData). */
  ownData?: boolean;
  /** Where large raw_data is read again from when first used, instead of being held. */
  rawData?: RawDataSource;
}

/**
 * The file a model's bytes were decoded from, for raw_data read on demand:
 * `decoded` is what is being decoded (raw_data's offset in it is its offset in
 * the file), `read` reads a range of the file again.
 */
export interface RawDataSource {
  readonly decoded: Uint8Array;
  read(offset: number, length: number): Uint8Array;
}

/** raw_data below this size is held as it is decoded: small constants are read over and over by shape inference and folding. */
const ON_DEMAND_MIN_BYTES = 64 * 1024;

/** One ONNX typed value field: which dtypes it carries and how its values become typed arrays. */
interface FieldReader {
  readonly field: 'floatData' | 'doubleData' | 'int32Data' | 'int64Data' | 'uint64Data' | 'stringData';
  readonly fieldName: string;
  readonly read: (values: readonly unknown[], dtype: DType, n: number) => TensorData;
}

const int32Field = (read: (v: readonly number[]) => TensorData): FieldReader => ({
  field: 'int32Data',
  fieldName: 'int32_data',
  read: (v) => read(v as number[]),
});

/** int32_data holds the packed bytes of sub-byte types, one byte per value. */
const packedInt32Field: FieldReader = {
  field: 'int32Data',
  fieldName: 'int32_data',
  read: (v, dtype, n) => readPayload(dtype, Uint8Array.from(v as number[]), n),
};

const FIELD_READERS: Readonly<Partial<Record<DType, FieldReader>>> = {
  float32: { field: 'floatData', fieldName: 'float_data', read: (v) => Float32Array.from(v as number[]) },
  float64: { field: 'doubleData', fieldName: 'double_data', read: (v) => Float64Array.from(v as number[]) },
  int32: int32Field((v) => Int32Array.from(v)),
  int16: int32Field((v) => Int16Array.from(v)),
  int8: int32Field((v) => Int8Array.from(v)),
  uint16: int32Field((v) => Uint16Array.from(v)),
  uint8: int32Field((v) => Uint8Array.from(v)),
  bool: int32Field((v) => Uint8Array.from(v, (x) => (x !== 0 ? 1 : 0))),
  float16: int32Field((v) => Uint16Array.from(v)),
  bfloat16: int32Field((v) => Uint16Array.from(v)),
  int4: packedInt32Field,
  uint4: packedInt32Field,
  uint2: packedInt32Field,
  int64: {
    field: 'int64Data',
    fieldName: 'int64_data',
    read: (v) => BigInt64Array.from(v as ProtoInt64[], int64ToBigInt),
  },
  uint32: { field: 'uint64Data', fieldName: 'uint64_data', read: (v) => Uint32Array.from(v as ProtoInt64[], (x) => Number(uint64ToBigInt(x))) },
  uint64: { field: 'uint64Data', fieldName: 'uint64_data', read: (v) => BigUint64Array.from(v as ProtoInt64[], uint64ToBigInt) },
  string: { field: 'stringData', fieldName: 'string_data', read: (v) => (v as Uint8Array[]).map(bytesToString) },
};

/** How many values the typed field must hold: sub-byte types count packed bytes. */
function fieldValueCount(dtype: DType, n: number): number {
  return dtype === 'int4' || dtype === 'uint4' || dtype === 'uint2' ? packedByteLength(dtype, n) : n;
}

function describeTensor(proto: onnx.ITensorProto, label: string | undefined): string {
  return proto.name ? `tensor "${proto.name}"` : (label ?? 'an unnamed tensor');
}

/**
 * Turns a decoded TensorProto into a Tensor. The declared shape is checked
 * (BigInt element count, caps, exact payload size) before any allocation;
 * raw_data becomes a view into the file buffer when its offset is aligned.
 */
export function tensorFromProto(proto: onnx.ITensorProto, ctx: TensorProtoContext): Tensor {
  const what = describeTensor(proto, ctx.label);
  const code = proto.dataType ?? 0;
  const dtype = dtypeOfOnnxType(code);
  if (dtype === undefined) {
    const problem = code === 0 ? 'has no data type' : `has element type ${onnxTypeName(code)}, which this tool does not support`;
    throw new ModelInputError(code === 0 ? 'MALFORMED' : 'UNSUPPORTED_FEATURE', `${what} ${problem}`, { file: ctx.file });
  }
  const dims = (proto.dims ?? []).map(int64ToBigInt);
  const count = checkedElementCount(dims, what, ctx.file);
  ctx.budget.charge(count, what);
  const n = Number(count);
  const shape = dims.map(Number);
  const load = rawDataOnDemand(proto, dtype, n, what, ctx);
  if (load) return onDemandTensor(dtype, shape, load as () => Tensor['data']);
  return { dtype, shape, data: readTensorData(proto, dtype, n, what, ctx) } as Tensor;
}

/**
 * For large raw_data decoded from a file that can be read again: a loader that
 * reads it from the file, so the model holds none of it until it is used (see
 * tensor/on-demand.ts). The loader keeps only numbers, never the decoded bytes.
 */
function rawDataOnDemand(proto: onnx.ITensorProto, dtype: DType, n: number, what: string, ctx: TensorProtoContext): (() => TensorData) | undefined {
  const source = ctx.rawData;
  const raw = proto.rawData;
  if (!source || !raw || raw.length < ON_DEMAND_MIN_BYTES || dtype === 'string' || raw.buffer !== source.decoded.buffer) return undefined;
  checkSingleValueField(proto, what, ctx.file);
  const length = raw.length;
  // A size that does not match is reported by readTensorData.
  if (length !== packedByteLength(dtype, n)) return undefined;
  const offset = raw.byteOffset - source.decoded.byteOffset;
  const read = source.read;
  return () => readPayload(dtype, read(offset, length), n);
}

const VALUE_FIELDS = [
  ['rawData', 'raw_data'],
  ['floatData', 'float_data'],
  ['int32Data', 'int32_data'],
  ['stringData', 'string_data'],
  ['int64Data', 'int64_data'],
  ['doubleData', 'double_data'],
  ['uint64Data', 'uint64_data'],
] as const;

/** ONNX allows one value field per tensor; with two, which one a reader uses is up to the reader, so refuse. */
function checkSingleValueField(proto: onnx.ITensorProto, what: string, file: string): void {
  const present: string[] = VALUE_FIELDS.filter(([field]) => (proto[field]?.length ?? 0) > 0).map(([, name]) => name);
  if (proto.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) present.push('external data');
  if (present.length > 1) {
    throw new ModelInputError('MALFORMED', `${what} sets more than one value field (${present.join(', ')}); ONNX allows exactly one`, { file });
  }
}

function readTensorData(proto: onnx.ITensorProto, dtype: DType, n: number, what: string, ctx: TensorProtoContext): TensorData {
  checkSingleValueField(proto, what, ctx.file);
  if (proto.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    if (dtype === 'string') throw new ModelInputError('MALFORMED', `${what} is a string tensor stored as external data`, { file: ctx.file });
    if (!ctx.readExternal) {
      throw new ModelInputError('EXTERNAL_DATA', `${what} keeps its data in an external file, which is not allowed here`, { file: ctx.file });
    }
    const expected = packedByteLength(dtype, n);
    return readPayload(dtype, ctx.readExternal(proto, expected, what), n);
  }
  const raw = proto.rawData;
  if (raw && raw.length > 0) {
    if (dtype === 'string') throw new ModelInputError('MALFORMED', `${what} is a string tensor with raw_data`, { file: ctx.file });
    const expected = packedByteLength(dtype, n);
    if (raw.length !== expected) {
      throw new ModelInputError(
        'MALFORMED',
        `${what} has ${raw.length} bytes of raw_data, but its type and shape need exactly ${expected}`,
        { file: ctx.file },
      );
    }
    return readPayload(dtype, ctx.ownData ? copyOf(raw) : raw, n);
  }
  return readTypedField(proto, dtype, n, what, ctx.file);
}

/**
 * A copy of raw_data (a Buffer, whose slice() is a view). Allocated and then set:
 * `new Uint8Array(buffer)` copies a Buffer several times slower.
 */
function copyOf(raw: Uint8Array): Uint8Array {
  const copy = new Uint8Array(raw.length);
  copy.set(raw);
  return copy;
}

function readTypedField(proto: onnx.ITensorProto, dtype: DType, n: number, what: string, file: string): TensorData {
  const reader = FIELD_READERS[dtype];
  if (!reader) throw new ModelInputError('UNSUPPORTED_FEATURE', `${what} of type ${dtype} cannot be read from typed fields`, { file });
  const values = (proto[reader.field] ?? []) as readonly unknown[];
  const expected = fieldValueCount(dtype, n);
  if (values.length !== expected) {
    const problem = values.length === 0 ? 'has no data' : `has ${values.length} values in ${reader.fieldName}`;
    throw new ModelInputError('MALFORMED', `${what} ${problem}, but its shape needs ${expected}`, { file });
  }
  return reader.read(values, dtype, n);
}

/** TensorProto fields for a tensor: raw_data for numbers (no copy when unpacked), string_data for strings. */
export function tensorToProto(name: string, tensor: Tensor): onnx.ITensorProto {
  const code = onnxTypeOfDType(tensor.dtype);
  if (code === undefined) throw new TypeError(`tensor "${name}": ONNX cannot store element type ${tensor.dtype}`);
  const proto: onnx.ITensorProto = { name, dataType: code, dims: [...tensor.shape] };
  if (tensor.dtype === 'string') {
    const encoder = new TextEncoder();
    proto.stringData = (tensor.data as string[]).map((s) => encoder.encode(s));
  } else if (tensor.data.length > 0) {
    proto.rawData = writePayload(tensor.dtype, tensor.data);
  }
  return proto;
}

/** One serialized TensorProto, as in ONNX test data (test_data_set_N/input_K.pb). */
export function encodeTensorProto(name: string, tensor: Tensor): Uint8Array {
  return onnx.TensorProto.encode(tensorToProto(name, tensor)).finish();
}

/**
 * Decodes one serialized TensorProto (not a model). `source` names the bytes in
 * errors. Default limits apply; external data is refused, since a lone tensor
 * file has no model folder to resolve it against.
 */
export function decodeTensorProto(bytes: Uint8Array, source = 'tensor'): { name: string; tensor: Tensor } {
  const proto = decodeProtoSafely((r) => onnx.TensorProto.decode(r), asBuffer(bytes), source, 'tensor', DEFAULT_ONNX_LIMITS.maxDecodeWork);
  const tensor = tensorFromProto(proto, { file: source, budget: new ElementBudget(DEFAULT_ONNX_LIMITS, source) });
  return { name: proto.name ?? '', tensor };
}

/**
 * Reads a .pb file holding one TensorProto (e.g. test_data_set_0/output_0.pb)
 * through the safe opener; `within` is the folder its real path must stay in
 * (default: its own folder).
 */
export async function readTensorProtoFile(path: string, within?: string): Promise<{ name: string; tensor: Tensor }> {
  const bytes = await readRegularFile(path, {
    what: 'the tensor file',
    maxBytes: DEFAULT_ONNX_LIMITS.maxFileBytes,
    code: 'REFERENCE',
    ...(within === undefined ? {} : { within }),
  });
  return decodeTensorProto(bytes, path);
}
