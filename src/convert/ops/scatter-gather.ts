import { milConst } from '../../mil/builder.js';
import { targetRank } from '../../mil/ir.js';
import { attrInt, attrString, type OnnxNode } from '../../onnx/ir.js';
import { normalizeAxis } from '../../onnx/shapes/params.js';
import { makeTensor, toNumberList, type Tensor } from '../../tensor/tensor.js';
import { narrowConstant } from '../narrow.js';
import type { ConvertContext, ConverterTable, OpConverter } from '../types.js';

/**
 * ONNX → MIL converters for element and N-d gathers and scatters
 * (GatherElements, GatherND, ScatterElements, Scatter, ScatterND) and the
 * index-producing ops OneHot, Compress and NonZero.
 *
 * ONNX allows negative indices everywhere; Core ML from iOS17 reads them as
 * out of bounds, so constant indices are wrapped now and run-time indices get
 * select(i >= 0, i, i + dim) in front of the op.
 */

const LATEST_OPSET = 22;

/**
 * The size each index addresses: one dim for element ops, or one dim per
 * position of the last indices axis for N-d ops (broadcast along it).
 */
type IndexedDims = number | readonly number[];

function wrapConstant(t: Tensor, dims: IndexedDims, name: string): Tensor {
  const values = toNumberList(narrowConstant(t, name));
  const dimAt = (k: number): number => (typeof dims === 'number' ? dims : dims[k % dims.length]!);
  return makeTensor('int32', t.shape, Int32Array.from(values, (v, k) => (v < 0 ? v + dimAt(k) : v)));
}

/** Input i as non-negative int32 indices. */
export function nonNegativeIndices(node: OnnxNode, ctx: ConvertContext, i: number, dims: IndexedDims | null): string {
  const name = `${node.outputs[0]}_indices`;
  const known = dims !== null && (typeof dims === 'number' || dims.length > 0);
  const constant = ctx.constant(node, i);
  if (constant) {
    const narrowed = narrowConstant(constant, node.inputs[i]!);
    if (toNumberList(narrowed).every((v) => v >= 0)) return ctx.b.const(narrowed, name);
    if (!known) return ctx.unsupported(node, 'negative indices into a dimension of unknown size');
    return ctx.b.const(wrapConstant(constant, dims, node.inputs[i]!), name);
  }
  let indices = ctx.requireInput(node, i);
  if (ctx.b.typeOf(indices).dtype !== 'int32') indices = ctx.b.op1('cast', { x: indices, dtype: milConst.str('int32') }, { name: `${name}_int` });
  if (!known) return ctx.unsupported(node, 'run-time indices into a dimension of unknown size');
  const b = ctx.b;
  const size = typeof dims === 'number' ? milConst.int(dims) : milConst.ints(dims);
  const nonNegative = b.op1('greater_equal', { x: indices, y: milConst.int(0) }, { name: `${name}_nonneg` });
  const wrapped = b.op1('add', { x: indices, y: size }, { name: `${name}_wrapped` });
  return b.op1('select', { cond: nonNegative, a: indices, b: wrapped }, { name });
}

const gatherElements: OpConverter = {
  opsets: [11, LATEST_OPSET],
  milOps: ['gather_along_axis', 'greater_equal', 'add', 'select'],
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const dims = ctx.b.typeOf(x).shape;
    const axis = normalizeAxis(node, attrInt(node, 'axis', 0), dims.length);
    const indices = nonNegativeIndices(node, ctx, 1, dims[axis] ?? null);
    ctx.setOutput(node, 0, ctx.b.op1('gather_along_axis', { x, indices, axis: milConst.int(axis) }, { name: node.outputs[0] }));
  },
};

