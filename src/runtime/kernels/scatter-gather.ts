import { elementCount } from '../../tensor/tensor.js';
import { normAxis, type KernelTable, type OpContext } from '../kernel.js';
import { allocFor, makeValue, type RtNumeric, type RtNumericValue, type RtValue } from '../value.js';

/** gather, gather_along_axis, gather_nd, scatter, scatter_along_axis, scatter_nd. */

/**
 * Resolves one index against a dim. iOS15/16 accept negative indices; from
 * iOS17 a negative index is out of bounds like any other.
 */
function checkedIndex(ctx: OpContext, raw: number, dim: number): number {
  const allowNegative = ctx.opset === 'CoreML5' || ctx.opset === 'CoreML6';
  const i = raw < 0 && allowNegative ? raw + dim : raw;
  if (i < 0 || i >= dim) ctx.fail(`index ${raw} is out of bounds for a dim of size ${dim}`);
  return i;
}

/**
 * Row-major offset addressed by the `depth` indices starting at `indices[at]`, each
 * checked against its dim in `dims` (gather_nd and scatter_nd index tuples).
 */
function tupleOffset(ctx: OpContext, indices: RtNumeric, at: number, dims: readonly number[], depth: number): number {
  let offset = 0;
  for (let d = 0; d < depth; d++) offset = offset * dims[d]! + checkedIndex(ctx, indices[at + d]!, dims[d]!);
  return offset;
}

function storageLike(x: RtValue, n: number): RtNumeric | string[] {
  return x.dtype === 'string' ? new Array<string>(n) : allocFor(x.dtype, n);
}

function gather(ctx: OpContext): RtValue[] {
  const x = ctx.input('x');
  const indices = ctx.numeric('indices');
  const axis = normAxis(ctx, ctx.num('axis', 0), x.shape.length);
  const batchDims = ctx.num('batch_dims', 0);
  const dim = x.shape[axis]!;
  const batch = elementCount(x.shape.slice(0, batchDims));
  const outerPerBatch = elementCount(x.shape.slice(batchDims, axis));
  const inner = elementCount(x.shape.slice(axis + 1));
  const idxPerBatch = elementCount(indices.shape.slice(batchDims));
  const shape = [...x.shape.slice(0, axis), ...indices.shape.slice(batchDims), ...x.shape.slice(axis + 1)];
  const out = storageLike(x, elementCount(shape));
  let o = 0;
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < outerPerBatch; p++) {
      const srcBase = (b * outerPerBatch + p) * dim * inner;
      for (let k = 0; k < idxPerBatch; k++) {
        const i = checkedIndex(ctx, indices.data[b * idxPerBatch + k]!, dim);
        for (let j = 0; j < inner; j++) out[o++] = x.data[srcBase + i * inner + j]!;
      }
    }
  }
  return [{ dtype: x.dtype, shape, data: out }];
}

function gatherAlongAxis(ctx: OpContext): RtValue[] {
  const x = ctx.input('x');
  const indices = ctx.numeric('indices');
  const axis = normAxis(ctx, ctx.num('axis', 0), x.shape.length);
  const dim = x.shape[axis]!;
  const n = indices.shape[axis]!;
  const inner = elementCount(indices.shape.slice(axis + 1));
  const xInner = elementCount(x.shape.slice(axis + 1));
  if (inner !== xInner) ctx.fail(`indices [${indices.shape.join(',')}] must match x [${x.shape.join(',')}] outside the axis`);
  const out = storageLike(x, indices.data.length);
  for (let o = 0; o < indices.data.length; o++) {
    const j = o % inner;
    const outer = Math.floor(o / (n * inner));
    const i = checkedIndex(ctx, indices.data[o]!, dim);
    out[o] = x.data[(outer * dim + i) * inner + j]!;
  }
  return [{ dtype: x.dtype, shape: [...indices.shape], data: out }];
}

