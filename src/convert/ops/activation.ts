import { milConst } from '../../mil/builder.js';
import { attrFloat, attrInt, attrString, type OnnxNode } from '../../onnx/ir.js';
import { elementCount, makeTensor, type Tensor } from '../../tensor/tensor.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type ConverterTable, type OpConverter } from '../types.js';
import { binary, castTo, constantAsFloat32, floatVector, outName, scalarLike } from './elementwise.js';
import { reshapeConstant } from './nn-util.js';

/**
 * ONNX → MIL converters for activations. Constant parameters (alpha, beta,
 * clip bounds) are emitted in x's dtype, which every opset accepts; from
 * iOS17 the fp16 pass may keep them fp32. Opset 1 versions differ from
 * opset 6 only by the legacy consumed_inputs attribute, so both are taken.
 */

function simple(milOp: string, since = 1): OpConverter {
  return {
    opsets: [since, LATEST_ONNX_OPSET],
    milOps: [milOp],
    convert(node, ctx) {
      ctx.setOutput(node, 0, ctx.b.op1(milOp, { x: ctx.requireInput(node, 0) }, { name: outName(node) }));
    },
  };
}

/** An activation whose float attributes become constant MIL parameters of the same names. */
function withScalars(milOp: string, params: Readonly<Record<string, [onnxAttr: string, fallback: number]>>, since = 1): OpConverter {
  return {
    opsets: [since, LATEST_ONNX_OPSET],
    milOps: [milOp],
    convert(node, ctx) {
      const x = ctx.requireInput(node, 0);
      const args: Record<string, string | Tensor> = { x };
      for (const [param, [attr, fallback]] of Object.entries(params)) args[param] = scalarLike(ctx, x, attrFloat(node, attr, fallback));
      ctx.setOutput(node, 0, ctx.b.op1(milOp, args, { name: outName(node) }));
    },
  };
}

/** Relu on integers (opset 14) has no MIL relu: max(x, 0). */
const relu: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['relu', 'maximum'],
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const out = ctx.b.typeOf(x).dtype === 'int32'
      ? ctx.b.op1('maximum', { x, y: scalarLike(ctx, x, 0) }, { name: outName(node) })
      : ctx.b.op1('relu', { x }, { name: outName(node) });
    ctx.setOutput(node, 0, out);
  },
};

/** The slope as one value per channel when it only varies along axis 1 of x (rank 3..5). */
function perChannelSlope(xShape: readonly (number | null)[], slope: Tensor): Float32Array | undefined {
  const rank = xShape.length;
  const channels = xShape[1];
  if (rank < 3 || rank > 5 || channels === null || channels === undefined || slope.shape.length > rank) return undefined;
  const aligned = [...new Array<number>(rank - slope.shape.length).fill(1), ...slope.shape];
  const onlyChannels = aligned.every((d, i) => (i === 1 ? d === channels : d === 1));
  return onlyChannels ? constantAsFloat32(slope) : undefined;
}

/**
 * Before opset 7 a 1-D slope of X.shape[1] values is per channel (axis 1)
 * rather than broadcast against the last axis; the shape [C, 1, ...] says
 * the same under NumPy broadcasting. Undefined when no reshape is needed.
 */
function legacySlopeShape(ctx: ConvertContext, xShape: readonly (number | null)[], slopeShape: readonly (number | null)[]): number[] | undefined {
  const channels = xShape[1];
  if (ctx.opset >= 7 || xShape.length < 3 || slopeShape.length !== 1 || channels === null || channels === undefined) return undefined;
  return slopeShape[0] === channels && channels !== 1 ? [channels, ...new Array<number>(xShape.length - 2).fill(1)] : undefined;
}

