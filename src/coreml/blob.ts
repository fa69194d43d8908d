import { closeSync, openSync, writeSync } from 'node:fs';
import { ModelInputError } from '../errors.js';
import { allocStorage, type DType, type DTypeStorage, type NumericTypedArray } from '../tensor/dtype.js';
import { isOnDemand, onDemandTensor, releaseOnDemand } from '../tensor/on-demand.js';
import { elementCount, makeTensor, type Tensor } from '../tensor/tensor.js';
import { blobDataTypeCode, dtypeFromBlobDataType, subByteBits } from './dtypes.js';
import { packSubByte, subBytePaddingBits, unpackSubByte, type SubByteStorage } from './subbyte.js';

/**
 * Core ML's MIL weight file, blob storage version 2: a 64-byte header
 * (count, version), then per blob a 64-byte metadata record at a 64-byte aligned
 * offset followed by the data. Constants refer to a blob by the offset of its
 * metadata record. All integers are little-endian.
 */

const BLOB_STORAGE_VERSION = 2;
const BLOB_ALIGNMENT = 64;
const BLOB_HEADER_SIZE = 64;
const BLOB_METADATA_SIZE = 64;
const BLOB_SENTINEL = 0xdeadbeef;

/** One metadata record as stored in the file. */
export interface BlobMetadata {
  /** Offset of the record itself (what `BlobFileValue.offset` holds). */
  metadataOffset: number;
  dtype: DType;
  sizeInBytes: number;
  /** Absolute file offset of the data. */
  dataOffset: number;
  paddingBits: number;
}

function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

function encodeHeader(count: number): Uint8Array {
  const header = new Uint8Array(BLOB_HEADER_SIZE);
  const view = new DataView(header.buffer);
  view.setUint32(0, count, true);
  view.setUint32(4, BLOB_STORAGE_VERSION, true);
  return header; // reserved fields stay zero
}

/** Little-endian bytes of a tensor as a blob stores them: a view for whole-byte types, packed for sub-byte types. */
function blobBytesOf(tensor: Tensor): { bytes: Uint8Array; paddingBits: number } {
  if (subByteBits(tensor.dtype) !== undefined) {
    const data = tensor.data as SubByteStorage;
    return { bytes: packSubByte(tensor.dtype, data), paddingBits: subBytePaddingBits(tensor.dtype, data.length) };
  }
  const data = tensor.data as NumericTypedArray;
  return { bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), paddingBits: 0 };
}

/**
 * Appends blobs to a weight file with positional writes, one blob at a time, so
 * memory never holds more than the blob being written. The header count is
 * rewritten on `close()`. A tensor whose data array was already written is not
 * written twice: its first offset is returned again.
 */
export class BlobFileWriter {
  readonly path: string;
  private fd: number | undefined;
  private end = BLOB_HEADER_SIZE;
  private count = 0;
  private readonly written = new WeakMap<object, Map<DType, number>>();

  constructor(path: string) {
    this.path = path;
    this.fd = openSync(path, 'w');
    this.writeAt(encodeHeader(0), 0);
  }

  /** Number of blobs appended so far. */
  get blobCount(): number {
    return this.count;
  }

  /** File size so far (the file has no trailing padding). */
  get sizeBytes(): number {
    return this.end;
  }

  /**
   * Writes one tensor as a blob and returns the offset of its metadata record.
   * A tensor made on demand is known by itself rather than by its data, which
   * it lets go of once written.
   */
  appendTensor(tensor: Tensor): number {
    const code = blobDataTypeCode(tensor.dtype);
    if (code === undefined) throw new TypeError(`dtype ${tensor.dtype} cannot be stored in a weight blob`);
    const key: object = isOnDemand(tensor) ? tensor : tensor.data;
    const seen = this.written.get(key)?.get(tensor.dtype);
    if (seen !== undefined) return seen;
    const { bytes, paddingBits } = blobBytesOf(tensor);
    const offset = this.appendBytes(code, bytes, paddingBits);
    releaseOnDemand(tensor);
    const byDType = this.written.get(key) ?? new Map<DType, number>();
    byDType.set(tensor.dtype, offset);
    this.written.set(key, byDType);
    return offset;
  }

