import { milConst } from '../../mil/builder.js';
import { targetRank } from '../../mil/ir.js';
import { attrFloat, attrBool, attrInt, attrString, type OnnxNode } from '../../onnx/ir.js';
import type { NumericTypedArray } from '../../tensor/dtype.js';
import { makeTensor, toNumberList, type Tensor } from '../../tensor/tensor.js';
import { narrowConstant } from '../narrow.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type ConverterTable, type OpConverter } from '../types.js';
import { floatTensor, floatValues, outputName } from './nn-util.js';
import { GATES, unrollDirection, type RecurrentKind } from './recurrent-unroll.js';
import {
  activationNames, activations, bindRecurrentOutputs, FUSED_ACTIVATIONS, hasActivationParams, initialState, readInput, stepMasks,
  type DirectionResult, type RecurrentInput,
} from './recurrent-util.js';

/**
 * ONNX LSTM, GRU and RNN. Each direction becomes one fused MIL lstm/gru/rnn
 * op when that op computes exactly the ONNX recurrence (constant weights, no
 * clip, plain activations, full-length sequences; for GRU linear_before_reset
 * = 0, because Core ML's gru applies the reset gate to h before the recurrent
 * matmul), and the exact recurrence unrolled over time otherwise. Directions
 * are stacked back into ONNX's layouts.
 *
 * A reverse-direction Core ML op emits its sequence in processing order (its
 * first row is the step that read the last time step), while ONNX stores
 * every step at the time index it read, so the sequence of every reverse op
 * is reversed along time before it is stacked.
 *
 * ONNX stacks gates LSTM [i, o, f, c], GRU [z, r, h]; MIL wants LSTM
 * [i, f, o, c] and GRU [r, o(h), z], with one summed bias.
 */

/** For each MIL gate block (i, f, o, c), the ONNX block it comes from (ONNX i, o, f, c). */
export const LSTM_GATES_FROM_ONNX: readonly number[] = [0, 2, 1, 3];
/** For each MIL gru block (r, o, z), the ONNX block (z, r, h). */
const GRU_GATES_FROM_ONNX: readonly number[] = [1, 2, 0];
/** Peepholes: ONNX [i, o, f] → MIL [i, f, o]. */
const PEEPHOLES_FROM_ONNX: readonly number[] = [0, 2, 1];

const DEFAULT_ACTIVATIONS: Readonly<Record<RecurrentKind, readonly string[]>> = {
  LSTM: ['Sigmoid', 'Tanh', 'Tanh'],
  GRU: ['Sigmoid', 'Tanh'],
  RNN: ['Tanh'],
};

/**
 * Re-stacks equal row blocks along dim 0: block k of the result is block
 * `order[k]` of `t`. Works for any trailing shape.
 */
export function reorderBlocks(t: Tensor, order: readonly number[]): Tensor {
  const src = t.data as NumericTypedArray;
  const blockLen = src.length / order.length;
  const out = new (src.constructor as new (n: number) => NumericTypedArray)(src.length);
  order.forEach((from, k) => out.set(src.subarray(from * blockLen, (from + 1) * blockLen) as never, k * blockLen));
  return makeTensor(t.dtype, t.shape, out as Tensor['data']);
}

/** Constant input i of direction d (direction axis dropped), float values; undefined when omitted or computed at run time. */
function constantParam(ctx: ConvertContext, node: OnnxNode, i: number, d: number): Tensor | undefined {
  const c = node.inputs[i] ? ctx.constant(node, i) : undefined;
  if (!c) return undefined;
  const t = narrowConstant(c, node.inputs[i]!);
  const inner = t.shape.slice(1).reduce((a, b) => a * b, 1);
  return makeTensor(t.dtype, t.shape.slice(1), (t.data as NumericTypedArray).slice(d * inner, (d + 1) * inner) as Tensor['data']);
}

interface Plan {
  kind: RecurrentKind;
  input: RecurrentInput;
  names: string[];
}

function fullLength(lens: Tensor | undefined, steps: number | null): boolean {
  return lens !== undefined && steps !== null && toNumberList(lens).every((n) => n === steps);
}

/** Why the fused MIL op cannot compute this node exactly; undefined when it can. */
function fusedBlocker(ctx: ConvertContext, node: OnnxNode, plan: Plan): string | undefined {
  const { kind, input } = plan;
  const constantInputs = kind === 'LSTM' ? [1, 2, 3, 7] : [1, 2, 3];
  if (constantInputs.some((i) => node.inputs[i] && !ctx.constant(node, i))) return 'weights computed at run time';
  if (attrFloat(node, 'clip') !== undefined) return 'clip';
  if (attrBool(node, 'input_forget', false)) return 'input_forget';
  if (hasActivationParams(node) || plan.names.some((n) => !FUSED_ACTIVATIONS[n])) return 'activations';
  if (node.inputs[4] && !fullLength(ctx.constant(node, 4), input.steps)) return 'sequence_lens';
  if (input.dtype === 'float16' && targetRank(ctx.target) < targetRank('iOS17')) return 'fp16 before iOS17';
  if (kind === 'GRU' && attrInt(node, 'linear_before_reset', 0) !== 0) return 'linear_before_reset = 1';
  return undefined;
}

/**
 * Bias for the fused op: input + recurrent bias. For GRU with
 * linear_before_reset = 0 the candidate's recurrent bias is added outside the
 * reset product too, so it folds into the one bias like the others.
 */
