import { milConst } from '../../mil/builder.js';
import { milDTypeName } from '../../mil/ops/misc.js';
import { attrInt, attrInts, type OnnxDim, type OnnxNode } from '../../onnx/ir.js';
import {
  castTarget, constantNodeValue, dropoutRandomness, intsParam, isDynamic, normalizeAxes, normalizeAxis, resolveReshape, splitSizes,
} from '../../onnx/shapes/params.js';
import { shapeWindow } from '../../onnx/fold/shape.js';
import { makeTensor, type Tensor } from '../../tensor/tensor.js';
import { milDTypeFor } from '../narrow.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type ConverterTable, type OpConverter } from '../types.js';
import { constantInts, constantsOf, inputType, isFullyStatic } from '../values.js';
import { dynamicSplit, dynamicSqueeze, dynamicUnsqueeze } from './shape-dynamic.js';

/** ONNX → MIL converters for the shape family: reshapes, joins, splits, casts and shape queries. */

/** Binds output 0 to input 0 unchanged (no MIL op: graph outputs get their identity from the driver). */
function forward(node: OnnxNode, ctx: ConvertContext): void {
  const c = ctx.constant(node, 0);
  if (c) ctx.setConstantOutput(node, 0, c);
  else ctx.setOutput(node, 0, ctx.requireInput(node, 0));
}

const identity: OpConverter = { opsets: [1, LATEST_ONNX_OPSET], milOps: [], convert: forward };

const dropout: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['fill', 'shape'],
  limits: 'inference mode, or ratio a constant 0 in training mode (anything else is random)',
  convert(node, ctx) {
    const random = dropoutRandomness(node, constantsOf(ctx, node));
    if (random !== undefined) return ctx.unsupported(node, random);
    forward(node, ctx);
    if (!node.outputs[1]) return;
    const shape = inputType(ctx, node, 0).shape;
    const dims = isFullyStatic(shape) ? milConst.ints(shape) : ctx.b.op1('shape', { x: ctx.requireInput(node, 0) }, { name: `${node.outputs[1]}_shape` });
    ctx.setOutput(node, 1, ctx.b.op1('fill', { shape: dims, value: milConst.bool(true) }, { name: node.outputs[1] }));
  },
};

const constant: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['const'],
  convert: (node, ctx) => ctx.setConstantOutput(node, 0, constantNodeValue(node)),
};

const cast: OpConverter = {
  opsets: [6, LATEST_ONNX_OPSET],
  milOps: ['cast'],
  limits: 'no string, float8 or 4-bit targets; int64 and float64 become int32 and fp32',
  convert(node, ctx) {
    const to = milDTypeFor(castTarget(node));
    if (to === undefined || to === 'string') return ctx.unsupported(node, `cast to ${castTarget(node)} has no Core ML counterpart`);
    const x = ctx.requireInput(node, 0);
    if (ctx.b.typeOf(x).dtype === to) return ctx.setOutput(node, 0, x);
    ctx.setOutput(node, 0, ctx.b.op1('cast', { x, dtype: milConst.str(milDTypeName(to)) }, { name: node.outputs[0] }));
  },
};

const shape: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['shape', 'slice_by_index'],
  limits: 'static shapes fold to constants; dynamic shapes use the shape op',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const rank = ctx.b.typeOf(x).shape.length;
    const [start, end] = shapeWindow(node, rank);
    const full = ctx.b.op1('shape', { x }, { name: start === 0 && end === rank ? node.outputs[0] : `${node.outputs[0]}_full` });
    if (start === 0 && end === rank) return ctx.setOutput(node, 0, full);
    const part = ctx.b.op1('slice_by_index', { x: full, begin: milConst.ints([start]), end: milConst.ints([end]) }, { name: node.outputs[0] });
    ctx.setOutput(node, 0, part);
  },
};

