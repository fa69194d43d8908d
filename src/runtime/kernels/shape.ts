import { elementCount } from '../../tensor/tensor.js';
import { normAxis, type KernelTable, type OpContext } from '../kernel.js';
import { allocFor, makeValue, type RtNumeric, type RtValue } from '../value.js';
import { gatherByDimMaps, iota, permute } from './layout.js';

/** reshape, transpose, squeeze, expand_dims, flatten2d, concat, stack, split, slices, tile, pad, reverse. */

function withShape(x: RtValue, shape: readonly number[]): RtValue {
  return { dtype: x.dtype, shape: [...shape], data: x.data };
}

/**
 * reshape: −1 is inferred; 0 copies a dim of x — by position in iOS15/16, and
 * right-aligned from iOS17 (where a 0 with no counterpart becomes 1).
 */
function reshape(ctx: OpContext): RtValue[] {
  const x = ctx.input('x');
  const target = ctx.requiredInts('shape');
  const rightAligned = ctx.opset === 'CoreML7' || ctx.opset === 'CoreML8';
  const offset = target.length - x.shape.length;
  const shape = target.map((d, i) => {
    if (d !== 0) return d;
    const src = rightAligned ? i - offset : i;
    return src >= 0 && src < x.shape.length ? x.shape[src]! : rightAligned ? 1 : ctx.fail(`shape entry 0 at ${i} has no dim of x to copy`);
  });
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1) ctx.fail(`shape [${target.join(',')}] has more than one -1`);
  const known = shape.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  const resolved = shape.map((d) => (d === -1 ? x.data.length / (known || 1) : d));
  if (elementCount(resolved) !== x.data.length || resolved.some((d) => !Number.isInteger(d) || d < 0)) {
    ctx.fail(`cannot reshape [${x.shape.join(',')}] to [${target.join(',')}]`);
  }
  return [withShape(x, resolved)];
}

/**
 * reshape_like (iOS16): the target shape is the concatenation, over the
 * reference tensors, of ref_i.shape[begins[i]:ends[i]] (to the end when
 * end_masks[i]).
 */
function reshapeLike(ctx: OpContext): RtValue[] {
  const x = ctx.input('x');
  const refs = ctx.variadic('ref_tensors');
  const scalars = (name: string) => ctx.variadic(name).map((v) => Number(v.data[0]));
  const [begins, ends, masks] = [scalars('begins'), scalars('ends'), scalars('end_masks')];
  if (begins.length !== refs.length || ends.length !== refs.length || masks.length !== refs.length) {
    ctx.fail('ref_tensors, begins, ends and end_masks must have the same length');
  }
  const shape = refs.flatMap((ref, i) => ref.shape.slice(begins[i]!, masks[i] ? ref.shape.length : ends[i]!));
  if (elementCount(shape) !== x.data.length) ctx.fail(`cannot reshape [${x.shape.join(',')}] to [${shape.join(',')}]`);
  return [withShape(x, shape)];
}

function transpose(ctx: OpContext): RtValue[] {
  const x = ctx.input('x');
  const perm = ctx.requiredInts('perm').map((p) => normAxis(ctx, p, x.shape.length));
  if (perm.length !== x.shape.length || new Set(perm).size !== perm.length) ctx.fail(`perm [${perm.join(',')}] is not a permutation of rank ${x.shape.length}`);
  return [permute(x, perm)];
}

function squeeze(ctx: OpContext): RtValue[] {
  const x = ctx.input('x');
  const given = ctx.ints('axes');
  const axes = given ? given.map((a) => normAxis(ctx, a, x.shape.length)) : undefined;
  const shape = x.shape.filter((d, i) => !(d === 1 && (!axes || axes.includes(i))));
  return [withShape(x, shape)];
}

function expandDims(ctx: OpContext): RtValue[] {
  const x = ctx.input('x');
  const axesIn = ctx.requiredInts('axes');
  const rank = x.shape.length + axesIn.length;
  const axes = new Set(axesIn.map((a) => normAxis(ctx, a, rank)));
  const shape: number[] = [];
  let src = 0;
  for (let i = 0; i < rank; i++) shape.push(axes.has(i) ? 1 : x.shape[src++]!);
  return [withShape(x, shape)];
}

function flatten2d(ctx: OpContext): RtValue[] {
  const x = ctx.input('x');
  const rank = x.shape.length;
  let axis = ctx.num('axis', 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank) ctx.fail(`axis ${axis} is out of range for rank ${rank}`);
  return [withShape(x, [elementCount(x.shape.slice(0, axis)), elementCount(x.shape.slice(axis))])];
}

function newStorage(x: RtValue, n: number): RtNumeric | string[] {
  return x.dtype === 'string' ? new Array<string>(n) : allocFor(x.dtype, n);
}

