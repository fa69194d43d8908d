import { milConst, type MilArg } from '../../mil/builder.js';
import { attrFloat, attrBool, attrInt, type OnnxNode } from '../../onnx/ir.js';
import type { Tensor } from '../../tensor/tensor.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type ConverterTable, type OpConverter } from '../types.js';
import { batchNormTraining } from './norm-training.js';
import { paramOperand, scaleShift, normVariantConverters } from './norm-variants.js';
import { floatScalar, floatTensor, floatValues, outputName, requireConstant, reshapeConstant, typeOfInput, wantsOutput } from './nn-util.js';

/**
 * ONNX → MIL converters for normalization: BatchNormalization (inference),
 * InstanceNormalization, LayerNormalization and LRN. Statistics and affine
 * parameters must be constants, as Core ML requires.
 */

function refuseExtraOutputs(node: OnnxNode, ctx: ConvertContext, what: string): void {
  for (let i = 1; i < node.outputs.length; i++) if (wantsOutput(node, i)) ctx.unsupported(node, `${what} output ${i} is not supported`);
}

/** A constant parameter in x's float dtype (iOS15 requires all T parameters to share it). */
function paramLike(ctx: ConvertContext, node: OnnxNode, i: number, what: string, dtype: Tensor['dtype']): Tensor {
  const t = requireConstant(ctx, node, i, what);
  return t.dtype === dtype ? t : floatTensor(dtype, t.shape, floatValues(t));
}

/**
 * Rank-2 inputs ([N, C], BatchNorm1d on features) are outside batch_norm's
 * rank 3-5, so the affine form x · s + (b − mean · s), s = γ / sqrt(var + ε)
 * is emitted with mul and add instead.
 */
function batchNormAsAffine(node: OnnxNode, ctx: ConvertContext, x: string, p: Tensor[], epsilon: number): string {
  const [gamma, beta, mean, variance] = p.map(floatValues) as [Float32Array, Float32Array, Float32Array, Float32Array];
  const dtype = typeOfInput(ctx, x).dtype;
  const scale = gamma.map((g, c) => g / Math.sqrt(variance[c]! + epsilon));
  const shift = beta.map((b, c) => b - mean[c]! * scale[c]!);
  const name = outputName(node);
  const scaledX = ctx.b.op1('mul', { x, y: floatTensor(dtype, [scale.length], scale) }, { name: `${name}_scaled` });
  return ctx.b.op1('add', { x: scaledX, y: floatTensor(dtype, [shift.length], shift) }, { name });
}

/**
 * Statistics or affine parameters computed at run time (batch_norm wants
 * constants): (x − mean) · (scale / sqrt(var + ε)) + B, each [C] vector shaped
 * [C, 1, …] to broadcast over the spatial dims. Needs a static channel count.
 */
function batchNormRuntime(node: OnnxNode, ctx: ConvertContext, x: string, epsilon: number): string {
  const xt = typeOfInput(ctx, x);
  const channels = xt.shape[1];
  if (typeof channels !== 'number') return ctx.unsupported(node, 'run-time scale, B, mean or var need a static channel count');
  const shape = [channels, ...xt.shape.slice(2).map(() => 1)];
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => paramOperand(ctx, node, i, shape, xt.dtype)) as [MilArg, MilArg, MilArg, MilArg];
  const name = outputName(node);
  const inv = ctx.b.op1('rsqrt', { x: variance, epsilon: floatScalar(epsilon, xt.dtype) }, { name: `${name}_inv_std` });
  const factor = ctx.b.op1('mul', { x: scale, y: inv }, { name: `${name}_factor` });
  const centered = ctx.b.op1('sub', { x, y: mean }, { name: `${name}_centered` });
  const scaled = ctx.b.op1('mul', { x: centered, y: factor }, { name: `${name}_scaled` });
  return ctx.b.op1('add', { x: scaled, y: bias }, { name });
}

