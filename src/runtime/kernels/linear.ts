import type { KernelTable, OpContext } from '../kernel.js';
import { gemm, matrix, rowTimesWeightT } from '../gemm.js';
import { isFloatValue, makeFloat, makeFloatToOverwrite, type RtFloatValue, type RtValue } from '../value.js';
import { residentRowsTimesWeightT } from '../wasm-matvec.js';
import { broadcastIndex, broadcastShapes } from './broadcast.js';

/** linear (x·Wᵀ + b) and matmul (batched, broadcast, optional transposes). */

/**
 * An operand as floats. iOS17 lets linear and matmul take int32 operands
 * beside float ones (Apple's iOS17 test_linear.py); their products run in
 * fp32, exact while every partial sum stays below 2^24, and the interpreter
 * gives the result the op's declared dtype (an int32 result truncates, as
 * cast does).
 */
function floatOperand(ctx: OpContext, name: string): RtFloatValue | undefined {
  const v = ctx.optional(name);
  if (!v || isFloatValue(v)) return v;
  if (v.dtype !== 'int32') ctx.fail(`parameter '${name}' must be fp16, fp32 or int32, got ${v.dtype}`);
  return makeFloat('float32', v.shape, Float32Array.from(v.data as Int32Array));
}

function requiredFloatOperand(ctx: OpContext, name: string): RtFloatValue {
  return floatOperand(ctx, name) ?? ctx.fail(`missing parameter '${name}'`);
}

/** Below this many rows the dot-product form beats packing the weight for GEMM. */
const DOT_ROWS = 4;

function linear(ctx: OpContext): RtValue[] {
  return [linearThenAdd(ctx)];
}

/**
 * linear, then `addend` (one value per output feature) added to its result as
 * a following add op would, each sum rounded to float32: the interpreter fuses
 * a bias add written as its own op into the linear this way (see fusion.ts).
 */
export function linearThenAdd(ctx: OpContext, addend?: Float32Array): RtFloatValue {
  const x = requiredFloatOperand(ctx, 'x');
  const w = requiredFloatOperand(ctx, 'weight');
  const bias = floatOperand(ctx, 'bias')?.data;
  if (w.shape.length !== 2) ctx.fail(`weight must be rank 2, got [${w.shape.join(',')}]`);
  const [dOut, dIn] = w.shape as [number, number];
  const k = x.shape[x.shape.length - 1] ?? 1;
  if (k !== dIn) ctx.fail(`x [${x.shape.join(',')}] does not match weight [${w.shape.join(',')}]`);
  if (bias && bias.length !== dOut) ctx.fail(`bias has ${bias.length} values for ${dOut} outputs`);
  if (addend && addend.length !== dOut) ctx.fail(`the fused add has ${addend.length} values for ${dOut} outputs`);
  const rows = x.data.length / (dIn || 1);
  // A converted int32 weight is a fresh array each run: not worth caching in packed or resident form.
  const constantWeight = ctx.isConstant('weight') && isFloatValue(ctx.input('weight'));
  const out = makeFloatToOverwrite(x.dtype, [...x.shape.slice(0, -1), dOut]);
  const columnAdds = [bias, addend].filter((v): v is Float32Array => v !== undefined);
  if (rows >= DOT_ROWS) {
    // out = x · Wᵀ + b; the bias runs along columns here, added as the product is stored.
    gemm(rows, dOut, dIn, matrix(x.data, 0, dIn), matrix(w.data, 0, 1, dIn), out.data, 0, dOut, { constantB: constantWeight, columnAdds });
    return out;
  }
  if (!(constantWeight && residentRowsTimesWeightT(rows, dOut, dIn, x.data, w.data, out.data))) {
    rowTimesWeightT(rows, dOut, dIn, x.data, 0, w.data, out.data, 0);
  }
  const o = out.data;
  for (const add of columnAdds) for (let r = 0; r < rows; r++) for (let j = 0; j < dOut; j++) o[r * dOut + j]! += add[j]!;
  return out;
}

function matmul(ctx: OpContext): RtValue[] {
  const x = requiredFloatOperand(ctx, 'x');
  const y = requiredFloatOperand(ctx, 'y');
  const tx = ctx.bool('transpose_x', false);
  const ty = ctx.bool('transpose_y', false);
  // 1-D operands become a row (x) or a column (y); the added dim is dropped afterwards.
  const xs = x.shape.length === 1 ? [1, x.shape[0]!] : [...x.shape];
  const ys = y.shape.length === 1 ? [y.shape[0]!, 1] : [...y.shape];
  const xr = xs.length;
  const yr = ys.length;
  const m = tx ? xs[xr - 1]! : xs[xr - 2]!;
  const kx = tx ? xs[xr - 2]! : xs[xr - 1]!;
  const ky = ty ? ys[yr - 1]! : ys[yr - 2]!;
  const n = ty ? ys[yr - 2]! : ys[yr - 1]!;
  if (kx !== ky) ctx.fail(`inner dims differ: x [${x.shape.join(',')}] and y [${y.shape.join(',')}]`);
  const batch = broadcastShapes(ctx, [xs.slice(0, -2), ys.slice(0, -2)]);
  const bx = broadcastIndex(xs.slice(0, -2), batch);
  const by = broadcastIndex(ys.slice(0, -2), batch);
  const batches = batch.reduce((p, d) => p * d, 1);
  const out = makeFloatToOverwrite(x.dtype, [batches * m * n]).data;
  const xMat = xs[xr - 2]! * xs[xr - 1]!;
  const yMat = ys[yr - 2]! * ys[yr - 1]!;
  for (let b = 0; b < batches; b++) {
    const xo = (bx ? bx[b]! : b) * xMat;
    const yo = (by ? by[b]! : b) * yMat;
    const a = tx ? matrix(x.data, xo, 1, m) : matrix(x.data, xo, kx);
    const bm = ty ? matrix(y.data, yo, 1, kx) : matrix(y.data, yo, n);
    gemm(m, n, kx, a, bm, out, b * m * n, n);
  }
  let shape = [...batch, m, n];
  if (y.shape.length === 1) shape = shape.slice(0, -1);
  if (x.shape.length === 1) shape.splice(shape.length - (y.shape.length === 1 ? 1 : 2), 1);
  return [makeFloat(x.dtype, shape, out)];
}

export const linearKernels: KernelTable = { linear, matmul };