const size: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['shape', 'reduce_prod'],
  convert(node, ctx) {
    const dims = ctx.b.op1('shape', { x: ctx.requireInput(node, 0) }, { name: `${node.outputs[0]}_shape` });
    ctx.setOutput(node, 0, ctx.b.op1('reduce_prod', { x: dims, keep_dims: milConst.bool(false) }, { name: node.outputs[0] }));
  },
};

const flatten: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['reshape', 'flatten2d'],
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const dims = ctx.b.typeOf(x).shape;
    const raw = attrInt(node, 'axis', 1);
    const axis = raw < 0 ? raw + dims.length : raw;
    if (axis < 0 || axis > dims.length) return ctx.unsupported(node, `axis ${raw} is out of range for rank ${dims.length}`);
    if (isFullyStatic(dims)) {
      const target = [dims.slice(0, axis).reduce((a, b) => a * b, 1), dims.slice(axis).reduce((a, b) => a * b, 1)];
      return ctx.setOutput(node, 0, ctx.b.op1('reshape', { x, shape: milConst.ints(target) }, { name: node.outputs[0] }));
    }
    ctx.setOutput(node, 0, ctx.b.op1('flatten2d', { x, axis: milConst.int(axis) }, { name: node.outputs[0] }));
  },
};

const reshape: OpConverter = {
  opsets: [5, LATEST_ONNX_OPSET],
  milOps: ['reshape', 'equal', 'select', 'shape', 'slice_by_index', 'concat'],
  limits: 'a target computed at run time needs a known length; allowzero=1 only with a constant target',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const dims = ctx.b.typeOf(x).shape;
    const target = constantInts(ctx, node, 1);
    const allowzero = attrInt(node, 'allowzero', 0) !== 0;
    if (!target) return ctx.setOutput(node, 0, ctx.b.op1('reshape', { x, shape: runtimeReshapeTarget(node, ctx, x, allowzero) }, { name: node.outputs[0] }));
    if (allowzero && target.includes(0)) return ctx.unsupported(node, 'allowzero with a 0 dim makes an empty tensor');
    const resolved = resolveReshape(node, namedUnknownDims(dims), target, allowzero).map((d) => (typeof d === 'number' ? d : null));
    const shape = reshapeTarget(node, ctx, x, resolved, target);
    ctx.setOutput(node, 0, ctx.b.op1('reshape', { x, shape: typeof shape === 'string' ? shape : milConst.ints(shape) }, { name: node.outputs[0] }));
  },
};

/**
 * The length of a run-time reshape target: from its MIL type, its ONNX type,
 * or the rank of the ONNX output (which equals it).
 */
function targetLength(node: OnnxNode, ctx: ConvertContext, shape: string): number {
  const candidates = [ctx.b.typeOf(shape).shape[0], ctx.info(node.inputs[1]!)?.shape?.[0], ctx.info(node.outputs[0]!)?.shape?.length];
  const k = candidates.find((d): d is number => typeof d === 'number');
  if (k === undefined) return ctx.unsupported(node, 'the length of the run-time target shape is unknown');
  return k;
}

/**
 * A run-time target with ONNX's meaning made explicit: when its length
 * differs from the input rank, each 0 becomes the input dim at the same index
 * (Core ML copies positionally only when the lengths match, and from iOS17
 * right-aligned); the vector also gets its static length so the output rank is known.
 */
function runtimeReshapeTarget(node: OnnxNode, ctx: ConvertContext, x: string, allowzero: boolean): string {
  if (allowzero) return ctx.unsupported(node, 'allowzero=1 with a run-time target: Core ML reads a 0 entry as "copy the input dim"');
  const b = ctx.b;
  const name = node.outputs[0]!;
  let shape = ctx.requireInput(node, 1);
  const k = targetLength(node, ctx, shape);
  if (b.typeOf(shape).shape[0] !== k) shape = b.op1('reshape', { x: shape, shape: milConst.ints([k]) }, { name: `${name}_target` });
  // With as many entries as input dims, Core ML copies a 0's dim from the same position, as ONNX does.
  if (k === b.typeOf(x).shape.length) return shape;
  const isZero = b.op1('equal', { x: shape, y: milConst.int(0) }, { name: `${name}_target_zero` });
  return b.op1('select', { cond: isZero, a: copiedDims(ctx, x, k, name), b: shape }, { name: `${name}_target_resolved` });
}

