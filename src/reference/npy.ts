import { ToolError } from '../errors.js';
import type { DType, NumericTypedArray } from '../tensor/dtype.js';
import { elementCount, makeTensor, type Tensor } from '../tensor/tensor.js';

/**
 * Reader for numpy's .npy format (versions 1, 2 and 3): the magic "\x93NUMPY", a
 * version, a header length (u16 in v1, u32 after), and a Python dict literal
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` padded with spaces,
 * then the raw row-major elements.
 */

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

interface NpyKind {
  dtype: DType;
  itemSize: number;
  view: (buffer: ArrayBuffer, n: number) => NumericTypedArray;
}

/** numpy type code (kind + item size) → our dtype and storage. fp16 stays as bit patterns. */
const NPY_KINDS: Readonly<Record<string, NpyKind>> = {
  f2: { dtype: 'float16', itemSize: 2, view: (b, n) => new Uint16Array(b, 0, n) },
  f4: { dtype: 'float32', itemSize: 4, view: (b, n) => new Float32Array(b, 0, n) },
  f8: { dtype: 'float64', itemSize: 8, view: (b, n) => new Float64Array(b, 0, n) },
  i1: { dtype: 'int8', itemSize: 1, view: (b, n) => new Int8Array(b, 0, n) },
  i2: { dtype: 'int16', itemSize: 2, view: (b, n) => new Int16Array(b, 0, n) },
  i4: { dtype: 'int32', itemSize: 4, view: (b, n) => new Int32Array(b, 0, n) },
  i8: { dtype: 'int64', itemSize: 8, view: (b, n) => new BigInt64Array(b, 0, n) },
  u1: { dtype: 'uint8', itemSize: 1, view: (b, n) => new Uint8Array(b, 0, n) },
  u2: { dtype: 'uint16', itemSize: 2, view: (b, n) => new Uint16Array(b, 0, n) },
  u4: { dtype: 'uint32', itemSize: 4, view: (b, n) => new Uint32Array(b, 0, n) },
  u8: { dtype: 'uint64', itemSize: 8, view: (b, n) => new BigUint64Array(b, 0, n) },
  b1: { dtype: 'bool', itemSize: 1, view: (b, n) => new Uint8Array(b, 0, n) },
};

export interface NpyHeader {
  kind: NpyKind;
  bigEndian: boolean;
  shape: number[];
  dataOffset: number;
}

/** Parses one .npy file's bytes into a tensor. `file` names the source in errors. */
export function parseNpy(bytes: Uint8Array, file: string): Tensor {
  const header = parseNpyHeader(bytes, file);
  const n = elementCount(header.shape);
  const byteLength = n * header.kind.itemSize;
  if (!Number.isSafeInteger(byteLength) || header.dataOffset + byteLength > bytes.length) {
    throw new ToolError(
      'TRUNCATED',
      `.npy data for shape (${header.shape.join(', ')}) needs ${byteLength} bytes, the file has ${bytes.length - header.dataOffset}`,
      { file },
    );
  }
  // Copy into a fresh buffer: the source may be unaligned for the element type, and it is swapped in place.
  const copy = bytes.slice(header.dataOffset, header.dataOffset + byteLength);
  if (header.bigEndian && header.kind.itemSize > 1) swapBytes(copy, header.kind.itemSize);
  const data = header.kind.view(copy.buffer, n);
  if (header.kind.dtype === 'bool') normalizeBool(data as Uint8Array);
  return makeTensor(header.kind.dtype, header.shape, data);
}

function parseNpyHeader(bytes: Uint8Array, file: string): NpyHeader {
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) {
    throw new ToolError('MALFORMED', 'not a .npy file (missing the \\x93NUMPY magic)', { file });
  }
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major !== 1 && major !== 2 && major !== 3) {
    throw new ToolError('UNSUPPORTED_FEATURE', `.npy format version ${major} is not supported (1, 2 or 3)`, { file });
  }
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) throw new ToolError('TRUNCATED', '.npy header is cut short', { file });
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lengthBytes;
  if (start + headerLength > bytes.length) throw new ToolError('TRUNCATED', '.npy header is cut short', { file });
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLength));
  return { ...parseHeaderDict(text, file), dataOffset: start + headerLength };
}

function parseHeaderDict(text: string, file: string): Omit<NpyHeader, 'dataOffset'> {
  const descr = /['"]descr['"]\s*:\s*['"]([<>|=])([a-z])(\d+)['"]/.exec(text);
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !fortran || !shape) {
    throw new ToolError('MALFORMED', `.npy header is not a dict with descr, fortran_order and shape: ${JSON.stringify(text.trim())}`, { file });
  }
  const code = `${descr[2]}${descr[3]}`;
  const kind = NPY_KINDS[code];
  if (!kind) {
    throw new ToolError('UNSUPPORTED_FEATURE', `.npy dtype '${descr[1]}${code}' is not supported (f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1)`, { file });
  }
  if (fortran[1] === 'True') {
    throw new ToolError('UNSUPPORTED_FEATURE', '.npy array is in Fortran (column-major) order; save it with np.ascontiguousarray', { file });
  }
  return { kind, bigEndian: descr[1] === '>', shape: parseShape(shape[1]!, file) };
}

function parseShape(inner: string, file: string): number[] {
  const parts = inner.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return parts.map((p) => {
    const d = Number(p.replace(/L$/, ''));
    if (!Number.isSafeInteger(d) || d < 0) throw new ToolError('MALFORMED', `.npy shape has an invalid dimension "${p}"`, { file });
    return d;
  });
}

function swapBytes(bytes: Uint8Array, width: number): void {
  for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
}

/** numpy writes bool as 0/1 bytes, but any non-zero byte means true. */
function normalizeBool(data: Uint8Array): void {
  for (let i = 0; i < data.length; i++) data[i] = data[i] !== 0 ? 1 : 0;
}
