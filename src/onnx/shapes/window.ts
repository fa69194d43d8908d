import { attrInts, attrString, type OnnxDim, type OnnxNode } from '../ir.js';
import { ShapeMismatch, type InferredType } from './types.js';

/**
 * ONNX sliding-window geometry (Conv, ConvTranspose, pooling): attribute
 * defaults, auto_pad resolution and output sizes. Pads are kept in ONNX order
 * [x1_begin, x2_begin, ..., x1_end, x2_end]; converters reorder them for MIL.
 */

export type AutoPad = 'NOTSET' | 'VALID' | 'SAME_UPPER' | 'SAME_LOWER';
const AUTO_PADS: readonly string[] = ['NOTSET', 'VALID', 'SAME_UPPER', 'SAME_LOWER'];

export interface OnnxWindow {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** ONNX pads attribute (zeros when absent); meaningful for NOTSET. */
  pads: number[];
  autoPad: AutoPad;
}

export function readAutoPad(node: OnnxNode): AutoPad {
  const p = attrString(node, 'auto_pad', 'NOTSET');
  // Older exporters wrote an empty string for NOTSET.
  if (p === '') return 'NOTSET';
  if (!AUTO_PADS.includes(p)) throw new Error(`unknown auto_pad "${p}"`);
  return p as AutoPad;
}

/**
 * Reads window attributes; `kernel` falls back to the given kernel (e.g. from
 * the weight shape). A kernel_shape that contradicts the weight is refused:
 * ONNX Runtime refuses it too, and the output size would depend on which of
 * the two a reader believes.
 */
export function readWindow(node: OnnxNode, spatial: number, kernelFallback?: readonly number[]): OnnxWindow {
  const declared = attrInts(node, 'kernel_shape');
  const kernel = declared ?? (kernelFallback ? [...kernelFallback] : undefined);
  if (!kernel || kernel.length !== spatial) throw new Error(`kernel_shape must have ${spatial} entries`);
  if (declared && kernelFallback && !declared.every((k, d) => k === kernelFallback[d])) {
    throw new ShapeMismatch(`kernel_shape [${declared.join(', ')}] does not match the weight's spatial dims [${kernelFallback.join(', ')}]`);
  }
  const strides = attrInts(node, 'strides') ?? new Array<number>(spatial).fill(1);
  const dilations = attrInts(node, 'dilations') ?? new Array<number>(spatial).fill(1);
  const pads = attrInts(node, 'pads') ?? new Array<number>(2 * spatial).fill(0);
  if (strides.length !== spatial || dilations.length !== spatial || pads.length !== 2 * spatial) {
    throw new Error(`strides/dilations/pads do not match ${spatial} spatial dims`);
  }
  return { kernel, strides, dilations, pads, autoPad: readAutoPad(node) };
}

export function effectiveKernelSize(k: number, dilation: number): number {
  return (k - 1) * dilation + 1;
}

/**
 * Explicit [begin..., end...] pads for known input sizes, resolving auto_pad.
 * SAME_UPPER puts the odd extra pixel at the end, SAME_LOWER at the start.
 */
export function resolvePads(w: OnnxWindow, inDims: readonly number[]): number[] {
  const n = w.kernel.length;
  if (w.autoPad === 'NOTSET') return [...w.pads];
  if (w.autoPad === 'VALID') return new Array<number>(2 * n).fill(0);
  const pads = new Array<number>(2 * n).fill(0);
  for (let d = 0; d < n; d++) {
    const s = w.strides[d]!;
    const out = Math.ceil(inDims[d]! / s);
    const total = Math.max(0, (out - 1) * s + effectiveKernelSize(w.kernel[d]!, w.dilations[d]!) - inDims[d]!);
    const small = Math.floor(total / 2);
    pads[d] = w.autoPad === 'SAME_UPPER' ? small : total - small;
    pads[d + n] = total - pads[d]!;
  }
  return pads;
}

/** Output spatial sizes of a Conv or pooling window; null where unknown. */
export function windowOutput(w: OnnxWindow, inDims: readonly OnnxDim[], ceilMode = false): OnnxDim[] {
  return inDims.map((inDim, d) => {
    const out = windowOutputDim(w, inDim, d, ceilMode);
    if (typeof out === 'number' && typeof inDim === 'number' && out < 1) {
      throw new ShapeMismatch(`spatial dim ${d} would have output size ${out}: the window is larger than the padded input (${inDim})`);
    }
    return out;
  });
}

function windowOutputDim(w: OnnxWindow, inDim: OnnxDim, d: number, ceilMode: boolean): OnnxDim {
  {
    if (typeof inDim !== 'number') return null;
    if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') return Math.ceil(inDim / w.strides[d]!);
    const n = w.kernel.length;
    const begin = w.autoPad === 'VALID' ? 0 : w.pads[d]!;
    const end = w.autoPad === 'VALID' ? 0 : w.pads[d + n]!;
    const span = inDim + begin + end - effectiveKernelSize(w.kernel[d]!, w.dilations[d]!);
    const s = w.strides[d]!;
    if (!ceilMode) return Math.floor(span / s) + 1;
    let out = Math.ceil(span / s) + 1;
    // The last window must start inside the input or the begin padding.
    if ((out - 1) * s >= inDim + begin) out -= 1;
    return out;
  }
}

export function typeOf(input: InferredType | undefined): InferredType {
  return input ? { ...(input.dtype ? { dtype: input.dtype } : {}), ...(input.shape ? { shape: [...input.shape] } : {}) } : {};
}

/** Merges two dims that must agree or broadcast (NumPy rules), keeping symbols where possible. */
export function broadcastOnnxDim(a: OnnxDim, b: OnnxDim): OnnxDim {
  if (a === 1) return b;
  if (b === 1) return a;
  if (a === b) return a;
  if (typeof a === 'number' && typeof b !== 'number') return a;
  if (typeof b === 'number' && typeof a !== 'number') return b;
  if (typeof a === 'number' && typeof b === 'number') throw new ShapeMismatch(`dims ${a} and ${b} do not broadcast`);
  return null;
}

export function broadcastOnnxShapes(a: readonly OnnxDim[], b: readonly OnnxDim[]): OnnxDim[] {
  const n = Math.max(a.length, b.length);
  const out: OnnxDim[] = [];
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)] ?? null;
    const db = i < n - b.length ? 1 : b[i - (n - b.length)] ?? null;
    out.push(broadcastOnnxDim(da, db));
  }
  return out;
}
