import { allocStorage, type DType, type DTypeStorage, type TensorData } from './dtype.js';

/**
 * A dense, row-major tensor. The data lives in the typed array named by
 * `DTypeStorage[dtype]`; it may be a view into a larger buffer (e.g. the bytes
 * of a model file), so treat it as read-only unless you allocated it.
 */
export interface Tensor<D extends DType = DType> {
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly data: DTypeStorage[D];
}

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function makeTensor<D extends DType>(dtype: D, shape: readonly number[], data?: DTypeStorage[D]): Tensor<D> {
  const n = elementCount(shape);
  const storage = data ?? allocStorage(dtype, n);
  if (storage.length !== n) {
    throw new RangeError(`tensor of shape [${shape.join(',')}] needs ${n} elements, got ${storage.length}`);
  }
  return { dtype, shape: [...shape], data: storage };
}

/** Row-major strides of a shape, in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** Reads element i as a JS number (bigint and bool included); strings are not numeric. */
export function numberAt(data: TensorData, i: number): number {
  const v = data[i];
  return typeof v === 'bigint' ? Number(v) : (v as number);
}

/** Copies numeric tensor data into a plain number list; only for small tensors such as shapes and axes. */
export function toNumberList(t: Tensor): number[] {
  if (t.dtype === 'string') throw new TypeError('string tensor has no numeric values');
  const out = new Array<number>(t.data.length);
  for (let i = 0; i < t.data.length; i++) out[i] = numberAt(t.data, i);
  return out;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}
