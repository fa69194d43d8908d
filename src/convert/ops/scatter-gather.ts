import { milConst } from '../../mil/builder.js';
import { targetRank } from '../../mil/ir.js';
import { attrInt, attrString, type OnnxNode } from '../../onnx/ir.js';
import { normalizeAxis } from '../../onnx/shapes/params.js';
import { makeTensor, toNumberList, type Tensor } from '../../tensor/tensor.js';
import { narrowConstant } from '../narrow.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type ConverterTable, type OpConverter } from '../types.js';

/**
 * ONNX → MIL converters for element and N-d gathers and scatters
 * (GatherElements, GatherND, ScatterElements, Scatter, ScatterND) and the
 * index-producing ops OneHot, Compress and NonZero.
 *
 * ONNX allows negative indices everywhere; Core ML from iOS17 reads them as
 * out of bounds, so constant indices are wrapped now and run-time indices get
 * select(i >= 0, i, i + dim) in front of the op.
 */

/**
 * The sizes the indices address: x's dim at `axes[0]` for element ops
 * (`perPosition` false, a scalar), or one size per position of the last
 * indices axis for N-d ops (a vector broadcast along it). Constants when
 * static, else read from shape(x) at run time.
 */
export function indexedSizes(ctx: ConvertContext, x: string, axes: readonly number[], perPosition: boolean, name: string): Tensor | string {
  const dims = ctx.b.typeOf(x).shape;
  const sizes = axes.map((a) => dims[a]);
  if (sizes.every((d): d is number => typeof d === 'number')) return perPosition ? milConst.ints(sizes) : milConst.int(sizes[0]!);
  const shape = ctx.b.op1('shape', { x }, { name: `${name}_shape` });
  const picked = ctx.b.op1('gather', { x: shape, indices: milConst.ints([...axes]), axis: milConst.int(0) }, { name: `${name}_sizes` });
  return perPosition ? picked : ctx.b.op1('reshape', { x: picked, shape: milConst.ints([]) }, { name: `${name}_size` });
}

function wrapConstant(values: number[], shape: readonly number[], sizes: Tensor): Tensor {
  const dims = toNumberList(sizes);
  return makeTensor('int32', shape, Int32Array.from(values, (v, k) => (v < 0 ? v + dims[k % dims.length]! : v)));
}

/** select(i >= 0, i, i + size): what Core ML from iOS17 needs in front of run-time indices. */
export function wrapNegatives(ctx: ConvertContext, indices: string, sizes: Tensor | string, name: string): string {
  const b = ctx.b;
  const nonNegative = b.op1('greater_equal', { x: indices, y: milConst.int(0) }, { name: `${name}_nonneg` });
  const wrapped = b.op1('add', { x: indices, y: sizes }, { name: `${name}_wrapped` });
  return b.op1('select', { cond: nonNegative, a: indices, b: wrapped }, { name });
}

/** Input i as non-negative int32 indices into the `axes` of x. */
export function nonNegativeIndices(node: OnnxNode, ctx: ConvertContext, i: number, x: string, axes: readonly number[], perPosition: boolean): string {
  const name = `${node.outputs[0]}_indices`;
  const constant = ctx.constant(node, i);
  if (constant) {
    const narrowed = narrowConstant(constant, node.inputs[i]!);
    const values = toNumberList(narrowed);
    if (values.every((v) => v >= 0)) return ctx.b.const(narrowed, name);
    const sizes = indexedSizes(ctx, x, axes, perPosition, name);
    if (typeof sizes !== 'string') return ctx.b.const(wrapConstant(values, narrowed.shape, sizes), name);
    return wrapNegatives(ctx, ctx.b.const(narrowed, `${name}_raw`), sizes, name);
  }
  let indices = ctx.requireInput(node, i);
  if (ctx.b.typeOf(indices).dtype !== 'int32') indices = ctx.b.op1('cast', { x: indices, dtype: milConst.str('int32') }, { name: `${name}_int` });
  return wrapNegatives(ctx, indices, indexedSizes(ctx, x, axes, perPosition, name), name);
}

const gatherElements: OpConverter = {
  opsets: [11, LATEST_ONNX_OPSET],
  milOps: ['gather_along_axis', 'greater_equal', 'add', 'select'],
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const dims = ctx.b.typeOf(x).shape;
    const axis = normalizeAxis(node, attrInt(node, 'axis', 0), dims.length);
    const indices = nonNegativeIndices(node, ctx, 1, x, [axis], false);
    ctx.setOutput(node, 0, ctx.b.op1('gather_along_axis', { x, indices, axis: milConst.int(axis) }, { name: node.outputs[0] }));
  },
};

/** The dims of x the last indices axis addresses, after batch_dims. */
function ndAxes(node: OnnxNode, ctx: ConvertContext, data: string, indicesInput: number, batchDims: number): number[] {
  const rank = ctx.b.typeOf(data).shape.length;
  const k = ctx.info(node.inputs[indicesInput]!)?.shape ?? ctx.b.typeOf(ctx.requireInput(node, indicesInput)).shape;
  const depth = k[k.length - 1];
  if (typeof depth !== 'number') return ctx.unsupported(node, 'the last dim of indices must be static');
  if (batchDims + depth > rank) return ctx.unsupported(node, `indices address ${depth} dims after ${batchDims} batch dims of a rank-${rank} tensor`);
  return Array.from({ length: depth }, (_, d) => batchDims + d);
}

const gatherNd: OpConverter = {
  opsets: [11, LATEST_ONNX_OPSET],
  milOps: ['gather_nd', 'greater_equal', 'add', 'select'],
  limits: 'batch_dims needs iOS16',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const batchDims = attrInt(node, 'batch_dims', 0);
    if (batchDims > 0 && targetRank(ctx.target) < targetRank('iOS16')) return ctx.unsupported(node, 'batch_dims needs iOS16 or later');
    const indices = nonNegativeIndices(node, ctx, 1, x, ndAxes(node, ctx, x, 1, batchDims), true);
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
  opsets: [11, LATEST_ONNX_OPSET],
  milOps: ['scatter_along_axis', 'greater_equal', 'add', 'select'],
  limits: 'fp16, fp32 and int32 data',
  convert(node, ctx) {
    const data = scatterData(node, ctx);
    const dims = ctx.b.typeOf(data).shape;
    const axis = normalizeAxis(node, attrInt(node, 'axis', 0), dims.length);
    const indices = nonNegativeIndices(node, ctx, 1, data, [axis], false);
    const args = { data, indices, updates: ctx.requireInput(node, 2), axis: milConst.int(axis), mode: milConst.str(scatterMode(node, ctx)) };
    ctx.setOutput(node, 0, ctx.b.op1('scatter_along_axis', args, { name: node.outputs[0] }));
  },
};

const scatterNd: OpConverter = {
  opsets: [11, LATEST_ONNX_OPSET],
  milOps: ['scatter_nd', 'greater_equal', 'add', 'select'],
  limits: 'fp16, fp32 and int32 data',
  convert(node, ctx) {
    const data = scatterData(node, ctx);
    const indices = nonNegativeIndices(node, ctx, 1, data, ndAxes(node, ctx, data, 1, 0), true);
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
  opsets: [9, LATEST_ONNX_OPSET],
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
  opsets: [9, LATEST_ONNX_OPSET],
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
  opsets: [9, LATEST_ONNX_OPSET],
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
