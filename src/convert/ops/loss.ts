import { milConst } from '../../mil/builder.js';
import { attrInt, attrString, type OnnxNode } from '../../onnx/ir.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type ConverterTable, type OpConverter } from '../types.js';
import { castTo, outName, scalarLike } from './elementwise.js';

/**
 * ONNX → MIL converters for the loss ops NegativeLogLikelihoodLoss and
 * SoftmaxCrossEntropyLoss, built from gathers, selects and reductions.
 *
 * For input [N, C, d1, ...] and target [N, d1, ...] the per-element loss is
 * -input[n, target[n, d], d] · w[n, d], where w is weight[target] (or 1) and
 * 0 where target equals ignore_index. `mean` divides the summed loss by the
 * summed w, `sum` sums it, `none` keeps the target's shape.
 */

const REDUCTIONS = ['none', 'sum', 'mean'] as const;
type Reduction = (typeof REDUCTIONS)[number];

interface LossInputs {
  /** Log-probabilities [N, C, d1, ...]. */
  logProb: string;
  /** Class indices [N, d1, ...], int32. */
  target: string;
  /** Per-class weight [C], when given. */
  weight: string | undefined;
}

function readReduction(node: OnnxNode, ctx: ConvertContext): Reduction {
  const reduction = attrString(node, 'reduction', 'mean');
  if (!(REDUCTIONS as readonly string[]).includes(reduction)) ctx.unsupported(node, `reduction "${reduction}" is not one of none, sum, mean`);
  return reduction as Reduction;
}

/** Checks ranks: input [N, C, ...] with rank ≥ 2, target one rank lower. */
function checkRanks(node: OnnxNode, ctx: ConvertContext, logProb: string, target: string): void {
  const rank = ctx.b.typeOf(logProb).shape.length;
  const targetRank = ctx.b.typeOf(target).shape.length;
  if (rank < 2) ctx.unsupported(node, `input has rank ${rank}; the loss needs [N, C, ...]`);
  if (targetRank !== rank - 1) ctx.unsupported(node, `target has rank ${targetRank}; input of rank ${rank} needs ${rank - 1}`);
}

/** The per-element weights (weight[target], zeroed where ignored), or undefined when every element weighs 1. */
function elementWeights(ctx: ConvertContext, inputs: LossInputs, safeTarget: string, keep: string | undefined, like: string): string | undefined {
  const zero = scalarLike(ctx, like, 0);
  if (inputs.weight !== undefined) {
    const weight = castTo(ctx, inputs.weight, ctx.b.typeOf(like).dtype);
    const gathered = ctx.b.op1('gather', { x: weight, indices: safeTarget, axis: milConst.int(0) });
    return keep === undefined ? gathered : ctx.b.op1('select', { cond: keep, a: gathered, b: zero });
  }
  if (keep === undefined) return undefined;
  return ctx.b.op1('select', { cond: keep, a: scalarLike(ctx, like, 1), b: zero });
}

/** Applies the reduction to the weighted per-element loss (`none` keeps it as it is). */
function reduce(ctx: ConvertContext, loss: string, weights: string | undefined, reduction: Reduction, name: string): string {
  if (reduction === 'none') return loss;
  const all = { keep_dims: milConst.bool(false) };
  if (reduction === 'sum') return ctx.b.op1('reduce_sum', { x: loss, ...all }, { name });
  if (weights === undefined) return ctx.b.op1('reduce_mean', { x: loss, ...all }, { name });
  const total = ctx.b.op1('reduce_sum', { x: loss, ...all });
  const weightSum = ctx.b.op1('reduce_sum', { x: weights, ...all });
  return ctx.b.op1('real_div', { x: total, y: weightSum }, { name });
}

/**
 * The negative log-likelihood of `logProb` at `target`. Ignored targets are
 * replaced by class 0 before gathering (they may lie outside [0, C)), and
 * their loss and weight are then set to 0.
 */