function concatValues(ctx: OpContext, values: RtValue[], axisIn: number, interleave: boolean): RtValue {
  if (values.length === 0) ctx.fail('needs at least one value');
  const first = values[0]!;
  const rank = first.shape.length;
  const axis = normAxis(ctx, axisIn, rank);
  for (const v of values) {
    if (v.shape.length !== rank || v.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
      ctx.fail(`cannot concatenate shapes ${values.map((u) => `[${u.shape.join(',')}]`).join(', ')} on axis ${axis}`);
    }
  }
  const total = values.reduce((s, v) => s + v.shape[axis]!, 0);
  const shape = first.shape.map((d, i) => (i === axis ? total : d));
  const outer = elementCount(first.shape.slice(0, axis));
  const inner = elementCount(first.shape.slice(axis + 1));
  const out = newStorage(first, elementCount(shape));
  let o = 0;
  for (let b = 0; b < outer; b++) {
    if (interleave) {
      // Element k of every input along the axis lands next to each other.
      const n = first.shape[axis]!;
      for (let k = 0; k < n; k++) {
        for (const v of values) for (let j = 0; j < inner; j++) out[o++] = v.data[(b * n + k) * inner + j]!;
      }
      continue;
    }
    for (const v of values) {
      const chunk = v.shape[axis]! * inner;
      const start = b * chunk;
      for (let j = 0; j < chunk; j++) out[o++] = v.data[start + j]!;
    }
  }
  return { dtype: first.dtype, shape, data: out };
}

function concat(ctx: OpContext): RtValue[] {
  return [concatValues(ctx, ctx.variadic('values'), ctx.num('axis'), ctx.bool('interleave', false))];
}

function stack(ctx: OpContext): RtValue[] {
  const values = ctx.variadic('values');
  if (values.length === 0) ctx.fail('needs at least one value');
  const axis = normAxis(ctx, ctx.num('axis'), values[0]!.shape.length + 1);
  const expanded = values.map((v) => withShape(v, [...v.shape.slice(0, axis), 1, ...v.shape.slice(axis)]));
  return [concatValues(ctx, expanded, axis, false)];
}

function split(ctx: OpContext): RtValue[] {
  const x = ctx.input('x');
  const axis = normAxis(ctx, ctx.num('axis'), x.shape.length);
  const dim = x.shape[axis]!;
  let sizes = ctx.ints('split_sizes');
  if (!sizes) {
    const parts = ctx.num('num_splits', ctx.outputCount);
    const size = Math.ceil(dim / parts);
    sizes = Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(size, dim - i * size)));
  }
  if (sizes.reduce((s, d) => s + d, 0) !== dim) ctx.fail(`split sizes [${sizes.join(',')}] do not add up to ${dim}`);
  let start = 0;
  return sizes.map((size) => {
    const maps = x.shape.map((d, i) => (i === axis ? iota(size).map((k) => k + start) : iota(d)));
    start += size;
    return { dtype: x.dtype, shape: maps.map((m) => m.length), data: gatherByDimMaps(x, maps) };
  });
}

/** Python slice semantics for one dim: negative indices count from the end, out-of-range ones clamp. */
export function sliceMap(dim: number, begin: number, end: number, stride: number, beginAll: boolean, endAll: boolean): Int32Array {
  const norm = (v: number): number => (v < 0 ? v + dim : v);
  let b: number;
  let e: number;
  if (stride > 0) {
    b = beginAll ? 0 : Math.min(Math.max(norm(begin), 0), dim);
    e = endAll ? dim : Math.min(Math.max(norm(end), 0), dim);
  } else {
    b = beginAll ? dim - 1 : Math.min(Math.max(norm(begin), -1), dim - 1);
    e = endAll ? -1 : Math.min(Math.max(norm(end), -1), dim - 1);
  }
  const count = Math.max(0, Math.ceil((e - b) / stride));
  const map = new Int32Array(count);
  for (let i = 0; i < count; i++) map[i] = b + i * stride;
  return map;
}

/** The attributes slice_by_index and slice_update share; absent stride and masks mean 1 and false per dim. */
export function readSliceAttributes(ctx: OpContext, rank: number): {
  begin: number[]; end: number[]; stride: number[]; beginMask: boolean[]; endMask: boolean[]; squeezeMask: boolean[];
} {
  const mask = (name: string): boolean[] => (ctx.ints(name) ?? new Array<number>(rank).fill(0)).map((m) => m !== 0);
  return {
    begin: ctx.requiredInts('begin'),
    end: ctx.requiredInts('end'),
    stride: ctx.ints('stride') ?? new Array<number>(rank).fill(1),
    beginMask: mask('begin_mask'),
    endMask: mask('end_mask'),
    squeezeMask: mask('squeeze_mask'),
  };
}