/** The dims the last indices axis addresses, after batch_dims. */
function ndDims(node: OnnxNode, ctx: ConvertContext, data: string, indicesInput: number, batchDims: number): number[] | null {
  const dims = ctx.b.typeOf(data).shape;
  const k = ctx.info(node.inputs[indicesInput]!)?.shape ?? ctx.b.typeOf(ctx.requireInput(node, indicesInput)).shape;
  const depth = k[k.length - 1];
  if (typeof depth !== 'number') return ctx.unsupported(node, 'the last dim of indices must be static');
  if (batchDims + depth > dims.length) return ctx.unsupported(node, `indices address ${depth} dims after ${batchDims} batch dims of a rank-${dims.length} tensor`);
  const addressed = dims.slice(batchDims, batchDims + depth);
  return addressed.every((d): d is number => d !== null) ? addressed : null;
}

const gatherNd: OpConverter = {
  opsets: [11, LATEST_OPSET],
  milOps: ['gather_nd', 'greater_equal', 'add', 'select'],
  limits: 'batch_dims needs iOS16',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const batchDims = attrInt(node, 'batch_dims', 0);
    if (batchDims > 0 && targetRank(ctx.target) < targetRank('iOS16')) return ctx.unsupported(node, 'batch_dims needs iOS16 or later');
    const indices = nonNegativeIndices(node, ctx, 1, ndDims(node, ctx, x, 1, batchDims));
    const args = batchDims > 0 ? { x, indices, batch_dims: milConst.int(batchDims) } : { x, indices };
    ctx.setOutput(node, 0, ctx.b.op1('gather_nd', args, { name: node.outputs[0] }));
  },
};

/** ONNX reduction → MIL scatter mode; max/min arrive in opset 18. */
const REDUCTIONS: Readonly<Record<string, { mode: string; since: number }>> = {
  none: { mode: 'update', since: 1 },
  add: { mode: 'add', since: 16 },
  mul: { mode: 'mul', since: 16 },
  max: { mode: 'max', since: 18 },
  min: { mode: 'min', since: 18 },
};

function scatterMode(node: OnnxNode, ctx: ConvertContext): string {
  const reduction = attrString(node, 'reduction', 'none');
  const r = REDUCTIONS[reduction];
  if (!r || ctx.opset < r.since) return ctx.unsupported(node, `reduction "${reduction}" is not defined at opset ${ctx.opset}`);
  return r.mode;
}

function scatterData(node: OnnxNode, ctx: ConvertContext): string {
  const data = ctx.requireInput(node, 0);
  const dtype = ctx.b.typeOf(data).dtype;
  if (dtype !== 'float32' && dtype !== 'float16' && dtype !== 'int32') return ctx.unsupported(node, `Core ML scatters only fp16, fp32 and int32 tensors, not ${dtype}`);
  return data;
}

const scatterElements: OpConverter = {
  opsets: [11, LATEST_OPSET],
  milOps: ['scatter_along_axis', 'greater_equal', 'add', 'select'],
  limits: 'fp16, fp32 and int32 data',
  convert(node, ctx) {
    const data = scatterData(node, ctx);
    const dims = ctx.b.typeOf(data).shape;
    const axis = normalizeAxis(node, attrInt(node, 'axis', 0), dims.length);
    const indices = nonNegativeIndices(node, ctx, 1, dims[axis] ?? null);
    const args = { data, indices, updates: ctx.requireInput(node, 2), axis: milConst.int(axis), mode: milConst.str(scatterMode(node, ctx)) };
    ctx.setOutput(node, 0, ctx.b.op1('scatter_along_axis', args, { name: node.outputs[0] }));
  },
};

const scatterNd: OpConverter = {
  opsets: [11, LATEST_OPSET],
  milOps: ['scatter_nd', 'greater_equal', 'add', 'select'],
  limits: 'fp16, fp32 and int32 data',
  convert(node, ctx) {
    const data = scatterData(node, ctx);
    const indices = nonNegativeIndices(node, ctx, 1, ndDims(node, ctx, data, 1, 0));
    const args = { data, indices, updates: ctx.requireInput(node, 2), mode: milConst.str(scatterMode(node, ctx)) };
    ctx.setOutput(node, 0, ctx.b.op1('scatter_nd', args, { name: node.outputs[0] }));
  },
};