  /** Writes raw blob bytes with a BlobDataType code; returns the metadata offset. */
  appendBytes(blobDataType: number, data: Uint8Array, paddingBits = 0): number {
    const metadataOffset = alignUp(this.end, BLOB_ALIGNMENT);
    const gap = metadataOffset - this.end;
    // Alignment padding and the metadata record go out as one small write.
    const record = new Uint8Array(gap + BLOB_METADATA_SIZE);
    const view = new DataView(record.buffer, gap);
    const dataOffset = metadataOffset + BLOB_METADATA_SIZE;
    view.setUint32(0, BLOB_SENTINEL, true);
    view.setUint32(4, blobDataType, true);
    view.setBigUint64(8, BigInt(data.byteLength), true);
    view.setBigUint64(16, BigInt(dataOffset), true);
    view.setBigUint64(24, BigInt(paddingBits), true);
    this.writeAt(record, this.end);
    this.writeAt(data, dataOffset);
    this.end = dataOffset + data.byteLength;
    this.count += 1;
    return metadataOffset;
  }

  /** Rewrites the header with the final count and closes the file. */
  close(): { count: number; sizeBytes: number } {
    if (this.fd !== undefined) {
      this.writeAt(encodeHeader(this.count), 0);
      closeSync(this.fd);
      this.fd = undefined;
    }
    return { count: this.count, sizeBytes: this.end };
  }

  /** Closes the file without finishing it (after a failure). */
  abandon(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private writeAt(bytes: Uint8Array, position: number): void {
    if (this.fd === undefined) throw new Error(`weight file ${this.path} is already closed`);
    let done = 0;
    while (done < bytes.byteLength) {
      done += writeSync(this.fd, bytes, done, bytes.byteLength - done, position + done);
    }
  }
}

const ELEMENT_BYTES: Partial<Record<DType, number>> = {
  float16: 2, bfloat16: 2, float32: 4, uint8: 1, int8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4,
};

/** Where a weight file's bytes come from: all held in memory, or read range by range from disk. */
export interface BlobBytes {
  readonly byteLength: number;
  /** The `length` bytes at `offset`, which the reader has checked lie inside the file. */
  range(offset: number, length: number): Uint8Array;
  /** Whether `range` reads the disk: the reader then loads each blob's data only when it is first read. */
  readonly onDemand: boolean;
}

/** A weight file held in memory: ranges are views into it. */
export function bytesInMemory(bytes: Uint8Array): BlobBytes {
  return { byteLength: bytes.byteLength, range: (offset, length) => bytes.subarray(offset, offset + length), onDemand: false };
}

/**
 * Reads blobs out of a weight file, validating every field a hostile or
 * corrupt file could get wrong. From a file held in memory, returned tensors
 * are views into its bytes when the data is aligned for its element type,
 * copies otherwise; from a file read on demand, each tensor reads its own
 * bytes when its data is first asked for (see tensor/on-demand.ts).
 */
export class BlobFileReader {
  readonly file: string;
  readonly count: number;
  private readonly source: BlobBytes;

  constructor(bytes: Uint8Array | BlobBytes, file: string) {
    this.file = file;
    this.source = bytes instanceof Uint8Array ? bytesInMemory(bytes) : bytes;
    if (this.source.byteLength < BLOB_HEADER_SIZE) this.fail(`weight file is ${this.source.byteLength} bytes, shorter than its 64-byte header`);
    const header = this.record(0, BLOB_HEADER_SIZE);
    const version = header.getUint32(4, true);
    if (version !== BLOB_STORAGE_VERSION) this.fail(`weight file has storage version ${version}, expected ${BLOB_STORAGE_VERSION}`);
    this.count = header.getUint32(0, true);
  }