const prelu: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['leaky_relu', 'prelu', 'maximum', 'minimum', 'mul', 'add', 'cast', 'expand_dims'],
  limits: 'a constant per-channel slope becomes prelu, a single slope leaky_relu; any other slope is computed as max(x,0) + slope·min(x,0)',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const xType = ctx.b.typeOf(x);
    const rawSlope = ctx.constant(node, 1);
    const legacyShape = legacySlopeShape(ctx, xType.shape, rawSlope?.shape ?? ctx.b.typeOf(ctx.requireInput(node, 1)).shape);
    const slope = rawSlope && legacyShape ? reshapeConstant(rawSlope, legacyShape) : rawSlope;
    const isFloat = xType.dtype !== 'int32';
    if (isFloat && slope && elementCount(slope.shape) === 1 && slope.shape.length <= xType.shape.length) {
      const alpha = scalarLike(ctx, x, constantAsFloat32(slope)[0]!);
      ctx.setOutput(node, 0, ctx.b.op1('leaky_relu', { x, alpha }, { name: outName(node) }));
      return;
    }
    const channels = isFloat && slope ? perChannelSlope(xType.shape, slope) : undefined;
    if (channels) {
      ctx.setOutput(node, 0, ctx.b.op1('prelu', { x, alpha: floatVector(channels, xType.dtype) }, { name: outName(node) }));
      return;
    }
    const slopeValue = legacyShape
      ? ctx.b.op1('expand_dims', { x: ctx.requireInput(node, 1), axes: milConst.ints(legacyShape.slice(1).map((_, k) => k + 1)) })
      : ctx.requireInput(node, 1);
    const positive = ctx.b.op1('maximum', { x, y: scalarLike(ctx, x, 0) });
    const negative = ctx.b.op1('minimum', { x, y: scalarLike(ctx, x, 0) });
    const scaled = binary(ctx, 'mul', negative, slopeValue);
    ctx.setOutput(node, 0, ctx.b.op1('add', { x: positive, y: scaled }, { name: outName(node) }));
  },
};

/** A Clip bound: a number known now, a computed MIL value, or nothing. */
type Bound = number | string | undefined;

function clipBound(node: OnnxNode, ctx: ConvertContext, which: 'min' | 'max'): Bound {
  if (ctx.opset < 11) return attrFloat(node, which);
  const index = which === 'min' ? 1 : 2;
  const value = ctx.constant(node, index);
  if (value) return constantAsFloat32(value)[0];
  return ctx.input(node, index);
}

const clip: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['clip', 'maximum', 'minimum', 'identity', 'cast'],
  limits: 'constant bounds on float input become clip; a missing, infinite or computed bound (or integer input) uses maximum/minimum',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const useful = (b: Bound): Bound => (typeof b === 'number' && !Number.isFinite(b) ? undefined : b);
    const lo = useful(clipBound(node, ctx, 'min'));
    const hi = useful(clipBound(node, ctx, 'max'));
    const name = outName(node);
    if (typeof lo === 'number' && typeof hi === 'number' && ctx.b.typeOf(x).dtype !== 'int32') {
      const args = { x, alpha: scalarLike(ctx, x, lo), beta: scalarLike(ctx, x, hi) };
      ctx.setOutput(node, 0, ctx.b.op1('clip', args, { name }));
      return;
    }
    const apply = (v: string, op: 'maximum' | 'minimum', bound: Bound, last: boolean): string => {
      if (bound === undefined) return v;
      const y = typeof bound === 'number' ? scalarLike(ctx, v, bound) : castTo(ctx, bound, ctx.b.typeOf(v).dtype);
      return ctx.b.op1(op, { x: v, y }, last ? { name } : {});
    };
    let out = apply(x, 'maximum', lo, hi === undefined);
    out = apply(out, 'minimum', hi, true);
    if (out === x) out = ctx.b.op1('identity', { x }, { name });
    ctx.setOutput(node, 0, out);
  },
};

const SELU_ALPHA = 1.6732632423543772;
const SELU_GAMMA = 1.0507009873554805;

const selu: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['elu', 'mul'],
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const elu = ctx.b.op1('elu', { x, alpha: scalarLike(ctx, x, attrFloat(node, 'alpha', SELU_ALPHA)) });
    ctx.setOutput(node, 0, ctx.b.op1('mul', { x: elu, y: scalarLike(ctx, x, attrFloat(node, 'gamma', SELU_GAMMA)) }, { name: outName(node) }));
  },
};

/** HardSwish(x) = x · HardSigmoid(x; 1/6, 0.5). */
const hardSwish: OpConverter = {
  opsets: [14, LATEST_ONNX_OPSET],
  milOps: ['sigmoid_hard', 'mul'],
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const gate = ctx.b.op1('sigmoid_hard', { x, alpha: scalarLike(ctx, x, 1 / 6), beta: scalarLike(ctx, x, 0.5) });
    ctx.setOutput(node, 0, ctx.b.op1('mul', { x, y: gate }, { name: outName(node) }));
  },
};

/** ThresholdedRelu keeps x only where x > alpha (MIL thresholded_relu keeps x >= alpha, so select instead). */
const thresholdedRelu: OpConverter = {
  opsets: [10, LATEST_ONNX_OPSET],
  milOps: ['greater', 'select'],
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const keep = ctx.b.op1('greater', { x, y: scalarLike(ctx, x, attrFloat(node, 'alpha', 1)) });
    ctx.setOutput(node, 0, ctx.b.op1('select', { cond: keep, a: x, b: scalarLike(ctx, x, 0) }, { name: outName(node) }));
  },
};

