import { milConst, type MilArg } from '../../mil/builder.js';
import { attrBool, type OnnxNode } from '../../onnx/ir.js';
import { effectiveKernelSize, resolvePads, type OnnxWindow } from '../../onnx/shapes/window.js';
import { makeTensor, type Tensor } from '../../tensor/tensor.js';
import type { ConvertContext } from '../types.js';
import { floatScalar, onnxPadsToMil, outputName, typeOfInput } from './nn-util.js';

/** Most kernel taps a dilated max pool is spelled out with (one strided slice each). */
const MAX_TAPS = 64;

interface TapPlan {
  padded: string;
  dims: number[];
  outDims: number[];
  pads: number[];
  masks: Record<string, MilArg>;
}

/** Pads x with −∞ and works out the output size; refuses what the tap form cannot express. */
function planTaps(node: OnnxNode, ctx: ConvertContext, x: string, win: OnnxWindow, limitTaps = true): TapPlan {
  const xt = typeOfInput(ctx, x);
  const inDims = xt.shape.slice(2);
  if (inDims.some((d) => d === null)) return ctx.unsupported(node, 'pooling spelled out per kernel tap needs static spatial dims');
  if (attrBool(node, 'ceil_mode', false)) return ctx.unsupported(node, 'pooling spelled out per kernel tap does not support ceil_mode');
  const taps = win.kernel.reduce((a, k) => a * k, 1);
  if (limitTaps && taps > MAX_TAPS) return ctx.unsupported(node, `a kernel of ${taps} taps (at most ${MAX_TAPS} are spelled out)`);
  const n = win.kernel.length;
  const dims = inDims as number[];
  const pads = resolvePads(win, dims);
  const outDims = dims.map((d, a) => Math.floor((d + pads[a]! + pads[a + n]! - effectiveKernelSize(win.kernel[a]!, win.dilations[a]!)) / win.strides[a]!) + 1);
  if (outDims.some((d) => d < 1)) return ctx.unsupported(node, 'the kernel is larger than the padded input');
  const padded = pads.some((p) => p !== 0)
    ? ctx.b.op1('pad', { x, pad: milConst.ints(onnxPadsToMil(pads)), mode: milConst.str('constant'), constant_val: floatScalar(-Infinity, xt.dtype) }, { name: `${outputName(node)}_padded` })
    : x;
  const lead = [true, true, ...dims.map(() => false)];
  return { padded, dims, outDims, pads, masks: { begin_mask: boolList(lead), end_mask: boolList(lead) } };
}

/** The strided slice of the padded input that kernel tap `offset` sees at every output position. */
function tapSlice(ctx: ConvertContext, plan: TapPlan, win: OnnxWindow, offset: number[]): string {
  const begin = offset.map((o, a) => o * win.dilations[a]!);
  const end = begin.map((s, a) => s + (plan.outDims[a]! - 1) * win.strides[a]! + 1);
  const args = { x: plan.padded, begin: milConst.ints([0, 0, ...begin]), end: milConst.ints([0, 0, ...end]), stride: milConst.ints([1, 1, ...win.strides]) };
  return ctx.b.op1('slice_by_index', { ...args, ...plan.masks });
}

/**
 * MaxPool with dilations, which Core ML's max_pool lacks: over a strided
 * subsample when the strides allow, else the maximum over the kernel's taps,
 * each tap a strided slice of x padded with −∞. Exact; needs static spatial
 * dims and ceil_mode = 0.
 */
export function dilatedMaxPool(node: OnnxNode, ctx: ConvertContext, x: string, win: OnnxWindow): string {
  const subsampled = win.strides.every((s, a) => s % win.dilations[a]! === 0);
  const plan = planTaps(node, ctx, x, win, !subsampled);
  if (subsampled) return subsampledMaxPool(node, ctx, plan, win);
  let result: string | undefined;
  for (const offset of kernelOffsets(win.kernel)) {
    const tap = tapSlice(ctx, plan, win, offset);
    result = result === undefined ? tap : ctx.b.op1('maximum', { x: result, y: tap });
  }
  return ctx.b.op1('identity', { x: result! }, { name: outputName(node) });
}

/**
 * When every stride is a multiple of its dilation, each window reads only
 * every d-th element of the padded input from 0: take that strided slice, and
 * the dilated pool is max_pool over it with kernel k and stride s / d. Exact,
 * and any kernel size (PyTorch tests use 60 × 80 with dilation 10).
 */
