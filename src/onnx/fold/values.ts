import { allocStorage, type DType, type TensorData } from '../../tensor/dtype.js';
import { float16ArrayToFloat32, float32ToFloat16Bits, bfloat16ArrayToFloat32 } from '../../tensor/fp16.js';
import { elementCount, makeTensor, stridesOf, type Tensor } from '../../tensor/tensor.js';
import type { OnnxNode } from '../ir.js';
import { malformed, type ConstantLookup } from '../shapes/params.js';

/**
 * Numeric helpers for constant folding. Folding only ever sees small tensors
 * (shape arithmetic, small constant subgraphs), so values are computed as
 * float64 numbers and written back in the node's dtype.
 */

/** Folded tensors above this many elements are left to the converter. */
export const MAX_FOLD_ELEMENTS = 1 << 20;

/** Thrown by an evaluator when folding is not possible or not worthwhile; the node is then converted instead. */
export class FoldSkip extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'FoldSkip';
  }
}

export function checkFoldSize(shape: readonly number[]): void {
  const n = elementCount(shape);
  if (n > MAX_FOLD_ELEMENTS) throw new FoldSkip(`result has ${n} elements`);
}

/** Element values as numbers (bool as 0/1, float16 decoded). */
export function toNumbers(t: Tensor): Float64Array {
  if (t.dtype === 'string') throw new FoldSkip('string tensors are not folded');
  if (t.dtype === 'float16') return Float64Array.from(float16ArrayToFloat32(t.data as Uint16Array));
  if (t.dtype === 'bfloat16') return Float64Array.from(bfloat16ArrayToFloat32(t.data as Uint16Array));
  const data = t.data as Exclude<TensorData, string[]>;
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Number(data[i]!);
  return out;
}

type NumberWriter = (out: TensorData, i: number, v: number) => void;

const WRITERS: Partial<Record<DType, NumberWriter>> = {
  int64: (out, i, v) => ((out as BigInt64Array)[i] = BigInt(Math.trunc(v))),
  uint64: (out, i, v) => ((out as BigUint64Array)[i] = BigInt(Math.trunc(v))),
  float16: (out, i, v) => ((out as Uint16Array)[i] = float32ToFloat16Bits(v)),
  bool: (out, i, v) => ((out as Uint8Array)[i] = v !== 0 && !Number.isNaN(v) ? 1 : 0),
};

/** Builds a tensor of `dtype` from numbers; integer targets truncate toward zero. */
export function fromNumbers(dtype: DType, shape: readonly number[], values: ArrayLike<number>): Tensor {
  if (dtype === 'string' || dtype === 'bfloat16') throw new FoldSkip(`folding to ${dtype} is not supported`);
  checkFoldSize(shape);
  const out = allocStorage(dtype, values.length);
  const write = WRITERS[dtype];
  const isFloat = dtype === 'float32' || dtype === 'float64';
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (write) write(out, i, v);
    else if (isFloat) (out as Float32Array)[i] = v;
    else {
      if (!Number.isFinite(v)) throw new FoldSkip('non-finite value cast to an integer');
      (out as Int32Array)[i] = Math.trunc(v);
    }
  }
  return makeTensor(dtype, shape, out as never);
}

/** A new tensor whose element k is element `sourceIndex[k]` of `t` (any dtype). */
export function takeElements(t: Tensor, shape: readonly number[], sourceIndex: ArrayLike<number>): Tensor {
  checkFoldSize(shape);
  const out = allocStorage(t.dtype, sourceIndex.length) as unknown as unknown[];
  const src = t.data as unknown as readonly unknown[];
  for (let k = 0; k < sourceIndex.length; k++) out[k] = src[sourceIndex[k]!];
  return makeTensor(t.dtype, shape, out as never);
}

/** NumPy broadcasting of two static shapes; undefined when incompatible. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** For each element of `outShape`, the index of the element of `inShape` broadcast onto it. */
export function broadcastIndex(inShape: readonly number[], outShape: readonly number[]): Int32Array {
  const n = elementCount(outShape);
  const offset = outShape.length - inShape.length;
  const inStrides = stridesOf(inShape);
  const outStrides = stridesOf(outShape);
  const index = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    let rem = k;
    let src = 0;
    for (let d = 0; d < outShape.length; d++) {
      const coord = Math.floor(rem / outStrides[d]!);
      rem -= coord * outStrides[d]!;
      const di = d - offset;
      if (di >= 0 && inShape[di] !== 1) src += coord * inStrides[di]!;
    }
    index[k] = src;
  }
  return index;
}

/** Row-major coordinates → flat index iterator helper for slicing/gathering by per-axis index lists. */
export function selectByAxisIndices(t: Tensor, perAxis: readonly (readonly number[])[]): Tensor {
  const shape = perAxis.map((l) => l.length);
  const strides = stridesOf(t.shape);
  const n = elementCount(shape);
  const source = new Int32Array(n);
  const coord = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let src = 0;
    for (let d = 0; d < shape.length; d++) src += perAxis[d]![coord[d]!]! * strides[d]!;
    source[k] = src;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++coord[d]! < shape[d]!) break;
      coord[d] = 0;
    }
  }
  return takeElements(t, shape, source);
}

export function int64Tensor(shape: readonly number[], values: readonly number[]): Tensor {
  return makeTensor('int64', shape, BigInt64Array.from(values.map((v) => BigInt(v))));
}

/** Broadcasts every input against the others and maps element-wise into `dtype` (the fold size is bounded). */
export function broadcastMap(node: OnnxNode, tensors: Tensor[], dtype: DType, fn: (vals: number[]) => number): Tensor {
  let shape: number[] | undefined = [];
  for (const t of tensors) shape = shape && broadcastShapes(shape, t.shape);
  if (!shape) throw malformed(node, `inputs of shapes ${tensors.map((t) => `[${t.shape.join(', ')}]`).join(', ')} do not broadcast`);
  checkFoldSize(shape);
  const values = tensors.map(toNumbers);
  const maps = tensors.map((t) => broadcastIndex(t.shape, shape!));
  const out = new Float64Array(elementCount(shape));
  const args = new Array<number>(tensors.length);
  for (let k = 0; k < out.length; k++) {
    for (let j = 0; j < tensors.length; j++) args[j] = values[j]![maps[j]![k]!]!;
    out[k] = fn(args);
  }
  return fromNumbers(dtype, shape, out);
}

/** Input i of a node being folded; a missing input is a malformed graph. */
export function need(node: OnnxNode, inputs: (Tensor | undefined)[], i: number): Tensor {
  const t = inputs[i];
  if (!t) throw malformed(node, `input ${i} is missing`);
  return t;
}

export function lookup(inputs: (Tensor | undefined)[]): ConstantLookup {
  return (i) => inputs[i];
}

export function withShape(t: Tensor, shape: readonly number[]): Tensor {
  return makeTensor(t.dtype, shape, t.data as never);
}

/** For each element of `outShape`, the flat index it reads from `inShape` through `coordOf`. */
export function gatherIndex(outShape: readonly number[], inShape: readonly number[], coordOf: (out: number[], axis: number) => number): Int32Array {
  checkFoldSize(outShape);
  const inStrides = stridesOf(inShape);
  const n = elementCount(outShape);
  const source = new Int32Array(n);
  const coord = new Array<number>(outShape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let src = 0;
    for (let d = 0; d < inShape.length; d++) src += coordOf(coord, d) * inStrides[d]!;
    source[k] = src;
    for (let d = outShape.length - 1; d >= 0; d--) {
      if (++coord[d]! < outShape[d]!) break;
      coord[d] = 0;
    }
  }
  return source;
}