function gatherNd(ctx: OpContext): RtValue[] {
  const x = ctx.input('x');
  const indices = ctx.numeric('indices');
  const batchDims = ctx.num('batch_dims', 0);
  const depth = indices.shape[indices.shape.length - 1]!;
  const batch = elementCount(x.shape.slice(0, batchDims));
  const lookups = elementCount(indices.shape.slice(batchDims, -1));
  const indexed = x.shape.slice(batchDims, batchDims + depth);
  const slice = elementCount(x.shape.slice(batchDims + depth));
  const perBatch = elementCount(indexed) * slice;
  const shape = [...indices.shape.slice(0, -1), ...x.shape.slice(batchDims + depth)];
  const out = storageLike(x, elementCount(shape));
  let o = 0;
  for (let b = 0; b < batch; b++) {
    for (let l = 0; l < lookups; l++) {
      const offset = tupleOffset(ctx, indices.data, (b * lookups + l) * depth, indexed, depth);
      const start = b * perBatch + offset * slice;
      for (let j = 0; j < slice; j++) out[o++] = x.data[start + j]!;
    }
  }
  return [{ dtype: x.dtype, shape, data: out }];
}

const SCATTER_MODES: Record<string, (old: number, update: number) => number> = {
  update: (_, u) => u,
  add: (o, u) => o + u,
  sub: (o, u) => o - u,
  mul: (o, u) => o * u,
  div: (o, u) => o / u,
  max: (o, u) => Math.max(o, u),
  min: (o, u) => Math.min(o, u),
};

function scatterMode(ctx: OpContext): (old: number, update: number) => number {
  const mode = ctx.str('mode', 'add');
  const f = SCATTER_MODES[mode];
  if (!f) ctx.fail(`unknown scatter mode '${mode}' (expected ${Object.keys(SCATTER_MODES).join(', ')})`);
  return f;
}

/**
 * The tensors every scatter reads. `data` is copied so updates never touch a value
 * another op still reads.
 */
function scatterInputs(ctx: OpContext): { data: RtNumericValue; indices: RtNumericValue; updates: RtNumericValue } {
  const v = ctx.numeric('data');
  return { data: { shape: v.shape, dtype: v.dtype, data: v.data.slice() }, indices: ctx.numeric('indices'), updates: ctx.numeric('updates') };
}

function scatter(ctx: OpContext): RtValue[] {
  const { data, indices, updates } = scatterInputs(ctx);
  const axis = normAxis(ctx, ctx.num('axis', 0), data.shape.length);
  const f = scatterMode(ctx);
  const dim = data.shape[axis]!;
  const outer = elementCount(data.shape.slice(0, axis));
  const inner = elementCount(data.shape.slice(axis + 1));
  const count = indices.data.length;
  for (let p = 0; p < outer; p++) {
    for (let k = 0; k < count; k++) {
      const i = checkedIndex(ctx, indices.data[k]!, dim);
      for (let j = 0; j < inner; j++) {
        const dst = (p * dim + i) * inner + j;
        data.data[dst] = f(data.data[dst]!, updates.data[(p * count + k) * inner + j]!);
      }
    }
  }
  return [data];
}

function scatterAlongAxis(ctx: OpContext): RtValue[] {
  const { data, indices, updates } = scatterInputs(ctx);
  const axis = normAxis(ctx, ctx.num('axis', 0), data.shape.length);
  const f = scatterMode(ctx);
  const dim = data.shape[axis]!;
  const n = indices.shape[axis]!;
  const inner = elementCount(indices.shape.slice(axis + 1));
  for (let o = 0; o < indices.data.length; o++) {
    const outer = Math.floor(o / (n * inner));
    const dst = (outer * dim + checkedIndex(ctx, indices.data[o]!, dim)) * inner + (o % inner);
    data.data[dst] = f(data.data[dst]!, updates.data[o]!);
  }
  return [data];
}

function scatterNd(ctx: OpContext): RtValue[] {
  const { data, indices, updates } = scatterInputs(ctx);
  const f = scatterMode(ctx);
  const depth = indices.shape[indices.shape.length - 1]!;
  const lookups = elementCount(indices.shape.slice(0, -1));
  const slice = elementCount(data.shape.slice(depth));
  for (let l = 0; l < lookups; l++) {
    const offset = tupleOffset(ctx, indices.data, l * depth, data.shape, depth);
    for (let j = 0; j < slice; j++) {
      const dst = offset * slice + j;
      data.data[dst] = f(data.data[dst]!, updates.data[l * slice + j]!);
    }
  }
  return [data];
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

export const scatterGatherKernels: KernelTable = {
  gather,
  gather_along_axis: gatherAlongAxis,
  gather_nd: gatherNd,
  scatter,
  scatter_along_axis: scatterAlongAxis,
  scatter_nd: scatterNd,
  one_hot: oneHot,
  non_zero: nonZero,
};
