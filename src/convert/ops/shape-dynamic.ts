import { milConst } from '../../mil/builder.js';
import type { OnnxNode } from '../../onnx/ir.js';
import { makeTensor, type Tensor } from '../../tensor/tensor.js';
import type { ConvertContext } from '../types.js';
import { isFullyStatic } from '../values.js';

/**
 * Unsqueeze, Squeeze, Split and reductions whose axes or split sizes are
 * computed at run time. The MIL ops take those as constants, so the
 * lowerings build the ONNX result from run-time shape arithmetic instead:
 * Unsqueeze and Squeeze become a reshape to a computed target, Split a
 * slice per output between cumulative sizes, and a reduction reduces every
 * dim the axes may name, keeps the reduced values where they do, and slices
 * those dims down to 1. The number of axes (or outputs) must be static.
 */

type Arg = string | Tensor;

function op(ctx: ConvertContext, type: string, args: Record<string, Arg | Arg[]>, name: string): string {
  return ctx.b.op1(type, args, { name });
}

/** Run-time axes input i, as int32 [k] with negatives wrapped by `rank`; k must be static. */
function runtimeAxes(node: OnnxNode, ctx: ConvertContext, i: number, rank: number, name: string): { axes: string; count: number } {
  const raw = ctx.requireInput(node, i);
  const count = ctx.b.typeOf(raw).shape[0];
  if (typeof count !== 'number' || ctx.b.typeOf(raw).shape.length !== 1) return ctx.unsupported(node, `the run-time axes (input ${i}) must be a vector of static length`);
  const negative = op(ctx, 'less', { x: raw, y: milConst.int(0) }, `${name}_axes_neg`);
  const wrapped = op(ctx, 'add', { x: raw, y: milConst.int(rank) }, `${name}_axes_wrapped`);
  return { axes: op(ctx, 'select', { cond: negative, a: wrapped, b: raw }, `${name}_axes`), count };
}

/** bool [n]: whether position p is among the axes. */
function axisFlags(ctx: ConvertContext, axes: string, n: number, name: string): string {
  const column = op(ctx, 'expand_dims', { x: axes, axes: milConst.ints([1]) }, `${name}_axes_col`);
  const positions = milConst.ints(Array.from({ length: n }, (_, p) => p));
  const hits = op(ctx, 'cast', { x: op(ctx, 'equal', { x: column, y: positions }, `${name}_hits`), dtype: milConst.str('int32') }, `${name}_hits_int`);
  const any = op(ctx, 'reduce_max', { x: hits, axes: milConst.ints([0]), keep_dims: milConst.bool(false) }, `${name}_any`);
  return op(ctx, 'greater', { x: any, y: milConst.int(0) }, `${name}_flags`);
}

/** x's dims as int32 [rank]: a constant when static. */
function dimsVector(ctx: ConvertContext, x: string, name: string): Arg {
  const dims = ctx.b.typeOf(x).shape;
  return isFullyStatic(dims) ? milConst.ints(dims) : op(ctx, 'shape', { x }, `${name}_dims`);
}

function reshapeTo(ctx: ConvertContext, x: string, target: Arg, name: string): string {
  return op(ctx, 'reshape', { x, shape: target }, name);
}