const batchNorm: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['batch_norm', 'mul', 'add', 'sub', 'rsqrt', 'reshape', 'reduce_mean'],
  limits: 'run-time scale, bias, mean or variance and training mode need a static channel count',
  convert(node, ctx) {
    if (attrBool(node, 'training_mode', false)) return batchNormTraining(node, ctx);
    refuseExtraOutputs(node, ctx, 'training statistics');
    const x = ctx.requireInput(node, 0);
    const xt = typeOfInput(ctx, x);
    const epsilon = attrFloat(node, 'epsilon', 1e-5);
    if ([1, 2, 3, 4].some((i) => ctx.constant(node, i) === undefined)) return ctx.setOutput(node, 0, batchNormRuntime(node, ctx, x, epsilon));
    const params = ['scale', 'B', 'input_mean', 'input_var'].map((what, k) => paramLike(ctx, node, k + 1, what, xt.dtype));
    const rank = xt.shape.length;
    if (rank === 2) {
      ctx.setOutput(node, 0, batchNormAsAffine(node, ctx, x, params, epsilon));
      return;
    }
    if (rank < 2 || rank > 5) ctx.unsupported(node, `input rank ${rank} is outside Core ML's batch_norm range (3 to 5)`);
    const [gamma, beta, mean, variance] = params as [Tensor, Tensor, Tensor, Tensor];
    const y = ctx.b.op1(
      'batch_norm',
      { x, mean, variance, gamma, beta, epsilon: floatScalar(epsilon, xt.dtype) },
      { name: outputName(node) },
    );
    ctx.setOutput(node, 0, y);
  },
};

const instanceNorm: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['instance_norm', 'reshape', 'mul', 'add'],
  limits: 'input rank 3 to 5 (rank 5 needs static channel and spatial dims); run-time scale and bias need a static channel count',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const rank = typeOfInput(ctx, x).shape.length;
    if (rank < 3 || rank > 5) ctx.unsupported(node, `input rank ${rank}: Core ML instance_norm takes rank 3 or 4 (rank 5 through a rank-4 view)`);
    const name = outputName(node);
    if (rank < 5) {
      ctx.setOutput(node, 0, instanceNormalize(node, ctx, x, name));
      return;
    }
    const view = volumeView(node, ctx, x);
    const normalized = instanceNormalize(node, ctx, view.flat, `${name}_flat`);
    ctx.setOutput(node, 0, ctx.b.op1('reshape', { x: normalized, shape: milConst.ints(view.back) }, { name }));
  },
};

/** instance_norm of a rank-3/4 value, with constant scale and B as gamma/beta or applied after it. */
function instanceNormalize(node: OnnxNode, ctx: ConvertContext, x: string, name: string): string {
  if (!ctx.constant(node, 1) || !ctx.constant(node, 2)) return instanceNormRuntimeAffine(node, ctx, x, name);
  const dtype = typeOfInput(ctx, x).dtype;
  const args = {
    x,
    gamma: paramLike(ctx, node, 1, 'scale', dtype),
    beta: paramLike(ctx, node, 2, 'B', dtype),
    epsilon: floatScalar(attrFloat(node, 'epsilon', 1e-5), dtype),
  };
  return ctx.b.op1('instance_norm', args, { name });
}

/**
 * A volumetric [N, C, D, H, W] input seen as [N, C, D, H·W]: instance statistics span
 * every spatial dim, so the view normalizes the same elements per (n, c). The batch
 * may be dynamic (-1); channel and spatial dims must be static.
 */
function volumeView(node: OnnxNode, ctx: ConvertContext, x: string): { flat: string; back: number[] } {
  const [n, ...rest] = typeOfInput(ctx, x).shape;
  if (rest.some((d) => d === null)) return ctx.unsupported(node, 'rank-5 input needs static channel and spatial dims');
  const [c, d, h, w] = rest as number[];
  const batch = n ?? -1;
  const flat = ctx.b.op1('reshape', { x, shape: milConst.ints([batch, c!, d!, h! * w!]) }, { name: `${outputName(node)}_view` });
  return { flat, back: [batch, c!, d!, h!, w!] };
}

/** instance_norm without gamma/beta (they must be constants there), then · scale + B as [C, 1, ...] operands. */
function instanceNormRuntimeAffine(node: OnnxNode, ctx: ConvertContext, x: string, name: string): string {
  const xt = typeOfInput(ctx, x);
  const channels = xt.shape[1];
  if (channels === null || channels === undefined) return ctx.unsupported(node, 'run-time scale and B need a static channel count');
  const eps = floatScalar(attrFloat(node, 'epsilon', 1e-5), xt.dtype);
  const normalized = ctx.b.op1('instance_norm', { x, epsilon: eps }, { name: `${name}_normalized` });
  return scaleShift(ctx, node, normalized, [channels, ...xt.shape.slice(2).map(() => 1)], xt.dtype, name);
}