function subsampledMaxPool(node: OnnxNode, ctx: ConvertContext, plan: TapPlan, win: OnnxWindow): string {
  const end = plan.outDims.map((o, a) => (o - 1) * win.strides[a]! + (win.kernel[a]! - 1) * win.dilations[a]! + 1);
  const args = { x: plan.padded, begin: milConst.ints([0, 0, ...end.map(() => 0)]), end: milConst.ints([0, 0, ...end]), stride: milConst.ints([1, 1, ...win.dilations]) };
  const every = ctx.b.op1('slice_by_index', { ...args, ...plan.masks }, { name: `${outputName(node)}_subsampled` });
  const pool = {
    x: every,
    kernel_sizes: milConst.ints(win.kernel),
    strides: milConst.ints(win.strides.map((s, a) => s / win.dilations[a]!)),
    pad_type: milConst.str('valid'),
    ceil_mode: milConst.bool(false),
  };
  return ctx.b.op1('max_pool', pool, { name: outputName(node) });
}

/**
 * MaxPool with its Indices output: taps are visited in row-major kernel order
 * and a later tap wins only when strictly greater, so ties keep the first
 * maximum, as onnxruntime does. Indices are flat over [N, C, spatial...]
 * (storage_order 1: the spatial part column-major). Needs static N and C.
 */
export function maxPoolWithIndices(node: OnnxNode, ctx: ConvertContext, x: string, win: OnnxWindow): [string, string] {
  const shape = typeOfInput(ctx, x).shape;
  const [batch, channels] = shape;
  if (typeof batch !== 'number' || typeof channels !== 'number') return ctx.unsupported(node, 'the Indices output needs static batch and channel dims');
  const plan = planTaps(node, ctx, x, win);
  const columnMajor = attrBool(node, 'storage_order', false);
  const b = ctx.b;
  let best: string | undefined;
  let bestIndex: MilArg | undefined;
  for (const offset of kernelOffsets(win.kernel)) {
    const tap = tapSlice(ctx, plan, win, offset);
    const index = tapIndices(plan, win, offset, columnMajor);
    if (best === undefined) {
      [best, bestIndex] = [tap, index];
      continue;
    }
    const wins = b.op1('greater', { x: tap, y: best });
    best = b.op1('select', { cond: wins, a: tap, b: best });
    bestIndex = b.op1('select', { cond: wins, a: index, b: bestIndex! });
  }
  const area = plan.dims.reduce((a, d) => a * d, 1);
  const planes = makeTensor('int32', [batch, channels, ...plan.dims.map(() => 1)], Int32Array.from({ length: batch * channels }, (_, k) => k * area));
  const values = b.op1('identity', { x: best! }, { name: outputName(node) });
  return [values, b.op1('add', { x: bestIndex!, y: planes }, { name: outputName(node, 1) })];
}

/** For each output position, the flat spatial index of the input element kernel tap `offset` reads. */
function tapIndices(plan: TapPlan, win: OnnxWindow, offset: number[], columnMajor: boolean): Tensor {
  const n = plan.dims.length;
  const strides = new Array<number>(n);
  let acc = 1;
  for (let k = 0; k < n; k++) {
    const a = columnMajor ? k : n - 1 - k;
    strides[a] = acc;
    acc *= plan.dims[a]!;
  }
  const total = plan.outDims.reduce((a, d) => a * d, 1);
  const out = new Int32Array(total);
  const coord = new Array<number>(n).fill(0);
  for (let i = 0; i < total; i++) {
    let flat = 0;
    for (let a = 0; a < n; a++) flat += (coord[a]! * win.strides[a]! + offset[a]! * win.dilations[a]! - plan.pads[a]!) * strides[a]!;
    out[i] = flat;
    for (let a = n - 1; a >= 0; a--) {
      if (++coord[a]! < plan.outDims[a]!) break;
      coord[a] = 0;
    }
  }
  return makeTensor('int32', plan.outDims, out);
}

function boolList(values: boolean[]) {
  return makeTensor('bool', [values.length], Uint8Array.from(values, (v) => (v ? 1 : 0)));
}

/** Every index tuple of the kernel, row-major. */
function kernelOffsets(kernel: readonly number[]): number[][] {
  let out: number[][] = [[]];
  for (const k of kernel) out = out.flatMap((prefix) => Array.from({ length: k }, (_, i) => [...prefix, i]));
  return out;
}
