import type { DType } from '../../tensor/dtype.js';
import { elementCount } from '../../tensor/tensor.js';
import { normAxis, type KernelTable, type OpContext } from '../kernel.js';
import { allocFor, isFloatValue, makeValue, type RtNumeric, type RtValue } from '../value.js';

/** const, identity, cast, shape, fill, range_1d, one_hot, cumsum, band_part, topk, argsort, non_zero, control flow. */

/** MIL's dtype strings (cast.dtype, output_dtype params) → dtype. */
const CAST_DTYPES: Record<string, DType> = {
  fp16: 'float16',
  fp32: 'float32',
  fp64: 'float32',
  int32: 'int32',
  int64: 'int32',
  int16: 'int16',
  int8: 'int8',
  uint8: 'uint8',
  uint16: 'uint16',
  uint32: 'uint32',
  bool: 'bool',
};

export function milDType(ctx: OpContext, name: string, fallback?: string): DType {
  const s = ctx.str(name, fallback);
  const d = CAST_DTYPES[s];
  if (!d) ctx.fail(`unknown dtype '${s}' (expected one of ${Object.keys(CAST_DTYPES).join(', ')})`);
  return d;
}

function cast(ctx: OpContext): RtValue[] {
  const x = ctx.numeric('x');
  const dtype = milDType(ctx, 'dtype');
  const out = allocFor(dtype, x.data.length);
  if (dtype === 'bool') {
    for (let i = 0; i < out.length; i++) out[i] = x.data[i] !== 0 ? 1 : 0;
  } else if (isFloatValue(x) && !(out instanceof Float32Array)) {
    // Float → integer truncates toward zero (NumPy astype); NaN becomes 0.
    for (let i = 0; i < out.length; i++) out[i] = Math.trunc(x.data[i]!) || 0;
  } else {
    out.set(x.data);
  }
  return [makeValue(dtype, x.shape, out)];
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

function oneHot(ctx: OpContext): RtValue[] {
  const indices = ctx.numeric('indices');
  const depth = ctx.num('one_hot_vector_size');
  const rank = indices.shape.length + 1;
  const axis = normAxis(ctx, ctx.num('axis', -1), rank);
  const on = ctx.num('on_value', 1);
  const off = ctx.num('off_value', 0);
  const shape = [...indices.shape.slice(0, axis), depth, ...indices.shape.slice(axis)];
  const dtype = ctx.outputDType();
  const out = allocFor(dtype === 'float16' ? 'float32' : dtype, elementCount(shape)).fill(off);
  const inner = elementCount(indices.shape.slice(axis));
  for (let i = 0; i < indices.data.length; i++) {
    let k = indices.data[i]!;
    if (k < 0) k += depth;
    if (k < 0 || k >= depth) continue;
    const outer = Math.floor(i / inner);
    out[(outer * depth + k) * inner + (i % inner)] = on;
  }
  return [makeValue(dtype, shape, out)];
}

/** Views a tensor around one axis as [outer, n, inner]. */
function axisSplit(shape: readonly number[], axis: number): [number, number, number] {
  return [elementCount(shape.slice(0, axis)), shape[axis]!, elementCount(shape.slice(axis + 1))];
}

function cumsum(ctx: OpContext): RtValue[] {
  const x = ctx.numeric('x');
  const axis = normAxis(ctx, ctx.num('axis', 0), x.shape.length);
  const exclusive = ctx.bool('exclusive', false);
  const reverse = ctx.bool('reverse', false);
  const [outer, n, inner] = axisSplit(x.shape, axis);
  const out = allocFor(x.dtype, x.data.length);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let sum = 0;
      for (let s = 0; s < n; s++) {
        const k = reverse ? n - 1 - s : s;
        const idx = (o * n + k) * inner + j;
        const v = x.data[idx]!;
        if (!exclusive) sum += v;
        out[idx] = sum;
        if (exclusive) sum += v;
      }
    }
  }
  return [makeValue(x.dtype, x.shape, out)];
}