  /** Decodes and validates the metadata record at `offset`. */
  metadata(offset: number): BlobMetadata {
    const fileBytes = this.source.byteLength;
    if (!Number.isSafeInteger(offset) || offset < BLOB_HEADER_SIZE || offset + BLOB_METADATA_SIZE > fileBytes) {
      this.fail(`blob offset ${offset} is outside the weight file (${fileBytes} bytes)`);
    }
    const view = this.record(offset, BLOB_METADATA_SIZE);
    const sentinel = view.getUint32(0, true);
    if (sentinel !== BLOB_SENTINEL) this.fail(`invalid sentinel 0x${sentinel.toString(16)} in blob metadata at offset ${offset}`);
    const code = view.getUint32(4, true);
    const dtype = dtypeFromBlobDataType(code);
    if (dtype === undefined) this.fail(`unknown blob data type ${code} at offset ${offset}`);
    const sizeInBytes = this.u64(view, 8, offset);
    const dataOffset = this.u64(view, 16, offset);
    const paddingBits = this.u64(view, 24, offset);
    if (dataOffset < offset + BLOB_METADATA_SIZE || dataOffset + sizeInBytes > fileBytes) {
      this.fail(`blob at offset ${offset} claims ${sizeInBytes} bytes at ${dataOffset}, beyond the weight file (${fileBytes} bytes)`);
    }
    if (paddingBits >= 8) this.fail(`blob at offset ${offset} has padding of ${paddingBits} bits (must be < 8)`);
    return { metadataOffset: offset, dtype, sizeInBytes, dataOffset, paddingBits };
  }

  /** Every metadata record, walking `count` records from the header on. */
  entries(): BlobMetadata[] {
    const out: BlobMetadata[] = [];
    let offset = BLOB_HEADER_SIZE;
    for (let i = 0; i < this.count; i++) {
      const meta = this.metadata(offset);
      out.push(meta);
      offset = alignUp(meta.dataOffset + meta.sizeInBytes, BLOB_ALIGNMENT);
    }
    return out;
  }

  /** The blob at `offset` as a tensor of `dtype` and `shape`; both must agree with the record. */
  read(offset: number, dtype: DType, shape: readonly number[]): Tensor {
    const meta = this.metadata(offset);
    if (meta.dtype !== dtype) this.fail(`blob at offset ${offset} holds ${meta.dtype}, but the model asks for ${dtype}`);
    const count = elementCount(shape);
    const bits = subByteBits(dtype);
    const expected = bits !== undefined ? Math.ceil((count * bits) / 8) : count * ELEMENT_BYTES[dtype]!;
    if (meta.sizeInBytes !== expected) {
      this.fail(`blob at offset ${offset} has ${meta.sizeInBytes} bytes, but ${dtype} [${shape.join(', ')}] needs ${expected}`);
    }
    const load = (): DTypeStorage[DType] => {
      const raw = this.source.range(meta.dataOffset, meta.sizeInBytes);
      return (bits !== undefined ? unpackSubByte(dtype, raw, count) : typedArrayOver(dtype, raw, count)) as DTypeStorage[DType];
    };
    return this.source.onDemand ? onDemandTensor(dtype, shape, load) : makeTensor(dtype, shape, load());
  }

  /** A view of the `length` bytes at `offset` (a header or metadata record). */
  private record(offset: number, length: number): DataView {
    const bytes = this.source.range(offset, length);
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private u64(view: DataView, at: number, recordOffset: number): number {
    const v = view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`blob field at byte ${recordOffset + at} is too large (${v})`);
    return Number(v);
  }

  private fail(message: string): never {
    throw new ModelInputError('INVALID_PACKAGE', message, { file: this.file });
  }
}

/** A typed array of `dtype` over `raw`: a view when aligned, else a copy. */
function typedArrayOver(dtype: DType, raw: Uint8Array, count: number): NumericTypedArray {
  const storage = allocStorage(dtype, 0) as NumericTypedArray;
  const ctor = storage.constructor as new (buffer: ArrayBufferLike, byteOffset: number, length: number) => NumericTypedArray;
  const width = ELEMENT_BYTES[dtype]!;
  if (raw.byteOffset % width === 0) return new ctor(raw.buffer, raw.byteOffset, count);
  const copy = allocStorage(dtype, count) as NumericTypedArray;
  new Uint8Array(copy.buffer).set(raw);
  return copy;
}