function negativeLogLikelihood(node: OnnxNode, ctx: ConvertContext, inputs: LossInputs, name: string): string {
  const { logProb } = inputs;
  const target = castTo(ctx, inputs.target, 'int32');
  checkRanks(node, ctx, logProb, target);
  const ignoreIndex = attrInt(node, 'ignore_index');
  const keep = ignoreIndex === undefined ? undefined : ctx.b.op1('not_equal', { x: target, y: milConst.int(ignoreIndex) });
  const safeTarget = keep === undefined ? target : ctx.b.op1('select', { cond: keep, a: target, b: milConst.int(0) });
  const index = ctx.b.op1('expand_dims', { x: safeTarget, axes: milConst.ints([1]) });
  const picked = ctx.b.op1('gather_along_axis', { x: logProb, indices: index, axis: milConst.int(1) });
  const negated = ctx.b.op1('mul', { x: ctx.b.op1('squeeze', { x: picked, axes: milConst.ints([1]) }), y: scalarLike(ctx, logProb, -1) });
  const weights = elementWeights(ctx, inputs, safeTarget, keep, logProb);
  const masked = keep === undefined ? negated : ctx.b.op1('select', { cond: keep, a: negated, b: scalarLike(ctx, logProb, 0) });
  const weighted = inputs.weight === undefined || weights === undefined ? masked : ctx.b.op1('mul', { x: masked, y: weights });
  return reduce(ctx, weighted, weights, readReduction(node, ctx), name);
}

const LOSS_MIL_OPS = [
  'not_equal', 'select', 'expand_dims', 'gather_along_axis', 'squeeze', 'mul', 'gather',
  'reduce_sum', 'reduce_mean', 'real_div', 'cast',
];

const negativeLogLikelihoodLoss: OpConverter = {
  opsets: [12, LATEST_ONNX_OPSET],
  milOps: LOSS_MIL_OPS,
  limits: 'target values other than ignore_index must lie in [0, C)',
  convert(node, ctx) {
    const inputs = { logProb: ctx.requireInput(node, 0), target: ctx.requireInput(node, 1), weight: ctx.input(node, 2) };
    ctx.setOutput(node, 0, negativeLogLikelihood(node, ctx, inputs, outName(node)));
  },
};

/** log_softmax along axis 1 as x − max − log(Σ exp(x − max)), which stays finite where log(softmax) underflows. */
function logSoftmaxAxis1(ctx: ConvertContext, x: string, name: string): string {
  const reduce = { axes: milConst.ints([1]), keep_dims: milConst.bool(true) };
  const shifted = ctx.b.op1('sub', { x, y: ctx.b.op1('reduce_max', { x, ...reduce }) });
  const sum = ctx.b.op1('reduce_sum', { x: ctx.b.op1('exp', { x: shifted }), ...reduce });
  return ctx.b.op1('sub', { x: shifted, y: ctx.b.op1('log', { x: sum, epsilon: scalarLike(ctx, sum, 0) }) }, { name });
}

const softmaxCrossEntropyLoss: OpConverter = {
  opsets: [12, LATEST_ONNX_OPSET],
  milOps: [...LOSS_MIL_OPS, 'reduce_max', 'sub', 'exp', 'log'],
  limits: 'label values other than ignore_index must lie in [0, C)',
  convert(node, ctx) {
    const scores = ctx.requireInput(node, 0);
    if (ctx.b.typeOf(scores).shape.length < 2) ctx.unsupported(node, 'scores need shape [N, C, ...]');
    const logProb = logSoftmaxAxis1(ctx, scores, outName(node, 1));
    const inputs = { logProb, target: ctx.requireInput(node, 1), weight: ctx.input(node, 2) };
    ctx.setOutput(node, 0, negativeLogLikelihood(node, ctx, inputs, outName(node)));
    if (node.outputs[1]) ctx.setOutput(node, 1, logProb);
  },
};

export const lossConverters: ConverterTable = {
  NegativeLogLikelihoodLoss: negativeLogLikelihoodLoss,
  SoftmaxCrossEntropyLoss: softmaxCrossEntropyLoss,
};
