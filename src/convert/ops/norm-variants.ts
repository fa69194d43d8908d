import { milConst } from '../../mil/builder.js';
import { attrFloat, attrInt, attrInts, type OnnxNode } from '../../onnx/ir.js';
import { normalizeAxes, normalizeAxis } from '../../onnx/shapes/params.js';
import type { DType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type ConverterTable, type OpConverter } from '../types.js';
import { castTo } from './elementwise.js';
import { floatScalar, floatTensor, floatValues, guarded, outputName, typeOfInput } from './nn-util.js';

/**
 * ONNX → MIL converters for the normalization variants that Core ML has no
 * single op for: GroupNormalization (layer_norm over a grouped view),
 * MeanVarianceNormalization and LpNormalization (reductions and a division).
 * Their per-channel parameters may be computed at run time.
 */

/**
 * An ONNX parameter input as a MIL operand of `shape`: a constant is
 * reshaped and converted to x's dtype at conversion time, a run-time value
 * goes through reshape (and cast) ops.
 */
export function paramOperand(ctx: ConvertContext, node: OnnxNode, i: number, shape: readonly number[], dtype: DType): string | Tensor {
  const constant = ctx.constant(node, i);
  const count = shape.reduce((a, b) => a * b, 1);
  if (constant) {
    const values = floatValues(constant);
    if (values.length !== count) ctx.unsupported(node, `input ${i} has ${values.length} values where ${count} are needed`);
    return floatTensor(dtype, shape, values);
  }
  const v = castTo(ctx, ctx.requireInput(node, i), dtype);
  const t = typeOfInput(ctx, v);
  if (t.shape.length === 1 && t.shape[0] !== null && t.shape[0] !== count) {
    ctx.unsupported(node, `input ${i} has ${t.shape[0]} values where ${count} are needed`);
  }
  return ctx.b.op1('reshape', { x: v, shape: milConst.ints(shape) }, { name: `${outputName(node)}_param${i}` });
}

/** Static dims of x after the batch dim, or unsupported. */
function staticTail(ctx: ConvertContext, node: OnnxNode, shape: readonly (number | null)[]): number[] {
  const tail = shape.slice(1);
  if (tail.some((d) => d === null)) ctx.unsupported(node, 'the channel and spatial dims of X must be static');
  return tail as number[];
}

/**
 * GroupNormalization: x [N, C, ...] viewed as [N, G, C/G · spatial] is
 * normalized over its last axis (layer_norm), then scaled and shifted.
 * Opset 18 scales per group (scale, bias of shape [G], applied in the grouped
 * view); opset 21 per channel (shape [C], applied after reshaping back).
 */
const groupNorm: OpConverter = {
  opsets: [18, LATEST_ONNX_OPSET],
  milOps: ['reshape', 'layer_norm', 'mul', 'add'],
  limits: 'the channel and spatial dims of X must be static; computed in X\'s float type (stash_type ignored)',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const xt = typeOfInput(ctx, x);
    if (xt.shape.length < 3) ctx.unsupported(node, `X must have rank >= 3, got ${xt.shape.length}`);
    const tail = staticTail(ctx, node, xt.shape);
    const channels = tail[0]!;
    const groups = attrInt(node, 'num_groups');
    if (groups === undefined || groups <= 0 || channels % groups !== 0) {
      return ctx.unsupported(node, `num_groups ${groups ?? '(missing)'} must be positive and divide the ${channels} channels`);
    }
    const name = outputName(node);
    const perGroup = tail.reduce((a, b) => a * b, 1) / groups;
    const grouped = ctx.b.op1('reshape', { x, shape: milConst.ints([-1, groups, perGroup]) }, { name: `${name}_grouped` });
    const eps = floatScalar(attrFloat(node, 'epsilon', 1e-5), xt.dtype);
    let y = ctx.b.op1('layer_norm', { x: grouped, axes: milConst.ints([2]), epsilon: eps }, { name: `${name}_normalized` });
    const perChannel = ctx.opset >= 21;
    if (!perChannel) y = scaleShift(ctx, node, y, [groups, 1], xt.dtype, `${name}_affine`);
    y = ctx.b.op1('reshape', { x: y, shape: milConst.ints([-1, ...tail]) }, { name: perChannel ? `${name}_ungrouped` : name });
    if (perChannel) y = scaleShift(ctx, node, y, [channels, ...tail.slice(1).map(() => 1)], xt.dtype, name);
    ctx.setOutput(node, 0, y);
  },
};