/** A [1]-shaped or scalar run-time value as a scalar. */
function asScalar(ctx: ConvertContext, value: string, name: string): string {
  const rank = ctx.b.typeOf(value).shape.length;
  if (rank === 0) return value;
  return ctx.b.op1('reshape', { x: value, shape: milConst.ints([]) }, { name });
}

function toInt32(ctx: ConvertContext, value: string, name: string): string {
  return ctx.b.typeOf(value).dtype === 'int32' ? value : ctx.b.op1('cast', { x: value, dtype: milConst.str('int32') }, { name });
}

/** OneHot's depth as an int32 scalar (a constant when known) and its numeric value, if constant. */
function oneHotDepth(node: OnnxNode, ctx: ConvertContext): { value: string | Tensor; known?: number } {
  const c = ctx.constant(node, 1);
  if (c) {
    const depth = Math.trunc(toNumberList(c)[0]!);
    if (!(depth > 0)) return ctx.unsupported(node, `depth ${depth} must be positive`);
    return { value: milConst.int(depth), known: depth };
  }
  const raw = ctx.requireInput(node, 1);
  return { value: asScalar(ctx, toInt32(ctx, raw, `${node.outputs[0]}_depth_int`), `${node.outputs[0]}_depth`) };
}

/** Indices truncated to int32, with negatives counted from depth. */
function oneHotIndices(node: OnnxNode, ctx: ConvertContext, depth: string | Tensor): string {
  const b = ctx.b;
  const name = node.outputs[0]!;
  const indices = toInt32(ctx, ctx.requireInput(node, 0), `${name}_indices_int`);
  const nonNegative = b.op1('greater_equal', { x: indices, y: milConst.int(0) }, { name: `${name}_nonneg` });
  const wrapped = b.op1('add', { x: indices, y: depth }, { name: `${name}_wrapped` });
  return b.op1('select', { cond: nonNegative, a: indices, b: wrapped }, { name: `${name}_indices` });
}

const oneHot: OpConverter = {
  opsets: [9, LATEST_OPSET],
  milOps: ['one_hot', 'cast', 'greater_equal', 'add', 'select', 'slice_by_index', 'sub', 'mul'],
  convert(node, ctx) {
    const b = ctx.b;
    const name = node.outputs[0]!;
    const depth = oneHotDepth(node, ctx);
    const indices = oneHotIndices(node, ctx, depth.value);
    const axis = attrInt(node, 'axis', -1);
    const values = ctx.constant(node, 2);
    if (values) {
      const v = narrowConstant(values, node.inputs[2]!);
      const [off, on] = [0, 1].map((k) => makeTensor(v.dtype, [], v.data.slice(k, k + 1) as Tensor['data']));
      const args = { indices, one_hot_vector_size: depth.value, axis: milConst.int(axis), on_value: on!, off_value: off! };
      return ctx.setOutput(node, 0, b.op1('one_hot', args, { name }));
    }
    // Run-time values [off, on]: off + (on − off) · one_hot(1, 0) in the values' dtype.
    const vals = ctx.requireInput(node, 2);
    const dtype = b.typeOf(vals).dtype;
    const unit = dtype === 'int32' ? [milConst.int(1), milConst.int(0)] : [milConst.float(1, dtype === 'float16' ? 'float16' : 'float32'), milConst.float(0, dtype === 'float16' ? 'float16' : 'float32')];
    const hot = b.op1('one_hot', { indices, one_hot_vector_size: depth.value, axis: milConst.int(axis), on_value: unit[0]!, off_value: unit[1]! }, { name: `${name}_unit` });
    const off = b.op1('slice_by_index', { x: vals, begin: milConst.ints([0]), end: milConst.ints([1]) }, { name: `${name}_off` });
    const on = b.op1('slice_by_index', { x: vals, begin: milConst.ints([1]), end: milConst.ints([2]) }, { name: `${name}_on` });
    const span = b.op1('sub', { x: on, y: off }, { name: `${name}_span` });
    const scaled = b.op1('mul', { x: hot, y: span }, { name: `${name}_scaled` });
    ctx.setOutput(node, 0, b.op1('add', { x: scaled, y: off }, { name }));
  },
};

