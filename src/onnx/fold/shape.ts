import { attrInt, attrInts, type OnnxNode } from '../ir.js';
import { makeTensor, elementCount, toNumberList, type Tensor } from '../../tensor/tensor.js';
import {
  castTarget, constantNodeValue, dropoutRandomness, intsParam, isDynamic, malformed, normalizeAxes, normalizeAxis,
  resolveReshape, splitSizes,
} from '../shapes/params.js';
import type { FoldFn, FoldTable } from './types.js';
import {
  checkFoldSize, FoldSkip, fromNumbers, gatherIndex, int64Tensor, lookup, need,
  takeElements, toNumbers, withShape,
} from './values.js';

/**
 * Fold evaluators for the shape family (shape arithmetic, reshapes,
 * transposes, splits, concatenation). ONNX semantics; int64 is kept.
 */

/** Shape's [start, end) window (opset 15), clamped like Slice. */
export function shapeWindow(node: OnnxNode, rank: number): [number, number] {
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  return [clamp(attrInt(node, 'start', 0)), clamp(attrInt(node, 'end', rank))];
}

const foldShape: FoldFn = (node, inputs) => {
  const shape = need(node, inputs, 0).shape;
  const [start, end] = shapeWindow(node, shape.length);
  const dims = shape.slice(start, Math.max(start, end));
  return [int64Tensor([dims.length], dims)];
};

const foldSize: FoldFn = (node, inputs) => [int64Tensor([], [elementCount(need(node, inputs, 0).shape)])];

const foldIdentity: FoldFn = (node, inputs) => [need(node, inputs, 0)];

/** Inference-mode (or ratio-0) Dropout is the identity; its optional mask output is all true. */
const foldDropout: FoldFn = (node, inputs) => {
  const random = dropoutRandomness(node, lookup(inputs));
  if (random !== undefined) throw new FoldSkip(random);
  const x = need(node, inputs, 0);
  if (node.outputs.length < 2 || node.outputs[1] === '') return [x];
  return [x, makeTensor('bool', x.shape, new Uint8Array(elementCount(x.shape)).fill(1))];
};

const foldConstant: FoldFn = (node) => [constantNodeValue(node)];

const foldCast: FoldFn = (node, inputs) => {
  const x = need(node, inputs, 0);
  const to = castTarget(node);
  if (to === x.dtype) return [x];
  checkFoldSize(x.shape);
  return [fromNumbers(to, x.shape, toNumbers(x))];
};

const foldReshape: FoldFn = (node, inputs, opset) => {
  const x = need(node, inputs, 0);
  let target: number[];
  if (opset < 5) {
    const attrShape = intsParam(node, opset, lookup(inputs), 'shape', 1, 5);
    if (attrShape === undefined || isDynamic(attrShape)) throw malformed(node, 'Reshape has no shape');
    target = attrShape;
  } else {
    target = toNumberList(need(node, inputs, 1));
  }
  const shape = resolveReshape(node, x.shape, target, attrInt(node, 'allowzero', 0) !== 0) as number[];
  if (elementCount(shape) !== elementCount(x.shape)) throw malformed(node, `cannot reshape [${x.shape.join(', ')}] to [${shape.join(', ')}]`);
  return [withShape(x, shape)];
};

const foldConcat: FoldFn = (node, inputs) => {
  const parts = inputs.filter((t): t is Tensor => t !== undefined);
  const first = parts[0];
  if (!first) throw malformed(node, 'Concat has no inputs');
  const axis = normalizeAxis(node, attrInt(node, 'axis', 0), first.shape.length);
  const outer = elementCount(first.shape.slice(0, axis));
  const outShape = [...first.shape];
  outShape[axis] = parts.reduce((s, t) => s + t.shape[axis]!, 0);
  checkFoldSize(outShape);
  const chunks = parts.map((t) => ({ t, inner: elementCount(t.shape.slice(axis)) }));
  const total = elementCount(outShape);
  const source: unknown[] = [];
  for (let o = 0; o < outer; o++) {
    for (const { t, inner } of chunks) {
      const src = t.data as unknown as readonly unknown[];
      for (let k = 0; k < inner; k++) source.push(src[o * inner + k]);
    }
  }
  if (source.length !== total) throw malformed(node, 'Concat inputs have mismatched shapes');
  return [fromList(first, outShape, source)];
};