/** y · scale + bias with scale (input 1) and bias (input 2) shaped for broadcasting. */
export function scaleShift(ctx: ConvertContext, node: OnnxNode, y: string, shape: readonly number[], dtype: DType, name: string): string {
  const scaled = ctx.b.op1('mul', { x: y, y: paramOperand(ctx, node, 1, shape, dtype) }, { name: `${name}_scaled` });
  return ctx.b.op1('add', { x: scaled, y: paramOperand(ctx, node, 2, shape, dtype) }, { name });
}

/**
 * MeanVarianceNormalization: (X − mean) / (sqrt(variance) + 1e-9) over
 * `axes`, as ONNX's function body defines it. The variance is the mean of the
 * squared deviations, which equals ONNX's E[X²] − E[X]² without its rounding.
 */
const meanVarianceNorm: OpConverter = {
  opsets: [9, LATEST_ONNX_OPSET],
  milOps: ['reduce_mean', 'sub', 'mul', 'sqrt', 'add', 'real_div'],
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const xt = typeOfInput(ctx, x);
    const rank = xt.shape.length;
    const axes = guarded(ctx, node, () => normalizeAxes(node, attrInts(node, 'axes') ?? [0, 2, 3], rank));
    const name = outputName(node);
    const reduce = (v: string, hint: string) =>
      ctx.b.op1('reduce_mean', { x: v, axes: milConst.ints(axes), keep_dims: milConst.bool(true) }, { name: `${name}_${hint}` });
    const centred = ctx.b.op1('sub', { x, y: reduce(x, 'mean') }, { name: `${name}_centred` });
    const squared = ctx.b.op1('mul', { x: centred, y: centred }, { name: `${name}_squared` });
    const std = ctx.b.op1('sqrt', { x: reduce(squared, 'variance') }, { name: `${name}_std` });
    const denom = ctx.b.op1('add', { x: std, y: floatScalar(1e-9, xt.dtype) }, { name: `${name}_denom` });
    ctx.setOutput(node, 0, ctx.b.op1('real_div', { x: centred, y: denom }, { name }));
  },
};

/** LpNormalization: x / ‖x‖_p along `axis`, p = 1 or 2 (no epsilon, as in ONNX). */
const lpNorm: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['reduce_l1_norm', 'reduce_l2_norm', 'real_div'],
  limits: 'p must be 1 or 2',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const rank = typeOfInput(ctx, x).shape.length;
    const p = attrInt(node, 'p', 2);
    if (p !== 1 && p !== 2) ctx.unsupported(node, `p = ${p}: ONNX defines only p = 1 and p = 2`);
    const axis = guarded(ctx, node, () => normalizeAxis(node, attrInt(node, 'axis', -1), rank));
    const name = outputName(node);
    const norm = ctx.b.op1(p === 1 ? 'reduce_l1_norm' : 'reduce_l2_norm', { x, axes: milConst.ints([axis]), keep_dims: milConst.bool(true) }, { name: `${name}_norm` });
    ctx.setOutput(node, 0, ctx.b.op1('real_div', { x, y: norm }, { name }));
  },
};

export const normVariantConverters: ConverterTable = {
  GroupNormalization: groupNorm,
  MeanVarianceNormalization: meanVarianceNorm,
  LpNormalization: lpNorm,
};