/** Flat positions of the true entries of a constant condition. */
function truePositions(t: Tensor): number[] {
  return toNumberList(t).flatMap((v, i) => (v !== 0 ? [i] : []));
}

const compress: OpConverter = {
  opsets: [9, LATEST_OPSET],
  milOps: ['gather', 'non_zero', 'reshape'],
  limits: 'a run-time condition gives a data-dependent output size',
  convert(node, ctx) {
    const b = ctx.b;
    const name = node.outputs[0]!;
    let x = ctx.requireInput(node, 0);
    const rawAxis = attrInt(node, 'axis');
    if (rawAxis === undefined) x = b.op1('reshape', { x, shape: milConst.ints([-1]) }, { name: `${name}_flat` });
    const axis = rawAxis === undefined ? 0 : normalizeAxis(node, rawAxis, b.typeOf(x).shape.length);
    const cond = ctx.constant(node, 1);
    let indices: string;
    if (cond) {
      const hits = truePositions(cond);
      if (hits.length === 0) return ctx.unsupported(node, 'the condition selects nothing (Core ML has no empty tensors)');
      indices = b.const(milConst.ints(hits), `${name}_indices`);
    } else {
      const coords = b.op1('non_zero', { x: ctx.requireInput(node, 1) }, { name: `${name}_coords` });
      indices = b.op1('reshape', { x: coords, shape: milConst.ints([-1]) }, { name: `${name}_indices` });
    }
    ctx.setOutput(node, 0, b.op1('gather', { x, indices, axis: milConst.int(axis) }, { name }));
  },
};

/** NonZero of a constant: [rank, N] int64 coordinates, computed now. */
function foldNonZero(t: Tensor): Tensor {
  const shape = t.shape.length === 0 ? [1] : t.shape;
  const hits = truePositions(t);
  const out = new BigInt64Array(shape.length * hits.length);
  hits.forEach((flat, h) => {
    let rem = flat;
    for (let d = shape.length - 1; d >= 0; d--) {
      out[d * hits.length + h] = BigInt(rem % shape[d]!);
      rem = Math.floor(rem / shape[d]!);
    }
  });
  return makeTensor('int64', [shape.length, hits.length], out);
}

const nonZero: OpConverter = {
  opsets: [9, LATEST_OPSET],
  milOps: ['non_zero', 'transpose'],
  limits: 'the output size is data-dependent',
  convert(node, ctx) {
    const c = ctx.constant(node, 0);
    if (c) return ctx.setConstantOutput(node, 0, foldNonZero(c));
    const x = ctx.requireInput(node, 0);
    if (ctx.b.typeOf(x).shape.length === 0) return ctx.unsupported(node, 'NonZero of a run-time scalar');
    const coords = ctx.b.op1('non_zero', { x }, { name: `${node.outputs[0]}_coords` });
    ctx.setOutput(node, 0, ctx.b.op1('transpose', { x: coords, perm: milConst.ints([1, 0]) }, { name: node.outputs[0] }));
  },
};

export const scatterGatherConverters: ConverterTable = {
  GatherElements: gatherElements,
  GatherND: gatherNd,
  ScatterElements: scatterElements,
  Scatter: { ...scatterElements, opsets: [9, 10] },
  ScatterND: scatterNd,
  OneHot: oneHot,
  Compress: compress,
  NonZero: nonZero,
};