function fromList(like: Tensor, shape: readonly number[], values: unknown[]): Tensor {
  const t = makeTensor(like.dtype, shape);
  const out = t.data as unknown as unknown[];
  values.forEach((v, i) => (out[i] = v));
  return t;
}

function axesOf(node: OnnxNode, inputs: (Tensor | undefined)[], opset: number): number[] | undefined {
  const axes = intsParam(node, opset, lookup(inputs), 'axes', 1, 13);
  if (isDynamic(axes)) throw new FoldSkip('axes are not constant');
  return axes;
}

const foldUnsqueeze: FoldFn = (node, inputs, opset) => {
  const x = need(node, inputs, 0);
  const axes = axesOf(node, inputs, opset);
  if (!axes) throw malformed(node, 'Unsqueeze needs axes');
  return [withShape(x, unsqueezedShape(node, x.shape, axes))];
};

export function unsqueezedShape<D>(node: OnnxNode, shape: readonly D[], axes: readonly number[]): (D | 1)[] {
  const rank = shape.length + axes.length;
  const inserted = new Set(normalizeAxes(node, axes, rank));
  const out: (D | 1)[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) out.push(inserted.has(i) ? 1 : shape[k++]!);
  return out;
}

const foldSqueeze: FoldFn = (node, inputs, opset) => {
  const x = need(node, inputs, 0);
  const axes = axesOf(node, inputs, opset);
  const drop = new Set(axes ? normalizeAxes(node, axes, x.shape.length) : x.shape.flatMap((d, i) => (d === 1 ? [i] : [])));
  for (const a of drop) if (x.shape[a] !== 1) throw malformed(node, `cannot squeeze axis ${a} of size ${x.shape[a]}`);
  return [withShape(x, x.shape.filter((_, i) => !drop.has(i)))];
};

const foldTranspose: FoldFn = (node, inputs) => {
  const x = inputs[0];
  if (!x) throw malformed(node, 'needs an input');
  const rank = x.shape.length;
  const perm = normalizeAxes(node, attrInts(node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i), rank);
  if (perm.length !== rank || new Set(perm).size !== rank) throw malformed(node, `perm [${perm.join(', ')}] is not a permutation of ${rank} axes`);
  const outShape = perm.map((p) => x.shape[p]!);
  // Input axis perm[j] is output axis j.
  const outAxisOf = new Array<number>(rank);
  perm.forEach((p, j) => (outAxisOf[p] = j));
  return [takeElements(x, outShape, gatherIndex(outShape, x.shape, (out, d) => out[outAxisOf[d]!]!))];
};

/** Split of a constant (exporters split shape vectors into their dims). */
const foldSplit: FoldFn = (node, inputs, opset) => {
  const x = inputs[0];
  if (!x) throw malformed(node, 'needs an input');
  const axis = normalizeAxis(node, attrInt(node, 'axis', 0), x.shape.length);
  const sizes = splitSizes(node, opset, (i) => inputs[i], x.shape[axis]);
  if (sizes === undefined || isDynamic(sizes)) throw new FoldSkip('split sizes are not constant');
  let start = 0;
  return sizes.map((size) => {
    const shape = x.shape.map((d, a) => (a === axis ? size : d));
    const from = start;
    start += size;
    return takeElements(x, shape, gatherIndex(shape, x.shape, (out, d) => out[d]! + (d === axis ? from : 0)));
  });
};

export const shapeFolds: FoldTable = {
  Shape: foldShape,
  Size: foldSize,
  Identity: foldIdentity,
  Dropout: foldDropout,
  Constant: foldConstant,
  Cast: foldCast,
  Reshape: foldReshape,
  Concat: foldConcat,
  Unsqueeze: foldUnsqueeze,
  Squeeze: foldSqueeze,
  Transpose: foldTranspose,
  Split: foldSplit,
};
