import { attrInt, type OnnxDim, type OnnxNode } from '../ir.js';
import { dtypeFromOnnxCode } from '../shapes/params.js';
import { toNumberList, type Tensor } from '../../tensor/tensor.js';
import { shapeWindow } from './shape.js';
import { int64Tensor } from './values.js';

/**
 * Shape vectors known element by element. Shape of a tensor whose rank is known
 * but whose dims are only partly static is a vector with some elements unknown;
 * exporters then pick elements out of it (x.shape[1], x.shape[2:]) and compare
 * them with constants, e.g. in the condition of an If. Data-movement ops carry
 * the unknown elements as a mark, so a picked element that is static folds even
 * though the whole shape does not. The mark is a negative number no dim can be,
 * small enough to survive a cast to int32.
 */
const UNKNOWN_ELEMENT = -(2 ** 30);

/** Ops that only move elements, with the inputs that may hold unknown elements. */
const MOVERS: Readonly<Record<string, (input: number) => boolean>> = {
  Gather: (i) => i === 0,
  Slice: (i) => i === 0,
  Squeeze: (i) => i === 0,
  Unsqueeze: (i) => i === 0,
  Identity: (i) => i === 0,
  Concat: () => true,
};

/** Cast targets that hold the mark exactly (a narrower type or bool would turn it into a plausible value). */
const MARK_KEEPING_CASTS = new Set(['int32', 'int64', 'float32', 'float64']);

/** The shape of the Shape node's input as a vector, unknown dims marked; undefined when its rank is unknown. */
export function partialShapeVector(node: OnnxNode, shape: readonly OnnxDim[] | undefined): Tensor | undefined {
  if (node.opType !== 'Shape' || !shape) return undefined;
  const [start, end] = shapeWindow(node, shape.length);
  const dims = shape.slice(start, Math.max(start, end)).map((d) => (typeof d === 'number' ? d : UNKNOWN_ELEMENT));
  return int64Tensor([dims.length], dims);
}

/** Whether input `i` of the node may be a vector with unknown elements. */
export function takesPartial(node: OnnxNode, i: number): boolean {
  if (node.opType === 'Cast') return i === 0 && MARK_KEEPING_CASTS.has(dtypeFromOnnxCode(attrInt(node, 'to') ?? -1) ?? '');
  return MOVERS[node.opType]?.(i) ?? false;
}

export function hasUnknownElements(t: Tensor): boolean {
  return t.dtype !== 'string' && t.dtype !== 'bool' && toNumberList(t).some((v) => v === UNKNOWN_ELEMENT);
}