export function dynamicUnsqueeze(node: OnnxNode, ctx: ConvertContext): void {
  const name = node.outputs[0]!;
  const x = ctx.requireInput(node, 0);
  const rank = ctx.b.typeOf(x).shape.length;
  const probe = ctx.b.typeOf(ctx.requireInput(node, 1)).shape[0];
  const outRank = rank + (typeof probe === 'number' ? probe : 0);
  const { axes } = runtimeAxes(node, ctx, 1, outRank, name);
  if (rank === 0) return ctx.setOutput(node, 0, reshapeTo(ctx, x, milConst.ints(new Array<number>(outRank).fill(1)), name));
  const flags = axisFlags(ctx, axes, outRank, name);
  // Output position p takes input dim p − (number of inserted positions before p), or 1 where inserted.
  const inserted = op(ctx, 'cast', { x: flags, dtype: milConst.str('int32') }, `${name}_inserted`);
  const before = op(ctx, 'cumsum', { x: inserted, axis: milConst.int(0), exclusive: milConst.bool(true), reverse: milConst.bool(false) }, `${name}_before`);
  const source = op(ctx, 'sub', { x: milConst.ints(Array.from({ length: outRank }, (_, p) => p)), y: before }, `${name}_source`);
  const clamped = op(ctx, 'minimum', { x: op(ctx, 'maximum', { x: source, y: milConst.int(0) }, `${name}_source_lo`), y: milConst.int(rank - 1) }, `${name}_source_clamped`);
  const dims = op(ctx, 'gather', { x: dimsVector(ctx, x, name), indices: clamped, axis: milConst.int(0) }, `${name}_moved_dims`);
  const target = op(ctx, 'select', { cond: flags, a: milConst.int(1), b: dims }, `${name}_target`);
  ctx.setOutput(node, 0, reshapeTo(ctx, x, target, name));
}

/** x's dims without the flagged positions ([rank − count]), by scattering kept dims to their new places. */
function dimsWithout(ctx: ConvertContext, x: string, flags: string, count: number, name: string): string {
  const rank = ctx.b.typeOf(x).shape.length;
  const outRank = rank - count;
  const kept = op(ctx, 'cast', { x: op(ctx, 'logical_not', { x: flags }, `${name}_kept`), dtype: milConst.str('int32') }, `${name}_kept_int`);
  const place = op(ctx, 'cumsum', { x: kept, axis: milConst.int(0), exclusive: milConst.bool(true), reverse: milConst.bool(false) }, `${name}_place`);
  // Dropped dims all land in one spare slot past the end.
  const dest = op(ctx, 'select', { cond: flags, a: milConst.int(outRank), b: place }, `${name}_dest`);
  const buffer = op(ctx, 'scatter', {
    data: milConst.ints(new Array<number>(outRank + 1).fill(0)), indices: dest, updates: dimsVector(ctx, x, name), axis: milConst.int(0), mode: milConst.str('update'),
  }, `${name}_buffer`);
  return op(ctx, 'slice_by_index', { x: buffer, begin: milConst.ints([0]), end: milConst.ints([outRank]) }, `${name}_kept_dims`);
}

export function dynamicSqueeze(node: OnnxNode, ctx: ConvertContext): void {
  const name = node.outputs[0]!;
  const x = ctx.requireInput(node, 0);
  const rank = ctx.b.typeOf(x).shape.length;
  const { axes, count } = runtimeAxes(node, ctx, 1, rank, name);
  if (count > rank) return ctx.unsupported(node, `${count} axes for a rank-${rank} tensor`);
  if (count === rank) return ctx.setOutput(node, 0, reshapeTo(ctx, x, milConst.ints([]), name));
  ctx.setOutput(node, 0, reshapeTo(ctx, x, dimsWithout(ctx, x, axisFlags(ctx, axes, rank, name), count, name), name));
}

/** Split with run-time sizes: output i is x[begin_i : begin_i + size_i] along axis. */
export function dynamicSplit(node: OnnxNode, ctx: ConvertContext, axis: number): void {
  const name = node.name;
  const x = ctx.requireInput(node, 0);
  const rank = ctx.b.typeOf(x).shape.length;
  const sizes = ctx.requireInput(node, 1);
  if (ctx.b.typeOf(sizes).shape[0] !== node.outputs.length) return ctx.unsupported(node, `the run-time split sizes must have one entry per output (${node.outputs.length})`);
  const ends = op(ctx, 'cumsum', { x: sizes, axis: milConst.int(0), exclusive: milConst.bool(false), reverse: milConst.bool(false) }, `${name}_ends`);
  const begins = op(ctx, 'sub', { x: ends, y: sizes }, `${name}_begins`);
  const others = makeTensor('bool', [rank], Uint8Array.from({ length: rank }, (_, d) => (d === axis ? 0 : 1)));
  const fullRank = (v: string, i: number, what: string): string => {
    const one = op(ctx, 'slice_by_index', { x: v, begin: milConst.ints([i]), end: milConst.ints([i + 1]) }, `${name}_${what}${i}_at`);
    const parts: Arg[] = [milConst.ints(new Array<number>(axis).fill(0)), one, milConst.ints(new Array<number>(rank - axis - 1).fill(0))];
    return op(ctx, 'concat', { values: parts.filter((p) => typeof p === 'string' || p.shape[0]! > 0), axis: milConst.int(0) }, `${name}_${what}${i}`);
  };
  node.outputs.forEach((out, i) => {
    if (!out) return;
    const piece = op(ctx, 'slice_by_index', { x, begin: fullRank(begins, i, 'begin'), end: fullRank(ends, i, 'end'), begin_mask: others, end_mask: others }, out);
    ctx.setOutput(node, i, piece);
  });
}