/** Celu(x) = max(0, x) + min(0, alpha·(exp(x/alpha) − 1)) = alpha·elu(x/alpha, 1) for alpha > 0. */
const celu: OpConverter = {
  opsets: [12, LATEST_ONNX_OPSET],
  milOps: ['real_div', 'elu', 'mul'],
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const alpha = attrFloat(node, 'alpha', 1);
    if (!(alpha > 0)) ctx.unsupported(node, `alpha ${alpha} must be positive`);
    const scaled = ctx.b.op1('real_div', { x, y: scalarLike(ctx, x, alpha) });
    const elu = ctx.b.op1('elu', { x: scaled, alpha: scalarLike(ctx, x, 1) });
    ctx.setOutput(node, 0, ctx.b.op1('mul', { x: elu, y: scalarLike(ctx, x, alpha) }, { name: outName(node) }));
  },
};

/** Mish(x) = x·tanh(softplus(x)). */
const mish: OpConverter = {
  opsets: [18, LATEST_ONNX_OPSET],
  milOps: ['softplus', 'tanh', 'mul'],
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const gate = ctx.b.op1('tanh', { x: ctx.b.op1('softplus', { x }) });
    ctx.setOutput(node, 0, ctx.b.op1('mul', { x, y: gate }, { name: outName(node) }));
  },
};

const GELU_MODES: Readonly<Record<string, string>> = { none: 'EXACT', tanh: 'TANH_APPROXIMATION' };

const gelu: OpConverter = {
  opsets: [20, LATEST_ONNX_OPSET],
  milOps: ['gelu'],
  convert(node, ctx) {
    const approximate = attrString(node, 'approximate', 'none');
    const mode = GELU_MODES[approximate];
    if (!mode) ctx.unsupported(node, `approximate="${approximate}" is not one of none, tanh`);
    ctx.setOutput(node, 0, ctx.b.op1('gelu', { x: ctx.requireInput(node, 0), mode: milConst.str(mode) }, { name: outName(node) }));
  },
};

/**
 * Where Softmax/LogSoftmax normalize. From opset 13 that is one axis. Before,
 * ONNX flattens x to 2-D at `axis` and normalizes the trailing block, which
 * equals one axis only when `axis` is the last; otherwise x is reshaped to
 * [-1, prod(shape[axis:])] and back.
 */
interface NormalizationPlan {
  value: string;
  axis: number;
  restore: (result: string, name: string) => string;
}

function normalizationPlan(node: OnnxNode, ctx: ConvertContext, x: string): NormalizationPlan {
  const shape = ctx.b.typeOf(x).shape;
  const rank = shape.length;
  const rawAxis = attrInt(node, 'axis', ctx.opset < 13 ? 1 : -1);
  const axis = rawAxis < 0 ? rawAxis + rank : rawAxis;
  if (axis < 0 || axis >= Math.max(rank, 1)) ctx.unsupported(node, `axis ${rawAxis} is outside rank ${rank}`);
  const keep = { value: x, axis, restore: (r: string) => r };
  if (ctx.opset >= 13 || axis >= rank - 1) return keep;
  const trailing = shape.slice(axis);
  if (trailing.some((d) => d === null)) ctx.unsupported(node, `opset ${ctx.opset} flattens at axis ${axis}, which needs static dims from that axis on`);
  const inner = (trailing as number[]).reduce((p, d) => p * d, 1);
  const flat = ctx.b.op1('reshape', { x, shape: milConst.ints([-1, inner]) }, { name: `${outName(node)}_2d` });
  const unknown = shape.filter((d) => d === null).length;
  const restore = (result: string, name: string): string => {
    const target = unknown <= 1 ? milConst.ints(shape.map((d) => d ?? -1)) : ctx.b.op1('shape', { x });
    return ctx.b.op1('reshape', { x: result, shape: target }, { name });
  };
  return { value: flat, axis: 1, restore };
}

const softmax: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['softmax', 'reshape', 'shape'],
  limits: 'before opset 13, an axis other than the last needs static dims from that axis on',
  convert(node, ctx) {
    const plan = normalizationPlan(node, ctx, ctx.requireInput(node, 0));
    const direct = plan.value === ctx.requireInput(node, 0);
    const name = outName(node);
    const y = ctx.b.op1('softmax', { x: plan.value, axis: milConst.int(plan.axis) }, direct ? { name } : {});
    ctx.setOutput(node, 0, direct ? y : plan.restore(y, name));
  },
};

/**
 * log(softmax(x)) underflows to -inf in fp16; x - max - log(sum(exp(x - max)))
 * keeps every intermediate in range.
 */
