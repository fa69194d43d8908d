import type { DType } from '../../tensor/dtype.js';
import { toNumberList } from '../../tensor/tensor.js';
import { attrInt, attrInts, attrTensor, type OnnxDim } from '../ir.js';
import {
  castTarget, constantNodeValue, intsParam, isDynamic, normalizeAxes, normalizeAxis, resolveReshape,
  resolveSliceRange, sliceParams, splitSizes, staticProduct,
} from './params.js';
import { scatterGatherShapes } from './scatter-gather.js';
import type { InferredType, ShapeFn, ShapeInferenceInput, ShapeTable } from './types.js';

/** ONNX shape inference for the shape family (reshapes, slicing, gathering, shape arithmetic). */

function inputType(input: ShapeInferenceInput, i: number): InferredType {
  return input.inputs[i] ?? {};
}

function known(shape: OnnxDim[] | undefined): shape is OnnxDim[] {
  return shape !== undefined;
}

function productDim(dims: readonly OnnxDim[]): OnnxDim {
  return staticProduct(dims) ?? null;
}

const passThrough: ShapeFn = (input) => [{ ...inputType(input, 0) }];

const flatten: ShapeFn = (input) => {
  const x = inputType(input, 0);
  if (!known(x.shape)) return [{ dtype: x.dtype }];
  const axis = attrInt(input.node, 'axis', 1);
  const a = axis < 0 ? axis + x.shape.length : axis;
  return [{ dtype: x.dtype, shape: [productDim(x.shape.slice(0, a)), productDim(x.shape.slice(a))] }];
};

const reshape: ShapeFn = (input) => {
  const x = inputType(input, 0);
  const target = input.opset < 5 ? attrInts(input.node, 'shape') : input.constant(1) && toNumberList(input.constant(1)!);
  if (target && known(x.shape)) {
    return [{ dtype: x.dtype, shape: resolveReshape(input.node, x.shape, target, attrInt(input.node, 'allowzero', 0) !== 0) }];
  }
  const k = inputType(input, 1).shape?.[0];
  return [typeof k === 'number' ? { dtype: x.dtype, shape: new Array<OnnxDim>(k).fill(null) } : { dtype: x.dtype }];
};

const transpose: ShapeFn = (input) => {
  const x = inputType(input, 0);
  if (!known(x.shape)) return [{ dtype: x.dtype }];
  const rank = x.shape.length;
  const perm = attrInts(input.node, 'perm') ?? x.shape.map((_, i) => rank - 1 - i);
  return [{ dtype: x.dtype, shape: perm.map((p) => x.shape![p]!) }];
};

const squeeze: ShapeFn = (input) => {
  const x = inputType(input, 0);
  const axes = intsParam(input.node, input.opset, input.constant, 'axes', 1, 13);
  if (!known(x.shape) || isDynamic(axes)) return [{ dtype: x.dtype }];
  if (axes === undefined && x.shape.some((d) => typeof d !== 'number')) return [{ dtype: x.dtype }];
  const drop = new Set(axes ? normalizeAxes(input.node, axes, x.shape.length) : x.shape.flatMap((d, i) => (d === 1 ? [i] : [])));
  return [{ dtype: x.dtype, shape: x.shape.filter((_, i) => !drop.has(i)) }];
};

const unsqueeze: ShapeFn = (input) => {
  const x = inputType(input, 0);
  const axes = intsParam(input.node, input.opset, input.constant, 'axes', 1, 13);
  if (!known(x.shape) || axes === undefined || isDynamic(axes)) return [{ dtype: x.dtype }];
  const rank = x.shape.length + axes.length;
  const inserted = new Set(normalizeAxes(input.node, axes, rank));
  const out: OnnxDim[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) out.push(inserted.has(i) ? 1 : x.shape[k++]!);
  return [{ dtype: x.dtype, shape: out }];
};

const concat: ShapeFn = (input) => {
  const parts = input.inputs.filter((t): t is InferredType => t !== undefined);
  const first = parts[0] ?? {};
  if (!parts.every((p) => known(p.shape)) || !known(first.shape)) return [{ dtype: first.dtype }];
  const axis = normalizeAxis(input.node, attrInt(input.node, 'axis', 0), first.shape.length);
  const shape = first.shape.map((d, i) => {
    const column = parts.map((p) => p.shape![i]!);
    return i === axis ? productSum(column) : column.find((v) => typeof v === 'number') ?? d;
  });
  return [{ dtype: first.dtype, shape }];
};

function productSum(dims: OnnxDim[]): OnnxDim {
  let s = 0;
  for (const d of dims) {
    if (typeof d !== 'number') return null;
    s += d;
  }
  return s;
}

const split: ShapeFn = (input) => {
  const x = inputType(input, 0);
  const n = input.node.outputs.length;
  if (!known(x.shape)) return new Array<InferredType>(n).fill({ dtype: x.dtype });
  const axis = normalizeAxis(input.node, attrInt(input.node, 'axis', 0), x.shape.length);
  const dim = x.shape[axis];
  const sizes = splitSizes(input.node, input.opset, input.constant, typeof dim === 'number' ? dim : undefined);
  return input.node.outputs.map((_, k) => {
    const size = sizes !== undefined && !isDynamic(sizes) ? sizes[k] ?? null : null;
    return { dtype: x.dtype, shape: x.shape!.map((d, i) => (i === axis ? size : d)) };
  });
};

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

/** Broadcast of symbolic shapes: a static non-1 dim wins; unknown otherwise. */
export function broadcastDims(a: readonly OnnxDim[], b: readonly OnnxDim[]): OnnxDim[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) => {
    const da = i - (rank - a.length) >= 0 ? a[i - (rank - a.length)]! : 1;
    const db = i - (rank - b.length) >= 0 ? b[i - (rank - b.length)]! : 1;
    if (da === 1) return db;
    if (db === 1) return da;
    if (typeof da === 'number') return da;
    if (typeof db === 'number') return db;
    return da === db ? da : null;
  });
}

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

const shape: ShapeFn = (input) => {
  const x = inputType(input, 0);
  if (!known(x.shape)) return [{ dtype: 'int64', shape: [null] }];
  const rank = x.shape.length;
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const [start, end] = [clamp(attrInt(input.node, 'start', 0)), clamp(attrInt(input.node, 'end', rank))];
  return [{ dtype: 'int64', shape: [Math.max(0, end - start)] }];
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

const dropout: ShapeFn = (input) => {
  const x = inputType(input, 0);
  return input.node.outputs.map((_, k) => (k === 0 ? { ...x } : { dtype: 'bool' as DType, ...(x.shape ? { shape: [...x.shape] } : {}) }));
};

export const shapeShapes: ShapeTable = {
  Flatten: flatten,
  Reshape: reshape,
  Transpose: transpose,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Concat: concat,
  Split: split,
  Slice: slice,
  Gather: gather,
  Expand: expand,
  Tile: tile,
  Shape: shape,
  Size: () => [{ dtype: 'int64', shape: [] }],
  Cast: (input) => [{ ...inputType(input, 0), dtype: castTarget(input.node) }],
  Identity: passThrough,
  Dropout: dropout,
  Constant: (input) => {
    const v = constantNodeValue(input.node);
    return [{ dtype: v.dtype, shape: [...v.shape] }];
  },
  ConstantOfShape: constantOfShape,
  Range: range,
  ...scatterGatherShapes,
};