/** Reshapes a broadcastable Scale/B constant to exactly the normalized dims. */
function toNormalizedShape(node: OnnxNode, ctx: ConvertContext, t: Tensor, dims: readonly (number | null)[]): Tensor {
  if (dims.some((d) => d === null)) return ctx.unsupported(node, 'normalized dims must be static');
  const size = (dims as number[]).reduce((a, b) => a * b, 1);
  const count = t.shape.reduce((a, b) => a * b, 1);
  if (count === size) return reshapeConstant(t, dims as number[]);
  if (count === 1) return floatTensor(t.dtype, dims as number[], new Float32Array(size).fill(floatValues(t)[0]!));
  return ctx.unsupported(node, `scale/bias of shape [${t.shape.join(', ')}] does not cover the normalized dims`);
}

/**
 * LayerNormalization's optional Mean and InvStdDev outputs, as ONNX defines them:
 * mean over the normalized axes with kept dims, and 1 / sqrt(mean((x − mean)²) + ε).
 * Their type U is float (stash_type 1) or bfloat16, both float32 in Core ML, so
 * a float16 x is cast first and the statistics are computed in float32.
 */
function layerNormStatistics(node: OnnxNode, ctx: ConvertContext, x: string, axes: number[], epsilon: number): void {
  if (!wantsOutput(node, 1) && !wantsOutput(node, 2)) return;
  const name = outputName(node);
  const xDtype = typeOfInput(ctx, x).dtype;
  const src = xDtype === 'float32' ? x : ctx.b.op1('cast', { x, dtype: milConst.str('fp32') }, { name: `${name}_stash` });
  const reduce = { axes: milConst.ints(axes), keep_dims: milConst.bool(true) };
  const meanName = wantsOutput(node, 1) ? outputName(node, 1) : `${name}_mean`;
  const mean = ctx.b.op1('reduce_mean', { x: src, ...reduce }, { name: meanName });
  if (wantsOutput(node, 1)) ctx.setOutput(node, 1, mean);
  if (!wantsOutput(node, 2)) return;
  const centered = ctx.b.op1('sub', { x: src, y: mean }, { name: `${name}_centered` });
  const squared = ctx.b.op1('mul', { x: centered, y: centered }, { name: `${name}_squared` });
  const variance = ctx.b.op1('reduce_mean', { x: squared, ...reduce }, { name: `${name}_variance` });
  const inv = ctx.b.op1('rsqrt', { x: variance, epsilon: floatScalar(epsilon, 'float32') }, { name: outputName(node, 2) });
  ctx.setOutput(node, 2, inv);
}

/**
 * Scale or B computed at run time (layer_norm's gamma/beta must be constants):
 * normalize, then · Scale + B, which broadcast against the trailing normalized dims.
 */
function layerNormRuntimeAffine(node: OnnxNode, ctx: ConvertContext, args: Record<string, MilArg>): string {
  const name = outputName(node);
  const normalized = ctx.b.op1('layer_norm', args, { name: `${name}_normalized` });
  const scaled = ctx.b.op1('mul', { x: normalized, y: ctx.requireInput(node, 1) }, { name: node.inputs[2] ? `${name}_scaled` : name });
  return node.inputs[2] ? ctx.b.op1('add', { x: scaled, y: ctx.requireInput(node, 2) }, { name }) : scaled;
}

