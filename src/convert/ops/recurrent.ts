import { milConst } from '../../mil/builder.js';
import { targetRank } from '../../mil/ir.js';
import { attr, attrFloat, attrFloats, attrInt, attrString, type OnnxNode } from '../../onnx/ir.js';
import type { NumericTypedArray } from '../../tensor/dtype.js';
import { makeTensor, toNumberList, type Tensor } from '../../tensor/tensor.js';
import type { ConvertContext, ConverterTable, OpConverter } from '../types.js';
import { floatTensor, floatValues, outputName, requireConstant, reshapeConstant, typeOfInput, wantsOutput } from './nn-util.js';

/**
 * ONNX LSTM → MIL lstm, forward direction (what PyTorch exports for a
 * unidirectional nn.LSTM layer). ONNX stacks gates as [i, o, f, c]; MIL wants
 * [i, f, o, c] and one summed bias, and keeps no direction axis, so weights
 * are re-stacked here and the direction axis is added back to the outputs.
 */

/** For each MIL gate block (i, f, o, c), the ONNX block it comes from (ONNX i, o, f, c). */
export const LSTM_GATES_FROM_ONNX: readonly number[] = [0, 2, 1, 3];
/** Peepholes: ONNX [i, o, f] → MIL [i, f, o]. */
const PEEPHOLES_FROM_ONNX: readonly number[] = [0, 2, 1];

const ACTIVATIONS: Readonly<Record<string, string>> = { Sigmoid: 'sigmoid', Tanh: 'tanh', Relu: 'relu' };
const DEFAULT_ACTIVATIONS = ['Sigmoid', 'Tanh', 'Tanh'];

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

/** Drops the leading num_directions = 1 axis of an ONNX recurrent parameter. */
function dropDirection(node: OnnxNode, ctx: ConvertContext, t: Tensor, what: string): Tensor {
  if (t.shape[0] !== 1) ctx.unsupported(node, `${what} has ${t.shape[0]} directions; only one is supported`);
  return reshapeConstant(t, t.shape.slice(1));
}

/** ONNX B = [Wb (4H) | Rb (4H)] → MIL bias Wb + Rb, gates re-stacked. */
function summedBias(node: OnnxNode, ctx: ConvertContext, hidden: number, dtype: Tensor['dtype']): Tensor {
  if (!node.inputs[3]) return floatTensor(dtype, [4 * hidden], new Float32Array(4 * hidden));
  const b = floatValues(dropDirection(node, ctx, requireConstant(ctx, node, 3, 'B'), 'B'));
  const sum = Float32Array.from({ length: 4 * hidden }, (_, i) => b[i]! + b[i + 4 * hidden]!);
  return reorderBlocks(floatTensor(dtype, [4 * hidden], sum), LSTM_GATES_FROM_ONNX);
}

function activationNames(node: OnnxNode, ctx: ConvertContext): string[] {
  if (attrFloats(node, 'activation_alpha') || attrFloats(node, 'activation_beta')) {
    ctx.unsupported(node, 'activation_alpha/activation_beta are not supported');
  }
  const listed = attr(node, 'activations');
  const names = listed?.type === 'strings' ? listed.value : DEFAULT_ACTIVATIONS;
  return names.slice(0, 3).map((n) => ACTIVATIONS[n] ?? ctx.unsupported(node, `activation ${n} is not supported (Sigmoid, Tanh, Relu are)`));
}

/** initial_h / initial_c as [B, H]: zeros when absent (needs a static batch). */
function initialState(node: OnnxNode, ctx: ConvertContext, i: number, batch: number | null, hidden: number, dtype: Tensor['dtype']): string {
  if (!node.inputs[i]) {
    if (batch === null) return ctx.unsupported(node, 'an omitted initial state needs a static batch size');
    return ctx.b.const(floatTensor(dtype, [batch, hidden], new Float32Array(batch * hidden)), `${outputName(node)}_initial_${i}`);
  }
  if (ctx.constant(node, i)) return ctx.b.const(dropDirection(node, ctx, requireConstant(ctx, node, i, 'initial state'), 'initial state'));
  const v = ctx.requireInput(node, i);
  return ctx.b.op1('squeeze', { x: v, axes: milConst.ints([0]) }, { name: `${outputName(node)}_initial_${i}` });
}

function checkSequenceLengths(node: OnnxNode, ctx: ConvertContext, steps: number | null): void {
  if (!node.inputs[4]) return;
  const lens = ctx.constant(node, 4);
  if (!lens || steps === null || toNumberList(lens).some((n) => n !== steps)) {
    ctx.unsupported(node, 'sequence_lens must be omitted or a constant equal to the full sequence length');
  }
}

