import { milConst, type MilArg } from '../../mil/builder.js';
import { attr, attrFloats, attrInt, attrString, type OnnxNode } from '../../onnx/ir.js';
import type { DType, NumericTypedArray } from '../../tensor/dtype.js';
import { makeTensor, toNumberList, type Tensor } from '../../tensor/tensor.js';
import { narrowConstant } from '../narrow.js';
import type { ConvertContext } from '../types.js';
import { floatScalar, floatTensor, outputName, wantsOutput } from './nn-util.js';

/**
 * What LSTM, GRU and RNN share: the time-major input, per-direction slices of
 * the ONNX parameters (folded at conversion time when they are constants),
 * activation functions with their alpha/beta, sequence_lens masks, and the
 * assembly of Y [T, D, B, H] and the final states [D, B, H].
 */

export interface RecurrentInput {
  /** X as [T, B, I]. */
  x: string;
  /** T; null when dynamic (only the fused op, which takes any T, handles that). */
  steps: number | null;
  batch: number | null;
  hidden: number;
  directions: number;
  layout: number;
  dtype: DType;
}

/** One direction's result: h for every time step ([B, H], in time order) and the last states. */
export interface DirectionResult {
  sequence: string;
  lastH: string;
  lastC?: string;
}

export function readInput(node: OnnxNode, ctx: ConvertContext, gates: number): RecurrentInput {
  const layout = attrInt(node, 'layout', 0);
  let x = ctx.requireInput(node, 0);
  const t = ctx.b.typeOf(x);
  if (t.shape.length !== 3) ctx.unsupported(node, `X must be rank 3, got rank ${t.shape.length}`);
  if (layout === 1) x = ctx.b.op1('transpose', { x, perm: milConst.ints([1, 0, 2]) }, { name: `${outputName(node)}_time_major` });
  const [steps, batch] = ctx.b.typeOf(x).shape as [number | null, number | null];
  const r = ctx.info(node.inputs[2]!)?.shape?.[1];
  const hidden = attrInt(node, 'hidden_size') ?? (typeof r === 'number' ? r / gates : undefined);
  if (hidden === undefined) ctx.unsupported(node, 'hidden_size is unknown (no attribute and R has no static shape)');
  const directions = attrString(node, 'direction', 'forward') === 'bidirectional' ? 2 : 1;
  return { x, steps, batch, hidden: hidden as number, directions, layout, dtype: t.dtype };
}

/** Rows [start, end) along axis 0 of a constant tensor (any trailing shape). */
function sliceConstant(t: Tensor, start: number, end: number, dropAxis: boolean): Tensor {
  const inner = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const data = (t.data as NumericTypedArray).slice(start * inner, end * inner);
  const shape = dropAxis ? t.shape.slice(1) : [end - start, ...t.shape.slice(1)];
  return makeTensor(t.dtype, shape, data as Tensor['data']);
}

/** Rows [start, end) along axis 0 of an argument; a constant is sliced now, a run-time value with slice_by_index. */
export function rows(ctx: ConvertContext, arg: MilArg, start: number, end: number, dropAxis = false): MilArg {
  const known = typeof arg === 'string' ? ctx.b.constValue(arg) : arg;
  if (known) return sliceConstant(known, start, end, dropAxis);
  const rank = ctx.b.typeOf(arg as string).shape.length;
  const rest = new Array<number>(rank - 1).fill(0);
  const tail = new Array<boolean>(rank - 1).fill(true);
  const mask = (b: boolean[]) => makeTensor('bool', [rank], Uint8Array.from(b, (v) => (v ? 1 : 0)));
  return ctx.b.op1('slice_by_index', {
    x: arg as string,
    begin: milConst.ints([start, ...rest]),
    end: milConst.ints([end, ...rest]),
    begin_mask: mask([false, ...tail]),
    end_mask: mask([false, ...tail]),
    squeeze_mask: mask([dropAxis, ...tail.map(() => false)]),
  });
}