/**
 * Reductions that can be applied one dim at a time (reducing the partial
 * results again gives the same answer). The two that cannot are split into
 * such a reduction and an element-wise step: log_sum = log ∘ sum, sum_square = sum ∘ square.
 */
const SEQUENTIAL_REDUCTIONS = new Set(['reduce_sum', 'reduce_mean', 'reduce_max', 'reduce_min', 'reduce_prod', 'reduce_l1_norm', 'reduce_l2_norm', 'reduce_log_sum_exp']);

export function dynamicReduce(node: OnnxNode, ctx: ConvertContext, milOp: string, keepdims: boolean): void {
  const name = node.outputs[0]!;
  if (milOp === 'reduce_log_sum') {
    const sum = `${name}_sum`;
    dynamicReduceWith(node, ctx, 'reduce_sum', keepdims, ctx.requireInput(node, 0), sum);
    const log = op(ctx, 'log', { x: sum, epsilon: milConst.float(0, ctx.b.typeOf(sum).dtype === 'float16' ? 'float16' : 'float32') }, name);
    return ctx.setOutput(node, 0, log);
  }
  if (milOp === 'reduce_sum_square') {
    const x = ctx.requireInput(node, 0);
    return dynamicReduceWith(node, ctx, 'reduce_sum', keepdims, op(ctx, 'mul', { x, y: x }, `${name}_square`), name, true);
  }
  if (!SEQUENTIAL_REDUCTIONS.has(milOp)) return ctx.unsupported(node, `${milOp} over run-time axes`);
  dynamicReduceWith(node, ctx, milOp, keepdims, ctx.requireInput(node, 0), name, true);
}

/** Reduces x over the run-time axes into a value named `name`, bound to the output when `bind`. */
function dynamicReduceWith(node: OnnxNode, ctx: ConvertContext, milOp: string, keepdims: boolean, x: string, name: string, bind = false): void {
  const rank = ctx.b.typeOf(x).shape.length;
  const { axes, count } = runtimeAxes(node, ctx, 1, rank, name);
  if (count === 0) return ctx.unsupported(node, 'an empty run-time axes vector');
  const flags = axisFlags(ctx, axes, rank, name);
  let y = x;
  for (let d = 0; d < rank; d++) {
    const reduced = op(ctx, milOp, { x: y, axes: milConst.ints([d]), keep_dims: milConst.bool(true) }, `${name}_r${d}`);
    const flag = op(ctx, 'slice_by_index', { x: flags, begin: milConst.ints([d]), end: milConst.ints([d + 1]) }, `${name}_flag${d}`);
    y = op(ctx, 'select', { cond: flag, a: reduced, b: y }, `${name}_s${d}`);
  }
  // Reduced dims now repeat one value; keep the first.
  const end = op(ctx, 'select', { cond: flags, a: milConst.int(1), b: dimsVector(ctx, x, name) }, `${name}_end`);
  const kept = op(ctx, 'slice_by_index', { x: y, begin: milConst.ints(new Array<number>(rank).fill(0)), end }, keepdims ? name : `${name}_kept`);
  let out = kept;
  if (!keepdims) out = reshapeTo(ctx, kept, count >= rank ? milConst.ints([]) : dimsWithout(ctx, x, flags, count, name), name);
  if (bind) ctx.setOutput(node, 0, out);
}
