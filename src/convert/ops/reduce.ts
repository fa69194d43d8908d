import { milConst } from '../../mil/builder.js';
import { attrInt, type OnnxNode } from '../../onnx/ir.js';
import { isDynamic, normalizeAxis, reduceParams, type ConstantLookup } from '../../onnx/shapes/params.js';
import { makeTensor, type Tensor } from '../../tensor/tensor.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type ConverterTable, type OpConverter } from '../types.js';
import { constantInts, constantsOf } from '../values.js';
import { dynamicReduce } from './shape-dynamic.js';

/** ONNX → MIL converters for reductions, ArgMax/ArgMin, and the axis scans CumSum and TopK. */

const MIL_REDUCTION: Readonly<Record<string, string>> = {
  ReduceSum: 'reduce_sum',
  ReduceMean: 'reduce_mean',
  ReduceMax: 'reduce_max',
  ReduceMin: 'reduce_min',
  ReduceProd: 'reduce_prod',
  ReduceL1: 'reduce_l1_norm',
  ReduceL2: 'reduce_l2_norm',
  ReduceLogSum: 'reduce_log_sum',
  ReduceLogSumExp: 'reduce_log_sum_exp',
  ReduceSumSquare: 'reduce_sum_square',
};

/**
 * The node's constants, plus axes that arrive as a run-time input of static
 * length 0: their value is known (empty), so noop_with_empty_axes applies.
 */
function reduceConstants(ctx: ConvertContext, node: OnnxNode): ConstantLookup {
  const lookup = constantsOf(ctx, node);
  return (i) => {
    const c = lookup(i);
    if (c || i !== 1 || !node.inputs[1]) return c;
    const shape = ctx.info(node.inputs[1])?.shape;
    return shape?.length === 1 && shape[0] === 0 ? makeTensor('int64', [0], new BigInt64Array(0)) : undefined;
  };
}

/** What run-time axes add: the axes are normalized, deduplicated and turned into a reshape or a mask at run time. */
const RUNTIME_AXES_OPS = [
  'cast', 'add', 'less', 'greater', 'equal', 'logical_not', 'select', 'slice_by_index', 'expand_dims', 'cumsum', 'scatter', 'reduce_max', 'reshape',
];

function reduction(milOp: string): OpConverter {
  return {
    opsets: [1, LATEST_ONNX_OPSET],
    milOps: [milOp, ...RUNTIME_AXES_OPS],
    limits: 'run-time axes need a static count',
    convert(node, ctx) {
      const x = ctx.requireInput(node, 0);
      const t = ctx.b.typeOf(x);
      if (t.dtype === 'bool') return ctx.unsupported(node, 'reductions over bool tensors');
      const rank = t.shape.length;
      const params = reduceParams(node, ctx.opset, reduceConstants(ctx, node), rank);
      if (isDynamic(params)) return dynamicReduce(node, ctx, milOp, attrInt(node, 'keepdims', 1) !== 0);
      const p = params;
      // noop_with_empty_axes: the input passes through unchanged.
      if (p.axes !== undefined && p.axes.length === 0) return ctx.setOutput(node, 0, x);
      const axes = p.axes ?? Array.from({ length: rank }, (_, i) => i);
      const out = ctx.b.op1(milOp, { x, axes: milConst.ints(axes), keep_dims: milConst.bool(p.keepdims) }, { name: node.outputs[0] });
      ctx.setOutput(node, 0, out);
    },
  };
}

/**
 * ArgMax/ArgMin. select_last_index=1 (ties resolve to the last index) is
 * computed as (n - 1) - arg(reverse(x)), which needs the axis size.
 */
function argReduction(milOp: 'reduce_argmax' | 'reduce_argmin'): OpConverter {
  return {
    opsets: [1, LATEST_ONNX_OPSET],
    milOps: [milOp, 'reverse', 'sub'],
    limits: 'select_last_index=1 needs a static size along the axis',
    convert(node, ctx) {
      const x = ctx.requireInput(node, 0);
      const dims = ctx.b.typeOf(x).shape;
      const axis = normalizeAxis(node, attrInt(node, 'axis', 0), dims.length);
      const keep = milConst.bool(attrInt(node, 'keepdims', 1) !== 0);
      if (attrInt(node, 'select_last_index', 0) === 0) {
        return ctx.setOutput(node, 0, ctx.b.op1(milOp, { x, axis: milConst.int(axis), keep_dims: keep }, { name: node.outputs[0] }));
      }
      const n = dims[axis];
      if (n === null || n === undefined) return ctx.unsupported(node, 'select_last_index=1 along an axis of unknown size');
      const reversed = ctx.b.op1('reverse', { x, axes: milConst.ints([axis]) }, { name: `${node.outputs[0]}_reversed` });
      const fromEnd = ctx.b.op1(milOp, { x: reversed, axis: milConst.int(axis), keep_dims: keep }, { name: `${node.outputs[0]}_from_end` });
      ctx.setOutput(node, 0, ctx.b.op1('sub', { x: milConst.int(n - 1), y: fromEnd }, { name: node.outputs[0] }));
    },
  };
}