/** The first k input dims (padded with 1s: a 0 entry past the input rank is malformed ONNX), static when known. */
function copiedDims(ctx: ConvertContext, x: string, k: number, name: string): string | Tensor {
  const b = ctx.b;
  const dims = b.typeOf(x).shape;
  const copied = Array.from({ length: k }, (_, i) => (i < dims.length ? dims[i]! : 1));
  if (isFullyStatic(copied)) return milConst.ints(copied);
  const full = b.op1('shape', { x }, { name: `${name}_input_dims` });
  if (k <= dims.length) return b.op1('slice_by_index', { x: full, begin: milConst.ints([0]), end: milConst.ints([k]) }, { name: `${name}_copied_dims` });
  return b.op1('concat', { values: [full, milConst.ints(new Array<number>(k - dims.length).fill(1))], axis: milConst.int(0) }, { name: `${name}_copied_dims` });
}

/**
 * Each unknown input dim as a distinct symbol, so that one copied by a 0 entry
 * cancels out and a -1 elsewhere resolves from the static dims: [7, ?, 2, 16]
 * with [0, 0, -1] gives [7, ?, 32], which Core ML reads exactly as [7, -1, 32].
 */
function namedUnknownDims(dims: readonly (number | null)[]): OnnxDim[] {
  return dims.map((d, i) => d ?? `unknown dim ${i}`);
}

/** A static target when every dim resolved; otherwise 0 / -1 in the positions Core ML reads the same way ONNX does. */
function reshapeTarget(node: OnnxNode, ctx: ConvertContext, x: string, resolved: (number | null)[], target: number[]): number[] | string {
  if (isFullyStatic(resolved)) return resolved;
  if (resolved.filter((d) => d === null).length > 1) {
    if (target.length === ctx.b.typeOf(x).shape.length) return target;
    return copiedUnknownDims(ctx, x, resolved, target, node.outputs[0]!);
  }
  return resolved.map((d) => d ?? -1);
}

/**
 * A run-time target for several unknown dims when the target's length differs
 * from x's rank ([T, B, 2, H] with [0, 0, -1], T and B dynamic): the static
 * dims as resolved, each dim a 0 entry copies read from x's run-time shape at
 * its position, and the -1 (if it stays unknown) left for Core ML to infer.
 */
function copiedUnknownDims(ctx: ConvertContext, x: string, resolved: (number | null)[], target: number[], name: string): string {
  const b = ctx.b;
  const k = resolved.length;
  const copied = resolved.map((d, i) => d === null && target[i] === 0);
  const known = milConst.ints(resolved.map((d, i) => d ?? (copied[i] ? 0 : -1)));
  const copy = makeTensor('bool', [k], Uint8Array.from(copied, (c) => (c ? 1 : 0)));
  return b.op1('select', { cond: copy, a: copiedDims(ctx, x, k, name), b: known }, { name: `${name}_target_resolved` });
}

const transpose: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['transpose'],
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const rank = ctx.b.typeOf(x).shape.length;
    const perm = attrInts(node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    ctx.setOutput(node, 0, ctx.b.op1('transpose', { x, perm: milConst.ints(normalizeAxes(node, perm, rank)) }, { name: node.outputs[0] }));
  },
};