function fusedBias(ctx: ConvertContext, node: OnnxNode, plan: Plan, d: number): Tensor {
  const GH = GATES[plan.kind] * plan.input.hidden;
  const values = new Float32Array(GH);
  const bias = constantParam(ctx, node, 3, d);
  if (bias) {
    const v = floatValues(bias);
    for (let k = 0; k < GH; k++) values[k] = v[k]! + v[GH + k]!;
  }
  const t = floatTensor(plan.input.dtype, [GH], values);
  return plan.kind === 'LSTM' ? reorderBlocks(t, LSTM_GATES_FROM_ONNX) : plan.kind === 'GRU' ? reorderBlocks(t, GRU_GATES_FROM_ONNX) : t;
}

function fusedDirection(ctx: ConvertContext, node: OnnxNode, plan: Plan, d: number, reverse: boolean): DirectionResult {
  const { kind, input } = plan;
  const order = kind === 'LSTM' ? LSTM_GATES_FROM_ONNX : kind === 'GRU' ? GRU_GATES_FROM_ONNX : [0];
  const acts = plan.names.slice(d * DEFAULT_ACTIVATIONS[kind].length).map((n) => milConst.str(FUSED_ACTIVATIONS[n]!));
  const name = `${outputName(node)}${input.directions === 2 ? `_${reverse ? 'backward' : 'forward'}` : ''}`;
  const peephole = kind === 'LSTM' ? constantParam(ctx, node, 7, d) : undefined;
  const args = {
    x: input.x,
    initial_h: initialState(ctx, node, 5, d, input),
    ...(kind === 'LSTM' ? { initial_c: initialState(ctx, node, 6, d, input) } : {}),
    weight_ih: reorderBlocks(constantParam(ctx, node, 1, d)!, order),
    weight_hh: reorderBlocks(constantParam(ctx, node, 2, d)!, order),
    bias: fusedBias(ctx, node, plan, d),
    ...(peephole ? { peephole: reorderBlocks(peephole, PEEPHOLES_FROM_ONNX) } : {}),
    direction: milConst.str(reverse ? 'reverse' : 'forward'),
    output_sequence: milConst.bool(true),
    ...(kind === 'RNN' ? { activation: acts[0] } : { recurrent_activation: acts[0], activation: acts[kind === 'LSTM' ? 2 : 1] }),
    ...(kind === 'LSTM' ? { cell_activation: acts[1] } : {}),
  };
  const outputNames = [`${name}_${reverse ? 'steps' : 'sequence'}`, `${name}_h`, ...(kind === 'LSTM' ? [`${name}_c`] : [])];
  const [steps, lastH, lastC] = ctx.b.op(kind.toLowerCase(), args, { outputNames });
  // A reverse op lists its steps in processing order; ONNX wants them at the time index each step read.
  const sequence = reverse ? ctx.b.op1('reverse', { x: steps!, axes: milConst.ints([0]) }, { name: `${name}_sequence` }) : steps!;
  return { sequence, lastH: lastH!, ...(lastC ? { lastC } : {}) };
}

function convertRecurrent(kind: RecurrentKind, node: OnnxNode, ctx: ConvertContext): void {
  const direction = attrString(node, 'direction', 'forward');
  if (!['forward', 'reverse', 'bidirectional'].includes(direction)) ctx.unsupported(node, `unknown direction "${direction}"`);
  const input = readInput(node, ctx, GATES[kind]);
  const plan: Plan = { kind, input, names: activationNames(node, DEFAULT_ACTIVATIONS[kind], input.directions) };
  const perDirection = DEFAULT_ACTIVATIONS[kind].length;
  if (plan.names.length !== perDirection * input.directions) {
    ctx.unsupported(node, `expected ${perDirection * input.directions} activations, got ${plan.names.length}`);
  }
  const blocker = fusedBlocker(ctx, node, plan);
  if (blocker !== undefined && input.steps === null) {
    ctx.unsupported(node, `the sequence length is dynamic, which only the fused Core ML ${kind.toLowerCase()} op takes, and it cannot compute this node exactly (${blocker})`);
  }
  const fused = blocker === undefined;
  const masks = fused ? undefined : stepMasks(ctx, node, input);
  const allActs = fused ? [] : activations(ctx, node, plan.names, input.dtype);
  const results = Array.from({ length: input.directions }, (_, d) => {
    const reverse = direction === 'reverse' || d === 1;
    if (fused) return fusedDirection(ctx, node, plan, d, reverse);
    const acts = allActs.slice(d * perDirection, (d + 1) * perDirection);
    return unrollDirection(ctx, node, input, { kind, direction: d, reverse, acts, masks });
  });
  bindRecurrentOutputs(ctx, node, input, results);
}

const LIMITS = 'a dynamic sequence length only where the fused Core ML op is exact; sequences longer than 512 steps need constant weights and the fused Core ML op';

function converter(kind: RecurrentKind, opsets: readonly [number, number], fusedOp: string): OpConverter {
  return {
    opsets,
    milOps: [
      fusedOp, 'reverse', 'matmul', 'add', 'mul', 'sub', 'split', 'squeeze', 'stack', 'expand_dims', 'transpose', 'slice_by_index',
      'sigmoid', 'tanh', 'relu', 'clip', ...(kind === 'LSTM' ? ['cast', 'less'] : []),
    ],
    limits: LIMITS,
    convert: (node, ctx) => convertRecurrent(kind, node, ctx),
  };
}

export const recurrentConverters: ConverterTable = {
  LSTM: converter('LSTM', [7, LATEST_ONNX_OPSET], 'lstm'),
  GRU: converter('GRU', [7, LATEST_ONNX_OPSET], 'gru'),
  RNN: converter('RNN', [7, LATEST_ONNX_OPSET], 'rnn'),
};
