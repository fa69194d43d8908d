import { elementCount } from '../../tensor/tensor.js';
import { normAxis, type KernelTable, type OpContext } from '../kernel.js';
import { allocFor, type RtNumeric, type RtNumericValue, type RtValue } from '../value.js';

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

export const gatherKernels: KernelTable = {
  gather,
  gather_along_axis: gatherAlongAxis,
  gather_nd: gatherNd,
  scatter,
  scatter_along_axis: scatterAlongAxis,
  scatter_nd: scatterNd,
};