const squeeze: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['squeeze', 'reshape', 'scatter', 'cumsum', 'equal', 'reduce_max', 'select', 'cast', 'add', 'expand_dims', 'greater', 'less', 'logical_not', 'slice_by_index'],
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const dims = ctx.b.typeOf(x).shape;
    const param = intsParam(node, ctx.opset, constantsOf(ctx, node), 'axes', 1, 13);
    if (isDynamic(param)) return dynamicSqueeze(node, ctx);
    const axes = param;
    if (!axes && !isFullyStatic(dims)) return ctx.unsupported(node, 'squeezing all size-1 dims needs a static input shape');
    const drop = axes ? normalizeAxes(node, axes, dims.length) : dims.flatMap((d, i) => (d === 1 ? [i] : []));
    if (drop.length === 0) return ctx.setOutput(node, 0, x);
    ctx.setOutput(node, 0, ctx.b.op1('squeeze', { x, axes: milConst.ints(drop) }, { name: node.outputs[0] }));
  },
};

const unsqueeze: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['expand_dims', 'reshape', 'cumsum', 'equal', 'reduce_max', 'gather', 'select', 'cast', 'add', 'greater', 'less', 'maximum', 'minimum', 'sub'],
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const param = intsParam(node, ctx.opset, constantsOf(ctx, node), 'axes', 1, 13);
    if (isDynamic(param)) return dynamicUnsqueeze(node, ctx);
    const axes = param;
    if (!axes) return ctx.unsupported(node, 'axes are missing');
    const rank = ctx.b.typeOf(x).shape.length + axes.length;
    const sorted = normalizeAxes(node, axes, rank).sort((a, b) => a - b);
    ctx.setOutput(node, 0, ctx.b.op1('expand_dims', { x, axes: milConst.ints(sorted) }, { name: node.outputs[0] }));
  },
};

const concat: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['concat'],
  convert(node, ctx) {
    const values = node.inputs.flatMap((name, i) => (name === '' ? [] : [ctx.requireInput(node, i)]));
    const rank = ctx.b.typeOf(values[0]!).shape.length;
    const axis = normalizeAxis(node, attrInt(node, 'axis', 0), rank);
    // Exporters concatenate empty pieces (e.g. an empty shape list); Core ML has no empty tensors.
    const nonEmpty = values.filter((v) => ctx.b.typeOf(v).shape[axis] !== 0);
    if (nonEmpty.length === 0) return ctx.unsupported(node, 'every input is empty');
    if (nonEmpty.length === 1) return ctx.setOutput(node, 0, nonEmpty[0]!);
    ctx.setOutput(node, 0, ctx.b.op1('concat', { values: nonEmpty, axis: milConst.int(axis), interleave: milConst.bool(false) }, { name: node.outputs[0] }));
  },
};

const split: OpConverter = {
  opsets: [2, LATEST_ONNX_OPSET],
  milOps: ['split', 'cumsum', 'slice_by_index', 'concat', 'sub'],
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const dims = ctx.b.typeOf(x).shape;
    const axis = normalizeAxis(node, attrInt(node, 'axis', 0), dims.length);
    const sizes = splitSizes(node, ctx.opset, constantsOf(ctx, node), dims[axis] ?? undefined);
    if (isDynamic(sizes)) return dynamicSplit(node, ctx, axis);
    const outputs = node.outputs;
    if (outputs.length === 1) return ctx.setOutput(node, 0, x);
    const args = sizes ? { x, split_sizes: milConst.ints(sizes), axis: milConst.int(axis) } : { x, num_splits: milConst.int(outputs.length), axis: milConst.int(axis) };
    const names = ctx.b.op('split', args, { name: node.name, outputNames: outputs.map((o, k) => o || `${node.name}_unused_${k}`) });
    names.forEach((v, k) => ctx.setOutput(node, k, v));
  },
};

export const shapeConverters: ConverterTable = {
  Identity: identity,
  Dropout: dropout,
  Constant: constant,
  Cast: cast,
  Shape: shape,
  Size: size,
  Flatten: flatten,
  Reshape: reshape,
  Transpose: transpose,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Concat: concat,
  Split: split,
};