function bandPart(ctx: OpContext): RtValue[] {
  const x = ctx.numeric('x');
  const lower = ctx.num('lower', -1);
  const upper = ctx.num('upper', -1);
  const r = x.shape.length;
  const rows = x.shape[r - 2]!;
  const cols = x.shape[r - 1]!;
  const out = allocFor(x.dtype, x.data.length);
  for (let i = 0; i < out.length; i++) {
    const c = i % cols;
    const row = Math.floor(i / cols) % rows;
    const keep = (lower < 0 || row - c <= lower) && (upper < 0 || c - row <= upper);
    out[i] = keep ? x.data[i]! : 0;
  }
  return [makeValue(x.dtype, x.shape, out)];
}

/** Sorted order along an axis; ties keep their original order. */
function sortedAlong(data: RtNumeric, n: number, inner: number, o: number, j: number, ascending: boolean): number[] {
  const order = Array.from({ length: n }, (_, k) => k);
  const at = (k: number): number => data[(o * n + k) * inner + j]!;
  order.sort((p, q) => {
    const d = ascending ? at(p) - at(q) : at(q) - at(p);
    return d !== 0 && !Number.isNaN(d) ? d : p - q;
  });
  return order;
}

function topk(ctx: OpContext): RtValue[] {
  const x = ctx.numeric('x');
  const axis = normAxis(ctx, ctx.num('axis', -1), x.shape.length);
  const ascending = ctx.bool('ascending', false);
  const [outer, n, inner] = axisSplit(x.shape, axis);
  const k = Math.min(ctx.num('k', 1), n);
  const shape = x.shape.map((d, i) => (i === axis ? k : d));
  const values = allocFor(x.dtype, outer * k * inner);
  const indices = new Int32Array(outer * k * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const order = sortedAlong(x.data, n, inner, o, j, ascending);
      for (let s = 0; s < k; s++) {
        values[(o * k + s) * inner + j] = x.data[(o * n + order[s]!) * inner + j]!;
        indices[(o * k + s) * inner + j] = order[s]!;
      }
    }
  }
  const results: RtValue[] = [makeValue(x.dtype, shape, values), makeValue('int32', shape, indices)];
  return results.slice(0, ctx.outputCount);
}

function argsort(ctx: OpContext): RtValue[] {
  const x = ctx.numeric('x');
  const axis = normAxis(ctx, ctx.num('axis', -1), x.shape.length);
  const [outer, n, inner] = axisSplit(x.shape, axis);
  const out = new Int32Array(x.data.length);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const order = sortedAlong(x.data, n, inner, o, j, ctx.bool('ascending', false));
      for (let s = 0; s < n; s++) out[(o * n + s) * inner + j] = order[s]!;
    }
  }
  return [makeValue('int32', x.shape, out)];
}

function nonZero(ctx: OpContext): RtValue[] {
  const x = ctx.numeric('x');
  const rank = x.shape.length;
  const hits: number[] = [];
  for (let i = 0; i < x.data.length; i++) if (x.data[i] !== 0) hits.push(i);
  const out = new Int32Array(hits.length * rank);
  hits.forEach((flat, h) => {
    let rem = flat;
    for (let d = rank - 1; d >= 0; d--) {
      out[h * rank + d] = rem % x.shape[d]!;
      rem = Math.floor(rem / x.shape[d]!);
    }
  });
  return [makeValue('int32', [hits.length, rank], out)];
}

function cond(ctx: OpContext): RtValue[] {
  const pred = ctx.numeric('pred');
  return ctx.runBlock(pred.data[0] ? 0 : 1, []);
}

/** Refuses to spin forever on a loop whose condition never turns false. */
const MAX_LOOP_ITERATIONS = 1_000_000;

function whileLoop(ctx: OpContext): RtValue[] {
  let vars = ctx.variadic('loop_vars');
  for (let i = 0; ; i++) {
    if (i >= MAX_LOOP_ITERATIONS) ctx.fail(`loop ran ${MAX_LOOP_ITERATIONS} iterations without ending`);
    const [again] = ctx.runBlock(0, vars);
    if (!again || !again.data[0]) return vars;
    vars = ctx.runBlock(1, vars);
  }
}

export const miscKernels: KernelTable = {
  const: (ctx) => [ctx.input('val')],
  identity: (ctx) => [ctx.input('x')],
  cast,
  shape: shapeOf,
  fill,
  fill_like: fillLike,
  range_1d: range1d,
  one_hot: oneHot,
  cumsum,
  band_part: bandPart,
  topk,
  argsort,
  non_zero: nonZero,
  cond,
  while_loop: whileLoop,
};