/** A run-time axis value as an int32 [1] vector (or scalar) that cumsum variants are selected by. */
function runtimeAxisMatches(ctx: ConvertContext, node: OnnxNode, axis: string, d: number, rank: number): string {
  const name = `${node.outputs[0]}_axis${d}`;
  const b = ctx.b;
  const isD = b.op1('equal', { x: axis, y: milConst.int(d) }, { name: `${name}_pos` });
  const isNegD = b.op1('equal', { x: axis, y: milConst.int(d - rank) }, { name: `${name}_neg` });
  return b.op1('logical_or', { x: isD, y: isNegD }, { name });
}

/**
 * CumSum. A run-time axis (the ONNX input may be computed) is resolved by
 * computing the running sum along every axis and selecting the one the axis
 * value names.
 */
const cumSum: OpConverter = {
  opsets: [11, LATEST_ONNX_OPSET],
  milOps: ['cumsum', 'equal', 'logical_or', 'select'],
  limits: 'a run-time axis costs one cumsum per dim',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const t = ctx.b.typeOf(x);
    if (t.dtype !== 'float32' && t.dtype !== 'float16' && t.dtype !== 'int32') return ctx.unsupported(node, `Core ML sums fp16, fp32 and int32 only (got ${t.dtype})`);
    const rank = t.shape.length;
    const flags = { exclusive: milConst.bool(attrInt(node, 'exclusive', 0) !== 0), reverse: milConst.bool(attrInt(node, 'reverse', 0) !== 0) };
    const along = (axis: number, name: string): string => ctx.b.op1('cumsum', { x, axis: milConst.int(axis), ...flags }, { name });
    const constAxis = constantInts(ctx, node, 1);
    if (constAxis || rank === 1) return ctx.setOutput(node, 0, along(normalizeAxis(node, constAxis?.[0] ?? 0, rank), node.outputs[0]!));
    const axis = ctx.requireInput(node, 1);
    let out = along(rank - 1, `${node.outputs[0]}_along${rank - 1}`);
    for (let d = rank - 2; d >= 0; d--) {
      const cond = runtimeAxisMatches(ctx, node, axis, d, rank);
      const name = d === 0 ? node.outputs[0]! : `${node.outputs[0]}_upto${d}`;
      out = ctx.b.op1('select', { cond, a: along(d, `${node.outputs[0]}_along${d}`), b: out }, { name });
    }
    ctx.setOutput(node, 0, out);
  },
};

/** The K of TopK: the attribute before opset 10, else input 1 (constant or run-time). */
function topkK(node: OnnxNode, ctx: ConvertContext): number | string {
  if (ctx.opset < 10) return attrInt(node, 'k') ?? ctx.unsupported(node, 'the k attribute is missing');
  const k = constantInts(ctx, node, 1);
  return k ? k[0]! : ctx.requireInput(node, 1);
}

/**
 * TopK. A constant K maps to topk; a run-time K sorts the whole axis with
 * argsort, keeps the first K indices with a run-time slice end, and gathers
 * the values with gather_along_axis.
 */
const topK: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['topk', 'argsort', 'slice_by_index', 'concat', 'gather_along_axis'],
  convert(node, ctx) {
    const b = ctx.b;
    const x = ctx.requireInput(node, 0);
    const rank = b.typeOf(x).shape.length;
    const axis = normalizeAxis(node, attrInt(node, 'axis', -1), rank);
    const ascending = milConst.bool(attrInt(node, 'largest', 1) === 0);
    const k = topkK(node, ctx);
    const [valuesName, indicesName] = [node.outputs[0] || `${node.name}_values`, node.outputs[1] || `${node.name}_indices`];
    if (typeof k === 'number') {
      const size = b.typeOf(x).shape[axis];
      if (k < 1 || (typeof size === 'number' && k > size)) return ctx.unsupported(node, `K=${k} is outside [1, ${size ?? 'axis size'}]`);
      const [values, indices] = b.op('topk', { x, k: milConst.int(k), axis: milConst.int(axis), ascending }, { name: node.name, outputNames: [valuesName, indicesName] });
      ctx.setOutput(node, 0, values!);
      if (node.outputs[1]) ctx.setOutput(node, 1, indices!);
      return;
    }
    const order = b.op1('argsort', { x, axis: milConst.int(axis), ascending }, { name: `${node.name}_order` });
    const end = b.op1('concat', { values: [milConst.ints(new Array<number>(axis).fill(0)), k, milConst.ints(new Array<number>(rank - axis - 1).fill(0))].filter((v) => typeof v === 'string' || v.shape[0]! > 0), axis: milConst.int(0) }, { name: `${node.name}_end` });
    const mask = (v: boolean[]): Tensor => makeTensor('bool', [rank], Uint8Array.from(v, (f) => (f ? 1 : 0)));
    const indices = b.op1('slice_by_index', {
      x: order, begin: milConst.ints(new Array<number>(rank).fill(0)), end, end_mask: mask(Array.from({ length: rank }, (_, i) => i !== axis)),
    }, { name: indicesName });
    ctx.setOutput(node, 0, b.op1('gather_along_axis', { x, indices, axis: milConst.int(axis) }, { name: valuesName }));
    if (node.outputs[1]) ctx.setOutput(node, 1, indices);
  },
};

export const reduceConverters: ConverterTable = {
  ...Object.fromEntries(Object.entries(MIL_REDUCTION).map(([onnx, mil]) => [onnx, reduction(mil)])),
  ArgMax: argReduction('reduce_argmax'),
  ArgMin: argReduction('reduce_argmin'),
  CumSum: cumSum,
  TopK: topK,
};