const logSoftmax: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['reduce_max', 'sub', 'exp', 'reduce_sum', 'log', 'reshape', 'shape'],
  limits: 'before opset 13, an axis other than the last needs static dims from that axis on',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const plan = normalizationPlan(node, ctx, x);
    const direct = plan.value === x;
    const reduce = { axes: milConst.ints([plan.axis]), keep_dims: milConst.bool(true) };
    const max = ctx.b.op1('reduce_max', { x: plan.value, ...reduce });
    const shifted = ctx.b.op1('sub', { x: plan.value, y: max });
    const sum = ctx.b.op1('reduce_sum', { x: ctx.b.op1('exp', { x: shifted }), ...reduce });
    const logSum = ctx.b.op1('log', { x: sum, epsilon: scalarLike(ctx, sum, 0) });
    const name = outName(node);
    const y = ctx.b.op1('sub', { x: shifted, y: logSum }, direct ? { name } : {});
    ctx.setOutput(node, 0, direct ? y : plan.restore(y, name));
  },
};

/**
 * Hardmax: 1 at the first maximum along the normalized axis, 0 elsewhere —
 * reduce_argmax compared with the indices 0..C-1 laid along that axis.
 */
const hardmax: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['reduce_argmax', 'equal', 'cast', 'reshape', 'shape'],
  limits: 'the normalized axis needs a static size (and, before opset 13, static dims from that axis on)',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const plan = normalizationPlan(node, ctx, x);
    const shape = ctx.b.typeOf(plan.value).shape;
    const size = shape[plan.axis];
    if (size === null || size === undefined) return ctx.unsupported(node, 'the size of the hardmax axis must be static');
    const argmax = ctx.b.op1('reduce_argmax', { x: plan.value, axis: milConst.int(plan.axis), keep_dims: milConst.bool(true) });
    const positions = makeTensor('int32', [size, ...new Array<number>(shape.length - plan.axis - 1).fill(1)], Int32Array.from({ length: size }, (_, i) => i));
    const isMax = ctx.b.op1('equal', { x: argmax, y: positions });
    const direct = plan.value === x;
    const name = outName(node);
    const y = castTo(ctx, isMax, ctx.b.typeOf(x).dtype, direct ? name : `${name}_flat`);
    ctx.setOutput(node, 0, direct ? y : plan.restore(y, name));
  },
};

/** Shrink: x + bias below -lambd, x − bias above lambd, 0 between; integers are computed in fp32 and cast back. */
const shrink: OpConverter = {
  opsets: [9, LATEST_ONNX_OPSET],
  milOps: ['less', 'greater', 'add', 'sub', 'select', 'cast'],
  convert(node, ctx) {
    const input = ctx.requireInput(node, 0);
    const dtype = ctx.b.typeOf(input).dtype;
    const x = dtype === 'int32' ? castTo(ctx, input, 'float32') : input;
    const lambd = attrFloat(node, 'lambd', 0.5);
    const bias = scalarLike(ctx, x, attrFloat(node, 'bias', 0));
    const below = ctx.b.op1('select', {
      cond: ctx.b.op1('less', { x, y: scalarLike(ctx, x, -lambd) }),
      a: ctx.b.op1('add', { x, y: bias }),
      b: scalarLike(ctx, x, 0),
    });
    const name = outName(node);
    const hi = ctx.b.op1('greater', { x, y: scalarLike(ctx, x, lambd) });
    const y = ctx.b.op1('select', { cond: hi, a: ctx.b.op1('sub', { x, y: bias }), b: below }, dtype === 'int32' ? {} : { name });
    ctx.setOutput(node, 0, dtype === 'int32' ? castTo(ctx, y, 'int32', name) : y);
  },
};

export const activationConverters: ConverterTable = {
  Relu: relu,
  LeakyRelu: withScalars('leaky_relu', { alpha: ['alpha', 0.01] }),
  PRelu: prelu,
  Sigmoid: simple('sigmoid'),
  Tanh: simple('tanh'),
  HardSigmoid: withScalars('sigmoid_hard', { alpha: ['alpha', 0.2], beta: ['beta', 0.5] }),
  HardSwish: hardSwish,
  Clip: clip,
  Elu: withScalars('elu', { alpha: ['alpha', 1] }),
  Selu: selu,
  Softplus: simple('softplus', 1),
  Softsign: simple('softsign', 1),
  Gelu: gelu,
  ThresholdedRelu: thresholdedRelu,
  Celu: celu,
  Mish: mish,
  Softmax: softmax,
  LogSoftmax: logSoftmax,
  Hardmax: hardmax,
  Shrink: shrink,
};
