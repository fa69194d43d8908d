import { attrInt, attrTensor } from '../ir.js';
import { elementCount, makeTensor, toNumberList } from '../../tensor/tensor.js';
import { DYNAMIC, malformed, normalizeAxis, resolveSliceRange, sliceParams } from '../shapes/params.js';
import type { FoldFn, FoldTable } from './types.js';
import {
  broadcastIndex, broadcastShapes, checkFoldSize, FoldSkip, fromNumbers, gatherIndex, lookup, need, selectByAxisIndices,
  takeElements, toNumbers, withShape,
} from './values.js';

/** Fold evaluators for the indexing family (ConstantOfShape, Range, Expand, Gather, Slice, Tile). ONNX semantics; int64 is kept. */

const foldConstantOfShape: FoldFn = (node, inputs) => {
  const shape = toNumberList(need(node, inputs, 0));
  checkFoldSize(shape);
  const value = attrTensor(node, 'value') ?? makeTensor('float32', [1], new Float32Array([0]));
  return [takeElements(value, shape, new Int32Array(elementCount(shape)))];
};

const foldRange: FoldFn = (node, inputs) => {
  const [start, limit, delta] = [0, 1, 2].map((i) => toNumbers(need(node, inputs, i))[0]!);
  if (delta === 0) throw malformed(node, 'Range delta is 0');
  const count = Math.max(Math.ceil((limit! - start!) / delta!), 0);
  checkFoldSize([count]);
  const values = Float64Array.from({ length: count }, (_, i) => start! + i * delta!);
  return [fromNumbers(need(node, inputs, 0).dtype, [count], values)];
};

const foldExpand: FoldFn = (node, inputs) => {
  const x = need(node, inputs, 0);
  const shape = broadcastShapes(x.shape, toNumberList(need(node, inputs, 1)));
  if (!shape) throw malformed(node, `cannot expand [${x.shape.join(', ')}]`);
  checkFoldSize(shape);
  return [takeElements(x, shape, broadcastIndex(x.shape, shape))];
};

const foldGather: FoldFn = (node, inputs) => {
  const x = need(node, inputs, 0);
  const indices = need(node, inputs, 1);
  const axis = normalizeAxis(node, attrInt(node, 'axis', 0), x.shape.length);
  const dim = x.shape[axis]!;
  const idx = toNumberList(indices).map((v) => {
    const k = v < 0 ? v + dim : v;
    if (k < 0 || k >= dim) throw malformed(node, `gather index ${v} is out of range for dimension ${dim}`);
    return k;
  });
  // Gather = select every element along `axis` by idx, then reshape that axis into the indices' shape.
  const perAxis = x.shape.map((d, a) => (a === axis ? idx : Array.from({ length: d }, (_, i) => i)));
  const picked = selectByAxisIndices(x, perAxis);
  const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  return [withShape(picked, outShape)];
};

const foldSlice: FoldFn = (node, inputs, opset) => {
  const x = need(node, inputs, 0);
  const p = sliceParams(node, opset, lookup(inputs), x.shape.length);
  if (p === DYNAMIC) throw new FoldSkip('slice bounds are not constant');
  const perAxis = x.shape.map((d) => Array.from({ length: d }, (_, i) => i));
  p.axes.forEach((axis, j) => {
    const r = resolveSliceRange(x.shape[axis]!, p.starts[j]!, p.ends[j]!, p.steps[j]!);
    perAxis[axis] = Array.from({ length: r.count }, (_, i) => r.start + i * r.step);
  });
  return [selectByAxisIndices(x, perAxis)];
};

const foldTile: FoldFn = (node, inputs) => {
  const [x, repeatsT] = [inputs[0], inputs[1]];
  if (!x || !repeatsT) throw malformed(node, 'needs an input and repeats');
  const repeats = toNumberList(repeatsT);
  if (repeats.length !== x.shape.length || repeats.some((r) => r < 0)) throw malformed(node, `repeats [${repeats.join(', ')}] do not fit rank ${x.shape.length}`);
  const outShape = x.shape.map((d, i) => d * repeats[i]!);
  return [takeElements(x, outShape, gatherIndex(outShape, x.shape, (out, d) => out[d]! % x.shape[d]!))];
};

export const indexingFolds: FoldTable = {
  ConstantOfShape: foldConstantOfShape,
  Range: foldRange,
  Expand: foldExpand,
  Gather: foldGather,
  Slice: foldSlice,
  Tile: foldTile,
};