const layerNorm: OpConverter = {
  opsets: [17, LATEST_ONNX_OPSET],
  milOps: ['layer_norm', 'reduce_mean', 'sub', 'mul', 'add', 'rsqrt', 'cast'],
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const xt = typeOfInput(ctx, x);
    const rank = xt.shape.length;
    const raw = attrInt(node, 'axis', -1);
    const axis = raw < 0 ? raw + rank : raw;
    if (axis < 0 || axis >= rank) ctx.unsupported(node, `axis ${raw} is out of range for rank ${rank}`);
    const axes = Array.from({ length: rank - axis }, (_, k) => axis + k);
    const dims = axes.map((a) => xt.shape[a] ?? null);
    const epsilon = attrFloat(node, 'epsilon', 1e-5);
    const args = { x, axes: milConst.ints(axes), epsilon: floatScalar(epsilon, xt.dtype) };
    const constantAffine = ctx.constant(node, 1) !== undefined && (!node.inputs[2] || ctx.constant(node, 2) !== undefined);
    if (constantAffine) {
      const gamma = toNormalizedShape(node, ctx, paramLike(ctx, node, 1, 'Scale', xt.dtype), dims);
      const beta = node.inputs[2] ? toNormalizedShape(node, ctx, paramLike(ctx, node, 2, 'B', xt.dtype), dims) : undefined;
      ctx.setOutput(node, 0, ctx.b.op1('layer_norm', { ...args, gamma, beta }, { name: outputName(node) }));
    } else {
      ctx.setOutput(node, 0, layerNormRuntimeAffine(node, ctx, args));
    }
    layerNormStatistics(node, ctx, x, axes, epsilon);
  },
};

/**
 * Core ML's local_response_norm normalizes axis -3 with the window
 * [c - floor(size/2), c + floor((size-1)/2)]; ONNX normalizes axis 1 with
 * [c - floor((size-1)/2), c + ceil((size-1)/2)]. X is brought to rank 4
 * ([N, C, D1, D2·…·Dk], so axis 1 is axis -3), and for an even size the
 * channels are reversed around the op, which mirrors one window onto the other.
 */
interface Rank4 {
  x4: string;
  /** Back to X's shape, naming the result `name`; undefined when X already has rank 4. */
  restore?: (y: string, name: string) => string;
}

function lrnRank4(node: OnnxNode, ctx: ConvertContext, x: string): Rank4 {
  const shape = typeOfInput(ctx, x).shape;
  const rank4 = `${outputName(node)}_rank4`;
  if (shape.length < 3) ctx.unsupported(node, `X must have rank ≥ 3, got rank ${shape.length}`);
  if (shape.length === 4) return { x4: x };
  if (shape.length === 3) {
    return {
      x4: ctx.b.op1('expand_dims', { x, axes: milConst.ints([3]) }, { name: rank4 }),
      restore: (y, name) => ctx.b.op1('squeeze', { x: y, axes: milConst.ints([3]) }, { name }),
    };
  }
  if (shape.some((d) => d === null)) ctx.unsupported(node, `a rank-${shape.length} X needs a static shape (it is folded to rank 4)`);
  const dims = shape as number[];
  const folded = [dims[0]!, dims[1]!, dims[2]!, dims.slice(3).reduce((a, b) => a * b, 1)];
  return {
    x4: ctx.b.op1('reshape', { x, shape: milConst.ints(folded) }, { name: rank4 }),
    restore: (y, name) => ctx.b.op1('reshape', { x: y, shape: milConst.ints(dims) }, { name }),
  };
}

const lrn: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['local_response_norm', 'reverse', 'expand_dims', 'squeeze', 'reshape'],
  limits: 'X of rank above 4 needs a static shape',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const dtype = typeOfInput(ctx, x).dtype;
    const size = attrInt(node, 'size');
    if (size === undefined) return ctx.unsupported(node, 'the size attribute is required');
    const out = outputName(node);
    const { x4, restore } = lrnRank4(node, ctx, x);
    const mirror = size % 2 === 0;
    const flip = (v: string, name: string) => ctx.b.op1('reverse', { x: v, axes: milConst.ints([1]) }, { name });
    // ONNX and Core ML both scale the squared sum by alpha / size.
    let y = ctx.b.op1('local_response_norm', {
      x: mirror ? flip(x4, `${out}_mirrored`) : x4,
      size: milConst.int(size),
      alpha: floatScalar(attrFloat(node, 'alpha', 1e-4), dtype),
      beta: floatScalar(attrFloat(node, 'beta', 0.75), dtype),
      k: floatScalar(attrFloat(node, 'bias', 1), dtype),
    }, { name: mirror || restore ? `${out}_normalized` : out });
    if (mirror) y = flip(y, restore ? `${out}_unmirrored` : out);
    ctx.setOutput(node, 0, restore ? restore(y, out) : y);
  },
};

export const normConverters: ConverterTable = {
  BatchNormalization: batchNorm,
  InstanceNormalization: instanceNorm,
  LayerNormalization: layerNorm,
  LRN: lrn,
  ...normVariantConverters,
};