/** Parameter input i of direction d with the direction axis dropped; undefined when omitted. */
export function directionParam(ctx: ConvertContext, node: OnnxNode, i: number, d: number): MilArg | undefined {
  const name = node.inputs[i];
  if (!name) return undefined;
  const c = ctx.constant(node, i);
  const arg: MilArg = c ? narrowConstant(c, name) : ctx.requireInput(node, i);
  return rows(ctx, arg, d, d + 1, true);
}

/** Initial state input i for direction d as [B, H]; zeros when omitted (needs a static batch). */
export function initialState(ctx: ConvertContext, node: OnnxNode, i: number, d: number, input: RecurrentInput): MilArg {
  const name = node.inputs[i];
  if (!name) {
    if (input.batch === null) return zeroStateOfRuntimeBatch(ctx, input);
    return floatTensor(input.dtype, [input.batch, input.hidden], new Float32Array(input.batch * input.hidden));
  }
  const c = ctx.constant(node, i);
  let arg: MilArg = c ? narrowConstant(c, name) : ctx.requireInput(node, i);
  // Layout 1 keeps states as [B, D, H].
  if (input.layout === 1) arg = typeof arg === 'string' ? ctx.b.op1('transpose', { x: arg, perm: milConst.ints([1, 0, 2]) }) : transposeState(arg);
  return rows(ctx, arg, d, d + 1, true);
}

/** Zeros [B, H] for an omitted initial state when the batch B is only known at run time. */
function zeroStateOfRuntimeBatch(ctx: ConvertContext, input: RecurrentInput): string {
  const b = ctx.b;
  const dims = b.op1('shape', { x: input.x });
  const batch = b.op1('slice_by_index', { x: dims, begin: milConst.ints([1]), end: milConst.ints([2]) });
  const shape = b.op1('concat', { values: [batch, milConst.ints([input.hidden])], axis: milConst.int(0) });
  return b.op1('fill', { shape, value: floatScalar(0, input.dtype) });
}

function transposeState(t: Tensor): Tensor {
  const [b, d, h] = t.shape as [number, number, number];
  const src = t.data as NumericTypedArray;
  const out = new (src.constructor as new (n: number) => NumericTypedArray)(src.length);
  for (let i = 0; i < b; i++) for (let j = 0; j < d; j++) for (let k = 0; k < h; k++) out[(j * b + i) * h + k] = src[(i * d + j) * h + k]!;
  return makeTensor(t.dtype, [d, b, h], out as Tensor['data']);
}


/** An activation: emits its MIL op on x. */
export type Activation = (ctx: ConvertContext, x: string) => string;

interface ActivationSpec {
  op: string;
  /** Default alpha and beta for the ops that take them, in MIL parameter order. */
  params: readonly number[];
}

const ACTIVATIONS: Readonly<Record<string, ActivationSpec>> = {
  Relu: { op: 'relu', params: [] },
  Tanh: { op: 'tanh', params: [] },
  Sigmoid: { op: 'sigmoid', params: [] },
  Softsign: { op: 'softsign', params: [] },
  Softplus: { op: 'softplus', params: [] },
  Affine: { op: 'linear_activation', params: [1, 0] },
  LeakyRelu: { op: 'leaky_relu', params: [0.01] },
  ThresholdedRelu: { op: 'thresholded_relu', params: [1] },
  ScaledTanh: { op: 'scaled_tanh', params: [1, 1] },
  HardSigmoid: { op: 'sigmoid_hard', params: [0.2, 0.5] },
  Elu: { op: 'elu', params: [1] },
};

/** MIL names of the plain activations a fused lstm/gru/rnn op accepts. */
export const FUSED_ACTIVATIONS: Readonly<Record<string, string>> = { Sigmoid: 'sigmoid', Tanh: 'tanh', Relu: 'relu' };

/** The activation names of the node (defaults filled in), `perDirection` per direction, directions concatenated. */
export function activationNames(node: OnnxNode, defaults: readonly string[], directions: number): string[] {
  const listed = attr(node, 'activations');
  if (listed?.type !== 'strings') return Array.from({ length: directions }, () => defaults).flat();
  if (directions === 2 && listed.value.length === defaults.length) return [...listed.value, ...listed.value];
  return listed.value;
}

