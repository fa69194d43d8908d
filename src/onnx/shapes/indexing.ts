import type { DType } from '../../tensor/dtype.js';
import { toNumberList } from '../../tensor/tensor.js';
import { attrInt, attrTensor, type OnnxDim } from '../ir.js';
import { isDynamic, normalizeAxis, resolveSliceRange, sliceParams } from './params.js';
import { broadcastDims, known } from './shape.js';
import { inputType, type ShapeFn, type ShapeTable } from './types.js';

/** ONNX shape inference for the indexing family (slicing, gathering, expanding, tiling, generated index tensors). */

const slice: ShapeFn = (input) => {
  const x = inputType(input, 0);
  if (!known(x.shape)) return [{ dtype: x.dtype }];
  const p = sliceParams(input.node, input.opset, input.constant, x.shape.length);
  if (isDynamic(p)) return [{ dtype: x.dtype, shape: x.shape.map(() => null) }];
  const shape = [...x.shape];
  p.axes.forEach((axis, j) => {
    const d = x.shape![axis];
    shape[axis] = typeof d === 'number' ? resolveSliceRange(d, p.starts[j]!, p.ends[j]!, p.steps[j]!).count : null;
  });
  return [{ dtype: x.dtype, shape }];
};

const gather: ShapeFn = (input) => {
  const [x, idx] = [inputType(input, 0), inputType(input, 1)];
  if (!known(x.shape) || !known(idx.shape)) return [{ dtype: x.dtype }];
  const axis = normalizeAxis(input.node, attrInt(input.node, 'axis', 0), x.shape.length);
  return [{ dtype: x.dtype, shape: [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)] }];
};

const expand: ShapeFn = (input) => {
  const x = inputType(input, 0);
  const target = input.constant(1);
  if (!known(x.shape) || !target) return [{ dtype: x.dtype }];
  return [{ dtype: x.dtype, shape: broadcastDims(x.shape, toNumberList(target)) }];
};

const tile: ShapeFn = (input) => {
  const x = inputType(input, 0);
  const reps = input.constant(1);
  if (!known(x.shape)) return [{ dtype: x.dtype }];
  const r = reps ? toNumberList(reps) : undefined;
  return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (r && typeof d === 'number' ? d * r[i]! : null)) }];
};

const constantOfShape: ShapeFn = (input) => {
  const dtype: DType = attrTensor(input.node, 'value')?.dtype ?? 'float32';
  const dims = input.constant(0);
  if (dims) return [{ dtype, shape: toNumberList(dims) }];
  const k = inputType(input, 0).shape?.[0];
  return [typeof k === 'number' ? { dtype, shape: new Array<OnnxDim>(k).fill(null) } : { dtype }];
};

const range: ShapeFn = (input) => {
  const [s, l, d] = [0, 1, 2].map((i) => input.constant(i));
  const dtype = inputType(input, 0).dtype;
  if (!s || !l || !d) return [{ dtype, shape: [null] }];
  const [start, limit, delta] = [s, l, d].map((t) => toNumberList(t)[0]!);
  return [{ dtype, shape: [Math.max(0, Math.ceil((limit! - start!) / delta!))] }];
};

export const indexingShapes: ShapeTable = {
  Slice: slice,
  Gather: gather,
  Expand: expand,
  Tile: tile,
  ConstantOfShape: constantOfShape,
  Range: range,
};
