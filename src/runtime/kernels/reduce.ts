import { elementCount } from '../../tensor/tensor.js';
import { normAxis, type KernelTable, type OpContext } from '../kernel.js';
import { allocFor, makeValue, type RtNumeric, type RtNumericValue, type RtValue } from '../value.js';

/** Reductions over a set of axes (omitted axes: all), and arg-reductions over one axis. */

interface Reducer {
  init: number;
  step: (acc: number, v: number) => number;
  finish: (acc: number, count: number) => number;
}

const REDUCERS: Record<string, Reducer> = {
  reduce_sum: { init: 0, step: (a, v) => a + v, finish: (a) => a },
  reduce_mean: { init: 0, step: (a, v) => a + v, finish: (a, n) => a / n },
  reduce_max: { init: -Infinity, step: (a, v) => (v > a || Number.isNaN(v) ? v : a), finish: (a) => a },
  reduce_min: { init: Infinity, step: (a, v) => (v < a || Number.isNaN(v) ? v : a), finish: (a) => a },
  reduce_prod: { init: 1, step: (a, v) => a * v, finish: (a) => a },
  reduce_l1_norm: { init: 0, step: (a, v) => a + Math.abs(v), finish: (a) => a },
  reduce_l2_norm: { init: 0, step: (a, v) => a + v * v, finish: (a) => Math.sqrt(a) },
  reduce_log_sum: { init: 0, step: (a, v) => a + v, finish: (a) => Math.log(a) },
  reduce_sum_square: { init: 0, step: (a, v) => a + v * v, finish: (a) => a },
};

/**
 * Moves the reduced axes innermost, conceptually: every output element reads
 * `count` inputs at offsets `inner[j]` from its base `outer[i]`.
 */
function reductionPlan(shape: readonly number[], axes: readonly number[]): { outer: Int32Array; inner: Int32Array } {
  const strides = shape.map((_, i) => elementCount(shape.slice(i + 1)));
  const offsets = (dims: number[]): Int32Array => {
    const n = elementCount(dims.map((d) => shape[d]!));
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let rem = i;
      let off = 0;
      for (let k = dims.length - 1; k >= 0; k--) {
        const d = dims[k]!;
        off += (rem % shape[d]!) * strides[d]!;
        rem = Math.floor(rem / shape[d]!);
      }
      out[i] = off;
    }
    return out;
  };
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  return { outer: offsets(kept), inner: offsets([...axes]) };
}

function reducedAxes(ctx: OpContext, x: RtNumericValue): number[] {
  const given = ctx.ints('axes');
  const all = x.shape.map((_, i) => i);
  return given ? [...new Set(given.map((a) => normAxis(ctx, a, x.shape.length)))].sort((p, q) => p - q) : all;
}

/** One output element: reduces the inputs at `base + inner[j]` for every j. */
type GroupReduction = (data: RtNumeric, base: number, inner: Int32Array) => number;

/** Runs `reduceGroup` for every output element of a reduction over the op's axes, and shapes the result. */
function reduceOverAxes(ctx: OpContext, reduceGroup: GroupReduction): RtValue[] {
  const x = ctx.numeric('x');
  const axes = reducedAxes(ctx, x);
  const keep = ctx.bool('keep_dims', false);
  const { outer, inner } = reductionPlan(x.shape, axes);
  const out = allocFor(x.dtype, outer.length);
  for (let i = 0; i < outer.length; i++) out[i] = reduceGroup(x.data, outer[i]!, inner);
  const shape = keep ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
  return [makeValue(x.dtype, shape, out)];
}

function reduceKernel(r: Reducer) {
  return (ctx: OpContext): RtValue[] =>
    reduceOverAxes(ctx, (a, base, inner) => {
      let acc = r.init;
      for (let j = 0; j < inner.length; j++) acc = r.step(acc, a[base + inner[j]!]!);
      return r.finish(acc, inner.length);
    });
}

/** log Σ exp(x), shifted by the maximum so large inputs do not overflow. */
function reduceLogSumExp(ctx: OpContext): RtValue[] {
  return reduceOverAxes(ctx, (a, base, inner) => {
    let max = -Infinity;
    for (let j = 0; j < inner.length; j++) max = Math.max(max, a[base + inner[j]!]!);
    let sum = 0;
    for (let j = 0; j < inner.length; j++) sum += Math.exp(a[base + inner[j]!]! - max);
    return max === -Infinity ? -Infinity : max + Math.log(sum);
  });
}

/** Index of the first maximum (or minimum) along one axis. */
function argReduce(pickLarger: boolean) {
  return (ctx: OpContext): RtValue[] => {
    const x = ctx.numeric('x');
    const axis = normAxis(ctx, ctx.num('axis', -1), x.shape.length);
    const keep = ctx.bool('keep_dims', false);
    const n = x.shape[axis]!;
    const inner = elementCount(x.shape.slice(axis + 1));
    const outer = elementCount(x.shape.slice(0, axis));
    const out = new Int32Array(outer * inner);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        let best = 0;
        let bestV = x.data[o * n * inner + j]!;
        for (let k = 1; k < n; k++) {
          const v = x.data[(o * n + k) * inner + j]!;
          if (pickLarger ? v > bestV : v < bestV) {
            best = k;
            bestV = v;
          }
        }
        out[o * inner + j] = best;
      }
    }
    const shape = keep ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis);
    return [makeValue('int32', shape, out)];
  };
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

function table(): KernelTable {
  const t: Record<string, (ctx: OpContext) => RtValue[]> = {
    reduce_log_sum_exp: reduceLogSumExp,
    reduce_argmax: argReduce(true),
    reduce_argmin: argReduce(false),
    cumsum,
    topk,
    argsort,
  };
  for (const [name, r] of Object.entries(REDUCERS)) t[name] = reduceKernel(r);
  return t;
}

export const reduceKernels: KernelTable = table();
