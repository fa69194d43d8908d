import type { DType } from '../../tensor/dtype.js';
import { toNumberList } from '../../tensor/tensor.js';
import { attrInt, attrInts, type OnnxDim } from '../ir.js';
import {
  castTarget, constantNodeValue, intsParam, isDynamic, normalizeAxes, normalizeAxis, resolveReshape,
  splitSizes, staticProduct,
} from './params.js';
import { inputType, likeInput0, ShapeMismatch, type InferredType, type ShapeFn, type ShapeTable } from './types.js';

/** ONNX shape inference for the shape family (reshapes, transposes, concatenation, shape arithmetic). */

export function known(shape: OnnxDim[] | undefined): shape is OnnxDim[] {
  return shape !== undefined;
}

function productDim(dims: readonly OnnxDim[]): OnnxDim {
  return staticProduct(dims) ?? null;
}

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
  const rank = first.shape.length;
  if (parts.some((p) => p.shape!.length !== rank)) throw new ShapeMismatch(`inputs have ranks ${parts.map((p) => p.shape!.length).join(', ')}, not one rank`);
  const shape = first.shape.map((d, i) => {
    const column = parts.map((p) => p.shape![i]!);
    const sizes = [...new Set(column.filter((v) => typeof v === 'number'))];
    if (i !== axis && sizes.length > 1) throw new ShapeMismatch(`inputs differ on axis ${i} (${sizes.join(' vs ')}), which is not the concat axis`);
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

const shape: ShapeFn = (input) => {
  const x = inputType(input, 0);
  if (!known(x.shape)) return [{ dtype: 'int64', shape: [null] }];
  const rank = x.shape.length;
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const [start, end] = [clamp(attrInt(input.node, 'start', 0)), clamp(attrInt(input.node, 'end', rank))];
  return [{ dtype: 'int64', shape: [Math.max(0, end - start)] }];
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
  Shape: shape,
  Size: () => [{ dtype: 'int64', shape: [] }],
  Cast: (input) => [{ ...inputType(input, 0), dtype: castTarget(input.node) }],
  Identity: likeInput0,
  Dropout: dropout,
  Constant: (input) => {
    const v = constantNodeValue(input.node);
    return [{ dtype: v.dtype, shape: [...v.shape] }];
  },
};
