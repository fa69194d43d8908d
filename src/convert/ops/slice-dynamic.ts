import { milConst } from '../../mil/builder.js';
import type { OnnxNode } from '../../onnx/ir.js';
import { normalizeAxes } from '../../onnx/shapes/params.js';
import { makeTensor, type Tensor } from '../../tensor/tensor.js';
import type { ConvertContext } from '../types.js';
import { clampToInt32, constantInts, isFullyStatic } from '../values.js';

/**
 * Slice (opset ≥ 10) whose starts, ends, axes or steps are computed at run
 * time. ONNX's clamping is spelled out with MIL element-wise ops:
 *   start += dim if negative, then clamp to [0, dim] (step > 0) or [0, dim − 1] (step < 0);
 *   end   += dim if negative, then clamp to [0, dim] (step > 0) or [−1, dim − 1] (step < 0).
 * Constant positive steps slice with slice_by_index and run-time begin/end;
 * run-time or negative steps gather each sliced axis at range_1d(start, end, step).
 * Run-time axes scatter the bounds into full-rank vectors first.
 */

type Arg = string | Tensor;

interface Bounds {
  /** Sliced dims, in the order of the vectors below. */
  axes: number[];
  starts: Arg;
  ends: Arg;
  /** Constant steps, or a run-time vector. */
  steps: number[] | string;
}

/** Input i as a constant int list, or a run-time int32 vector; its length must be static. */
function vectorInput(node: OnnxNode, ctx: ConvertContext, i: number): { ints?: number[]; value: Arg; length: number } {
  const ints = constantInts(ctx, node, i);
  if (ints) return { ints, value: milConst.ints(ints.map(clampToInt32)), length: ints.length };
  const value = ctx.requireInput(node, i);
  const length = ctx.b.typeOf(value).shape[0];
  if (typeof length !== 'number') return ctx.unsupported(node, `the length of input ${i} must be static`);
  return { value, length };
}

function op(ctx: ConvertContext, type: string, args: Record<string, Arg | Arg[]>, name: string): string {
  return ctx.b.op1(type, args, { name });
}

/** The size of each listed dim: constants when static, else read from shape(x). */
function dimsOf(ctx: ConvertContext, x: string, axes: Arg, staticAxes: number[] | undefined, name: string): Arg {
  const dims = ctx.b.typeOf(x).shape;
  if (staticAxes) {
    const sizes = staticAxes.map((a) => dims[a]!);
    if (isFullyStatic(sizes)) return milConst.ints(sizes);
  } else if (isFullyStatic(dims)) {
    return op(ctx, 'gather', { x: milConst.ints(dims), indices: axes, axis: milConst.int(0) }, `${name}_dims`);
  }
  const shape = op(ctx, 'shape', { x }, `${name}_shape`);
  return op(ctx, 'gather', { x: shape, indices: axes, axis: milConst.int(0) }, `${name}_dims`);
}

/** Run-time axes: the bounds scattered over every dim (unsliced dims keep 0 … dim, step 1). */
function scatterToFullRank(node: OnnxNode, ctx: ConvertContext, x: string, starts: Arg, ends: Arg, steps: Arg | undefined): Bounds {
  const name = node.outputs[0]!;
  const rank = ctx.b.typeOf(x).shape.length;
  const all = Array.from({ length: rank }, (_, i) => i);
  const raw = ctx.requireInput(node, 3);
  const negative = op(ctx, 'less', { x: raw, y: milConst.int(0) }, `${name}_axes_neg`);
  const axes = op(ctx, 'select', { cond: negative, a: op(ctx, 'add', { x: raw, y: milConst.int(rank) }, `${name}_axes_wrapped`), b: raw }, `${name}_axes`);
  const scatter = (data: Arg, updates: Arg, what: string): string =>
    op(ctx, 'scatter', { data, indices: axes, updates, axis: milConst.int(0), mode: milConst.str('update') }, `${name}_${what}`);
  const dims = dimsOf(ctx, x, milConst.ints(all), all, name);
  return {
    axes: all,
    starts: scatter(milConst.ints(new Array<number>(rank).fill(0)), starts, 'starts_full'),
    ends: scatter(dims, ends, 'ends_full'),
    steps: steps === undefined ? all.map(() => 1) : scatter(milConst.ints(all.map(() => 1)), steps, 'steps_full'),
  };
}

function readBounds(node: OnnxNode, ctx: ConvertContext, x: string): Bounds {
  const rank = ctx.b.typeOf(x).shape.length;
  const starts = vectorInput(node, ctx, 1);
  const ends = vectorInput(node, ctx, 2);
  if (starts.length !== ends.length) return ctx.unsupported(node, 'starts and ends must have the same length');
  const steps = node.inputs[4] ? vectorInput(node, ctx, 4) : undefined;
  if (steps?.ints?.some((s) => s === 0)) return ctx.unsupported(node, 'a slice step is 0');
  if (node.inputs[3] && !constantInts(ctx, node, 3)) return scatterToFullRank(node, ctx, x, starts.value, ends.value, steps?.value);
  const axesConst = node.inputs[3] ? constantInts(ctx, node, 3)! : starts.ints?.map((_, i) => i) ?? Array.from({ length: starts.length }, (_, i) => i);
  const stepList = steps ? steps.ints ?? (steps.value as string) : axesConst.map(() => 1);
  return { axes: normalizeAxes(node, axesConst, rank), starts: starts.value, ends: ends.value, steps: stepList };
}