/** True when the node gives alpha/beta lists (only the unrolled form reads them). */
export function hasActivationParams(node: OnnxNode): boolean {
  return attrFloats(node, 'activation_alpha') !== undefined || attrFloats(node, 'activation_beta') !== undefined;
}

/**
 * The activation functions of the node, alpha and beta taken in order by the
 * functions that use them (as onnxruntime reads the lists).
 */
export function activations(ctx: ConvertContext, node: OnnxNode, names: readonly string[], dtype: DType): Activation[] {
  const alphas = [...(attrFloats(node, 'activation_alpha') ?? [])];
  const betas = [...(attrFloats(node, 'activation_beta') ?? [])];
  return names.map((name) => {
    const spec = ACTIVATIONS[name] ?? ctx.unsupported(node, `activation ${name} is not supported`);
    const values = spec.params.map((fallback, k) => (k === 0 ? alphas.shift() : betas.shift()) ?? fallback);
    const args: Record<string, Tensor> = {};
    if (values.length > 0) args.alpha = floatScalar(values[0]!, dtype);
    if (values.length > 1) args.beta = floatScalar(values[1]!, dtype);
    return (c, x) => c.b.op1(spec.op, { x, ...args });
  });
}

/**
 * Per time step, a [B, 1] mask that is 1 while the step lies inside the
 * batch row's sequence_lens; undefined when every row runs the full length.
 */
export function stepMasks(ctx: ConvertContext, node: OnnxNode, input: RecurrentInput): ((t: number) => string) | undefined {
  if (!node.inputs[4]) return undefined;
  const c = ctx.constant(node, 4);
  const { steps, dtype } = input;
  if (c) {
    const lens = toNumberList(c);
    if (lens.every((n) => n === steps)) return undefined;
    const cache = new Map<number, string>();
    return (t) => {
      if (!cache.has(t)) cache.set(t, ctx.b.const(floatTensor(dtype, [lens.length, 1], Float32Array.from(lens, (n) => (t < n ? 1 : 0)))));
      return cache.get(t)!;
    };
  }
  let lens = ctx.requireInput(node, 4);
  if (ctx.b.typeOf(lens).dtype !== 'int32') lens = ctx.b.op1('cast', { x: lens, dtype: milConst.str('int32') });
  const column = ctx.b.op1('expand_dims', { x: lens, axes: milConst.ints([1]) }, { name: `${outputName(node)}_lens` });
  return (t) => {
    const inside = ctx.b.op1('less', { x: milConst.int(t), y: column });
    return ctx.b.op1('cast', { x: inside, dtype: milConst.str(dtype === 'float16' ? 'fp16' : 'fp32') });
  };
}

/** Stacks equal-shaped values along a new axis. */
export function stack(ctx: ConvertContext, values: readonly string[], axis: number, name?: string): string {
  const options = name ? { name } : {};
  if (values.length === 1) return ctx.b.op1('expand_dims', { x: values[0]!, axes: milConst.ints([axis]) }, options);
  return ctx.b.op1('stack', { values, axis: milConst.int(axis) }, options);
}

/** Binds Y [T, D, B, H] (layout 1: [B, T, D, H]), Y_h and Y_c [D, B, H] (layout 1: [B, D, H]). */
export function bindRecurrentOutputs(ctx: ConvertContext, node: OnnxNode, input: RecurrentInput, results: DirectionResult[]): void {
  const name = (i: number) => outputName(node, i);
  const batchMajor = input.layout === 1;
  if (wantsOutput(node, 0)) {
    const y = stack(ctx, results.map((r) => r.sequence), 1, batchMajor ? undefined : name(0));
    ctx.setOutput(node, 0, batchMajor ? ctx.b.op1('transpose', { x: y, perm: milConst.ints([2, 0, 1, 3]) }, { name: name(0) }) : y);
  }
  const states = [results.map((r) => r.lastH), results.map((r) => r.lastC)];
  states.forEach((list, k) => {
    if (!wantsOutput(node, k + 1) || list.some((v) => v === undefined)) return;
    const s = stack(ctx, list as string[], batchMajor ? 1 : 0, name(k + 1));
    ctx.setOutput(node, k + 1, s);
  });
}
