import { milConst } from '../../mil/builder.js';
import type { MilTensorType } from '../../mil/ir.js';
import type { OnnxNode } from '../../onnx/ir.js';
import type { DType, NumericTypedArray } from '../../tensor/dtype.js';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../../tensor/fp16.js';
import { onDemandTensor, releaseOnDemand } from '../../tensor/on-demand.js';
import { makeTensor, type Tensor } from '../../tensor/tensor.js';
import { narrowConstant } from '../narrow.js';
import type { ConvertContext } from '../types.js';

/**
 * Helpers shared by the neural-network converter families: reading MIL types
 * and ONNX constants, reshaping constant tensors, and building float scalars
 * in the dtype an op's T domain requires.
 */

export function typeOfInput(ctx: ConvertContext, value: string): MilTensorType {
  return ctx.b.typeOf(value);
}

/** Static dims of a MIL value, or undefined when any dim is unknown. */
export function staticDims(t: MilTensorType): number[] | undefined {
  return t.shape.every((d): d is number => d !== null) ? (t.shape as number[]) : undefined;
}

/** A float scalar in the given float dtype (MIL T domains need it to match x). */
export function floatScalar(value: number, dtype: DType): Tensor {
  return milConst.float(value, dtype === 'float16' ? 'float16' : 'float32');
}

/** The constant behind input i, narrowed to a MIL dtype; unsupported when it is not constant. */
export function requireConstant(ctx: ConvertContext, node: OnnxNode, i: number, what: string): Tensor {
  const t = ctx.constant(node, i);
  if (!t) return ctx.unsupported(node, `${what} (input ${i}) must be a constant`);
  return narrowConstant(t, node.inputs[i] ?? what);
}

/** Float values of a constant as float32, whatever its float storage. */
export function floatValues(t: Tensor): Float32Array {
  if (t.dtype === 'float16') return Float32Array.from(t.data as Uint16Array, (bits) => float16BitsToFloat32(bits));
  if (t.dtype === 'float32') return t.data as Float32Array;
  const src = t.data as NumericTypedArray;
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = Number(src[i]!);
  return out;
}

/** A float tensor in `dtype` (float16 stored as bits) from float32 values. */
export function floatTensor(dtype: DType, shape: readonly number[], values: Float32Array): Tensor {
  if (dtype === 'float16') return makeTensor('float16', shape, Uint16Array.from(values, (v) => float32ToFloat16Bits(v)));
  return makeTensor('float32', shape, values);
}

/** Same data, another shape with the same element count. */
export function reshapeConstant(t: Tensor, shape: readonly number[]): Tensor {
  return makeTensor(t.dtype, shape, t.data);
}

/**
 * Transposes a 2-D constant; works on any numeric storage. Elements move as
 * their bits, through an integer view of their width: one loop per view type
 * keeps each monomorphic (one loop over every array type ran ten times slower),
 * and copying bits leaves every value, NaN payloads included, as it was.
 */
export function transpose2d(t: Tensor): Tensor {
  const [rows, cols] = t.shape as [number, number];
  // Made when first read and let go of by readers that are done with it (the fp16 cast, the
  // weight file writer), so a conversion does not hold a transposed copy of every weight.
  const load = (): Tensor['data'] => {
    const out = transposedData(t.data as NumericTypedArray, rows, cols) as Tensor['data'];
    releaseOnDemand(t); // a source read from the model file on demand is not held beside its transpose
    return out;
  };
  return onDemandTensor(t.dtype, [cols, rows], load, { of: t, by: 'transpose2d' });
}

function transposedData(src: NumericTypedArray, rows: number, cols: number): NumericTypedArray {
  const out = new (src.constructor as new (n: number) => NumericTypedArray)(src.length);
  const width = src.BYTES_PER_ELEMENT;
  if (width === 4) transposeWords(wordsOf(Int32Array, src), wordsOf(Int32Array, out), rows, cols);
  else if (width === 2) transposeHalfWords(wordsOf(Uint16Array, src), wordsOf(Uint16Array, out), rows, cols);
  else if (width === 1) transposeBytes(wordsOf(Uint8Array, src), wordsOf(Uint8Array, out), rows, cols);
  else transposeAny(src, out, rows, cols);
  return out;
}

function wordsOf<T>(ctor: new (buffer: ArrayBufferLike, byteOffset: number, length: number) => T, a: NumericTypedArray): T {
  return new ctor(a.buffer, a.byteOffset, a.length);
}

/** Rows and columns of the tiles transposed at a time: a tile's source rows and target rows stay in cache. */
const TILE = 64;

/* The four loops below are the same tiled transpose over different array types, kept apart so each stays monomorphic. */

function transposeWords(src: Int32Array, out: Int32Array, rows: number, cols: number): void {
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(rows, r0 + TILE);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(cols, c0 + TILE);
      for (let c = c0; c < c1; c++) for (let r = r0, o = c * rows + r0, i = r0 * cols + c; r < r1; r++, o++, i += cols) out[o] = src[i]!;
    }
  }
}

function transposeHalfWords(src: Uint16Array, out: Uint16Array, rows: number, cols: number): void {
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(rows, r0 + TILE);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(cols, c0 + TILE);
      for (let c = c0; c < c1; c++) for (let r = r0, o = c * rows + r0, i = r0 * cols + c; r < r1; r++, o++, i += cols) out[o] = src[i]!;
    }
  }
}

function transposeBytes(src: Uint8Array, out: Uint8Array, rows: number, cols: number): void {
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(rows, r0 + TILE);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(cols, c0 + TILE);
      for (let c = c0; c < c1; c++) for (let r = r0, o = c * rows + r0, i = r0 * cols + c; r < r1; r++, o++, i += cols) out[o] = src[i]!;
    }
  }
}

/** 8-byte elements (int64, float64): rare and small as 2-D constants. */
function transposeAny(src: NumericTypedArray, out: NumericTypedArray, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c]!;
}

/** ONNX pads [b0, b1, ..., e0, e1, ...] → MIL pad [b0, e0, b1, e1, ...]. */
export function onnxPadsToMil(pads: readonly number[]): number[] {
  const n = pads.length / 2;
  const out: number[] = [];
  for (let d = 0; d < n; d++) out.push(pads[d]!, pads[d + n]!);
  return out;
}

/** Reads window attributes, turning malformed ones into a user-facing unsupported error. */
export function guarded<T>(ctx: ConvertContext, node: OnnxNode, read: () => T): T {
  try {
    return read();
  } catch (err) {
    return ctx.unsupported(node, err instanceof Error ? err.message : String(err));
  }
}

/** True when the node names output i (a non-empty name). */
export function wantsOutput(node: OnnxNode, i: number): boolean {
  const name = node.outputs[i];
  return name !== undefined && name !== '';
}

export function outputName(node: OnnxNode, i = 0): string {
  return node.outputs[i] || node.name;
}