function refuseUnsupportedAttributes(node: OnnxNode, ctx: ConvertContext): void {
  const direction = attrString(node, 'direction', 'forward');
  if (direction !== 'forward') ctx.unsupported(node, `direction ${direction} is not supported; only forward LSTMs convert`);
  if (attrInt(node, 'input_forget', 0) === 1) ctx.unsupported(node, 'input_forget = 1 (coupled input/forget gates) is not supported');
  // Same name, different meaning: ONNX bounds the gate pre-activations, Core ML's lstm bounds the cell state.
  if (attrFloat(node, 'clip') !== undefined) ctx.unsupported(node, 'clip bounds gate pre-activations in ONNX but the cell state in Core ML');
}

const lstm: OpConverter = {
  opsets: [7, 22],
  milOps: ['lstm', 'squeeze', 'expand_dims', 'transpose'],
  limits: 'forward direction only; no clip; constant weights; sequence_lens absent or full; fp16 needs iOS17',
  convert(node, ctx) {
    refuseUnsupportedAttributes(node, ctx);
    const layout = attrInt(node, 'layout', 0);
    const name = outputName(node);
    let x = ctx.requireInput(node, 0);
    const xt = typeOfInput(ctx, x);
    if (xt.shape.length !== 3) ctx.unsupported(node, `X must be rank 3, got rank ${xt.shape.length}`);
    if (xt.dtype === 'float16' && targetRank(ctx.target) < targetRank('iOS17')) {
      ctx.unsupported(node, 'an fp16 LSTM needs deployment target iOS17 or later (iOS15/16 lstm is fp32 only)');
    }
    if (layout === 1) x = ctx.b.op1('transpose', { x, perm: milConst.ints([1, 0, 2]) }, { name: `${name}_time_major` });
    const [steps, batch] = ctx.b.typeOf(x).shape as [number | null, number | null];
    checkSequenceLengths(node, ctx, steps);
    const weightIh = dropDirection(node, ctx, requireConstant(ctx, node, 1, 'W'), 'W');
    const weightHh = dropDirection(node, ctx, requireConstant(ctx, node, 2, 'R'), 'R');
    const hidden = attrInt(node, 'hidden_size') ?? weightHh.shape[1]!;
    const [recurrentActivation, cellActivation, activation] = activationNames(node, ctx);
    const peephole = node.inputs[7]
      ? reorderBlocks(dropDirection(node, ctx, requireConstant(ctx, node, 7, 'P'), 'P'), PEEPHOLES_FROM_ONNX)
      : undefined;
    const [sequence, lastH, lastC] = ctx.b.op(
      'lstm',
      {
        x,
        initial_h: initialState(node, ctx, 5, batch, hidden, xt.dtype),
        initial_c: initialState(node, ctx, 6, batch, hidden, xt.dtype),
        weight_ih: reorderBlocks(weightIh, LSTM_GATES_FROM_ONNX),
        weight_hh: reorderBlocks(weightHh, LSTM_GATES_FROM_ONNX),
        bias: summedBias(node, ctx, hidden, xt.dtype),
        peephole,
        direction: milConst.str('forward'),
        output_sequence: milConst.bool(true),
        recurrent_activation: milConst.str(recurrentActivation!),
        cell_activation: milConst.str(cellActivation!),
        activation: milConst.str(activation!),
      },
      { outputNames: [`${name}_sequence`, `${name}_h`, `${name}_c`] },
    );
    bindOutputs(node, ctx, layout, [sequence!, lastH!, lastC!]);
  },
};

/** Adds the direction axis back: Y [T, 1, B, H] (or [B, T, 1, H]), Y_h/Y_c [1, B, H] (or [B, 1, H]). */
function bindOutputs(node: OnnxNode, ctx: ConvertContext, layout: number, values: [string, string, string]): void {
  const [sequence, lastH, lastC] = values;
  if (wantsOutput(node, 0)) {
    const batchMajor = layout === 1 ? ctx.b.op1('transpose', { x: sequence, perm: milConst.ints([1, 0, 2]) }, { name: `${outputName(node)}_batch_major` }) : sequence;
    ctx.setOutput(node, 0, ctx.b.op1('expand_dims', { x: batchMajor, axes: milConst.ints([layout === 1 ? 2 : 1]) }, { name: outputName(node, 0) }));
  }
  [lastH, lastC].forEach((state, k) => {
    if (!wantsOutput(node, k + 1)) return;
    ctx.setOutput(node, k + 1, ctx.b.op1('expand_dims', { x: state, axes: milConst.ints([layout === 1 ? 1 : 0]) }, { name: outputName(node, k + 1) }));
  });
}

export const recurrentConverters: ConverterTable = { LSTM: lstm };