/** v + dim where v < 0, clamped to [lo, hi]. */
function clampBound(ctx: ConvertContext, v: Arg, dims: Arg, lo: Arg, hi: Arg, name: string): string {
  const negative = op(ctx, 'less', { x: v, y: milConst.int(0) }, `${name}_neg`);
  const wrapped = op(ctx, 'select', { cond: negative, a: op(ctx, 'add', { x: v, y: dims }, `${name}_plus_dim`), b: v }, `${name}_wrapped`);
  return op(ctx, 'minimum', { x: op(ctx, 'maximum', { x: wrapped, y: lo }, `${name}_lo`), y: hi }, name);
}

/** Constant positive steps: one slice_by_index with begin/end gathered into full-rank vectors. */
function sliceByIndex(node: OnnxNode, ctx: ConvertContext, x: string, bd: Bounds, steps: number[]): string {
  const name = node.outputs[0]!;
  const rank = ctx.b.typeOf(x).shape.length;
  const dims = dimsOf(ctx, x, milConst.ints(bd.axes), bd.axes, name);
  const zero = milConst.int(0);
  const begin = clampBound(ctx, bd.starts, dims, zero, dims, `${name}_begin_k`);
  const end = clampBound(ctx, bd.ends, dims, zero, dims, `${name}_end_k`);
  const position = new Array<number>(rank).fill(0);
  bd.axes.forEach((a, j) => (position[a] = j));
  const full = (v: string, what: string): string => op(ctx, 'gather', { x: v, indices: milConst.ints(position), axis: zero }, `${name}_${what}`);
  const sliced = new Set(bd.axes);
  const unsliced = makeTensor('bool', [rank], Uint8Array.from({ length: rank }, (_, i) => (sliced.has(i) ? 0 : 1)));
  const stride = Array.from({ length: rank }, (_, i) => (sliced.has(i) ? steps[bd.axes.indexOf(i)]! : 1));
  return op(ctx, 'slice_by_index', {
    x, begin: full(begin, 'begin'), end: full(end, 'end'), stride: milConst.ints(stride), begin_mask: unsliced, end_mask: unsliced,
  }, name);
}

/** Element j of a vector as a scalar. */
function element(ctx: ConvertContext, v: Arg, j: number, name: string): string {
  const one = op(ctx, 'slice_by_index', { x: v, begin: milConst.ints([j]), end: milConst.ints([j + 1]) }, `${name}_1`);
  return op(ctx, 'reshape', { x: one, shape: milConst.ints([]) }, name);
}

/** Any steps: gather every sliced axis at range_1d(start, end, step). */
function gatherRanges(node: OnnxNode, ctx: ConvertContext, x: string, bd: Bounds): string {
  const name = node.outputs[0]!;
  const dims = dimsOf(ctx, x, milConst.ints(bd.axes), bd.axes, name);
  const steps = typeof bd.steps === 'string' ? bd.steps : milConst.ints(bd.steps);
  const forward = op(ctx, 'greater', { x: steps, y: milConst.int(0) }, `${name}_forward`);
  const last = op(ctx, 'sub', { x: dims, y: milConst.int(1) }, `${name}_last`);
  const hi = op(ctx, 'select', { cond: forward, a: dims, b: last }, `${name}_hi`);
  const loEnd = op(ctx, 'select', { cond: forward, a: milConst.int(0), b: milConst.int(-1) }, `${name}_lo_end`);
  const begin = clampBound(ctx, bd.starts, dims, milConst.int(0), hi, `${name}_begin_k`);
  const end = clampBound(ctx, bd.ends, dims, loEnd, hi, `${name}_end_k`);
  let out = x;
  bd.axes.forEach((axis, j) => {
    const at = (v: Arg, what: string): string => element(ctx, v, j, `${name}_${what}${j}`);
    const indices = op(ctx, 'range_1d', { start: at(begin, 'start'), end: at(end, 'stop'), step: at(steps, 'step') }, `${name}_range${j}`);
    out = op(ctx, 'gather', { x: out, indices, axis: milConst.int(axis) }, j === bd.axes.length - 1 ? name : `${name}_axis${j}`);
  });
  return out;
}

export function convertDynamicSlice(node: OnnxNode, ctx: ConvertContext): void {
  if (ctx.opset < 10) return ctx.unsupported(node, 'slice bounds must be constants before opset 10');
  const x = ctx.requireInput(node, 0);
  const bounds = readBounds(node, ctx, x);
  const steps = bounds.steps;
  const out = typeof steps !== 'string' && steps.every((s) => s > 0) ? sliceByIndex(node, ctx, x, bounds, steps) : gatherRanges(node, ctx, x, bounds);
  ctx.setOutput(node, 0, out);
}