function sliceByIndex(ctx: OpContext): RtValue[] {
  const x = ctx.input('x');
  const rank = x.shape.length;
  const { begin, end, stride, beginMask, endMask, squeezeMask } = readSliceAttributes(ctx, rank);
  if (begin.length !== rank || end.length !== rank || stride.length !== rank) ctx.fail(`begin/end/stride must have ${rank} values`);
  const maps = x.shape.map((dim, i) => {
    if (stride[i] === 0) ctx.fail(`stride of dim ${i} is 0`);
    if (squeezeMask[i]) {
      const idx = begin[i]! < 0 ? begin[i]! + dim : begin[i]!;
      if (idx < 0 || idx >= dim) ctx.fail(`squeezed index ${begin[i]} is out of range for dim ${i} of size ${dim}`);
      return Int32Array.of(idx);
    }
    return sliceMap(dim, begin[i]!, end[i]!, stride[i]!, beginMask[i]!, endMask[i]!);
  });
  const data = gatherByDimMaps(x, maps);
  const shape = maps.map((m) => m.length).filter((_, i) => !squeezeMask[i]);
  return [{ dtype: x.dtype, shape, data }];
}

function sliceBySize(ctx: OpContext): RtValue[] {
  const x = ctx.input('x');
  const begin = ctx.requiredInts('begin');
  const size = ctx.requiredInts('size');
  const maps = x.shape.map((dim, i) => {
    const b = begin[i]! < 0 ? begin[i]! + dim : begin[i]!;
    const n = size[i] === -1 ? dim - b : size[i]!;
    if (b < 0 || n < 0 || b + n > dim) ctx.fail(`slice of size ${size[i]} at ${begin[i]} does not fit dim ${i} of size ${dim}`);
    return iota(n).map((k) => k + b);
  });
  return [{ dtype: x.dtype, shape: maps.map((m) => m.length), data: gatherByDimMaps(x, maps) }];
}

function tile(ctx: OpContext): RtValue[] {
  const x = ctx.input('x');
  const reps = ctx.requiredInts('reps');
  if (reps.length !== x.shape.length) ctx.fail(`reps has ${reps.length} values for rank ${x.shape.length}`);
  const maps = x.shape.map((dim, i) => iota(dim * reps[i]!).map((k) => k % dim));
  return [{ dtype: x.dtype, shape: maps.map((m) => m.length), data: gatherByDimMaps(x, maps) }];
}

function reverse(ctx: OpContext): RtValue[] {
  const x = ctx.input('x');
  const axes = (ctx.ints('axes') ?? x.shape.map((_, i) => i)).map((a) => normAxis(ctx, a, x.shape.length));
  const maps = x.shape.map((dim, i) => (axes.includes(i) ? iota(dim).map((k) => dim - 1 - k) : iota(dim)));
  return [{ dtype: x.dtype, shape: [...x.shape], data: gatherByDimMaps(x, maps) }];
}

function shapeOf(ctx: OpContext): RtValue[] {
  const x = ctx.input('x');
  return [makeValue('int32', [x.shape.length], Int32Array.from(x.shape))];
}

function fill(ctx: OpContext): RtValue[] {
  const shape = ctx.requiredInts('shape');
  const dtype = ctx.outputDType();
  const out = allocFor(dtype === 'float16' ? 'float32' : dtype, elementCount(shape));
  out.fill(ctx.num('value', 0));
  return [makeValue(dtype, shape, out)];
}

function fillLike(ctx: OpContext): RtValue[] {
  const ref = ctx.input('ref_tensor');
  const dtype = ctx.outputDType();
  const out = allocFor(dtype, ref.data.length);
  out.fill(ctx.num('value', 0));
  return [makeValue(dtype, ref.shape, out)];
}

function range1d(ctx: OpContext): RtValue[] {
  const start = ctx.num('start');
  const end = ctx.num('end');
  const step = ctx.num('step');
  if (step === 0) ctx.fail('step must not be 0');
  const n = Math.max(0, Math.ceil((end - start) / step));
  const dtype = ctx.numeric('start').dtype;
  const out = allocFor(dtype, n);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  return [makeValue(dtype, [n], out)];
}

export const shapeKernels: KernelTable = {
  reshape,
  reshape_like: reshapeLike,
  transpose,
  squeeze,
  expand_dims: expandDims,
  flatten2d,
  concat,
  stack,
  split,
  slice_by_index: sliceByIndex,
  slice_by_size: sliceBySize,
  tile,
  reverse,
  shape: shapeOf,
  fill,
  fill_like: fillLike,
  range_1d: range1d,
};
