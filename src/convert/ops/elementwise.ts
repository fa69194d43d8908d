import { milConst } from '../../mil/builder.js';
import { milDTypeName } from '../../mil/ops/misc.js';
import { attrInt, attrString, type OnnxNode } from '../../onnx/ir.js';
import { milDTypeFor } from '../narrow.js';
import { isFloatDType, type DType } from '../../tensor/dtype.js';
import { float16BitsToFloat32, float32ArrayToFloat16 } from '../../tensor/fp16.js';
import { makeTensor, numberAt, type Tensor } from '../../tensor/tensor.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type ConverterTable, type OpConverter } from '../types.js';

/**
 * ONNX → MIL converters for element-wise math, comparisons, logic and Where.
 * Every MIL binary op needs both operands in one dtype; ONNX allows a few
 * mixes (Pow's exponent, and values the converter narrowed differently),
 * so operands are unified with a cast first. The helpers here are shared
 * with the activation family.
 */

/** A scalar constant in the dtype of MIL value `like` (float32, float16 or int32). */
export function scalarLike(ctx: ConvertContext, like: string, value: number): Tensor {
  const dtype = ctx.b.typeOf(like).dtype;
  if (dtype === 'float16') return milConst.float(value, 'float16');
  if (dtype === 'int32') return milConst.int(value);
  return milConst.float(value);
}

/** A float vector in `dtype` (float32 or float16), for per-channel parameters. */
export function floatVector(values: Float32Array, dtype: DType, shape: readonly number[] = [values.length]): Tensor {
  if (dtype === 'float16') return makeTensor('float16', shape, float32ArrayToFloat16(values));
  return makeTensor('float32', shape, values);
}

/** The values of a numeric ONNX constant as float32 (fp16 bits decoded, int64 converted). */
export function constantAsFloat32(t: Tensor): Float32Array {
  const out = new Float32Array(t.data.length);
  if (t.dtype === 'float16') {
    const bits = t.data as Uint16Array;
    for (let i = 0; i < bits.length; i++) out[i] = float16BitsToFloat32(bits[i]!);
  } else {
    for (let i = 0; i < out.length; i++) out[i] = numberAt(t.data, i);
  }
  return out;
}

/** Casts a MIL value to `dtype` unless it already has it. */
export function castTo(ctx: ConvertContext, value: string, dtype: DType, nameHint?: string): string {
  if (ctx.b.typeOf(value).dtype === dtype) return value;
  return ctx.b.op1('cast', { x: value, dtype: milConst.str(milDTypeName(dtype)) }, { name: nameHint ?? `${value}_${milDTypeName(dtype)}` });
}

/** Name hint for the op that produces ONNX output `i`. */
export function outName(node: OnnxNode, i = 0): string {
  return node.outputs[i] || `${node.name}_out${i}`;
}

/** A binary MIL op over two operands, the second cast to the first's dtype when they differ. */
export function binary(ctx: ConvertContext, milOp: string, a: string, b: string, name?: string): string {
  const y = castTo(ctx, b, ctx.b.typeOf(a).dtype);
  return ctx.b.op1(milOp, { x: a, y }, name === undefined ? {} : { name });
}

function unaryConverter(milOp: string, since = 6): OpConverter {
  return {
    opsets: [since, LATEST_ONNX_OPSET],
    milOps: [milOp],
    convert(node, ctx) {
      ctx.setOutput(node, 0, ctx.b.op1(milOp, { x: ctx.requireInput(node, 0) }, { name: outName(node) }));
    },
  };
}

/**
 * The second operand of a binary op, ready for NumPy broadcasting. Before
 * opset 7 ONNX broadcast only with `broadcast` = 1, matching B's dims to A's
 * dims from `axis` on (the trailing dims by default); appending size-1 dims
 * to B after that run gives the same result under NumPy rules.
 */
export function legacyBroadcastOperand(node: OnnxNode, ctx: ConvertContext, a: string, b: string): string {
  if (ctx.opset >= 7 || attrInt(node, 'broadcast', 0) === 0) return b;
  const axis = attrInt(node, 'axis');
  if (axis === undefined) return b;
  const rankA = ctx.b.typeOf(a).shape.length;
  const rankB = ctx.b.typeOf(b).shape.length;
  const start = axis < 0 ? axis + rankA : axis;
  const trailing = rankA - start - rankB;
  if (start < 0 || trailing < 0) ctx.unsupported(node, `B of rank ${rankB} does not fit A of rank ${rankA} at axis ${axis}`);
  if (trailing === 0) return b;
  const axes = Array.from({ length: trailing }, (_, k) => rankB + k);
  return ctx.b.op1('expand_dims', { x: b, axes: milConst.ints(axes) });
}

/** Both operands of a binary node, with the opset < 7 broadcast rule applied to the second. */
function operands(node: OnnxNode, ctx: ConvertContext): [string, string] {
  const a = ctx.requireInput(node, 0);
  return [a, legacyBroadcastOperand(node, ctx, a, ctx.requireInput(node, 1))];
}

function binaryConverter(milOp: string, since = 1): OpConverter {
  return {
    opsets: [since, LATEST_ONNX_OPSET],
    milOps: [milOp, 'cast', 'expand_dims'],
    convert(node, ctx) {
      const [a, b] = operands(node, ctx);
      ctx.setOutput(node, 0, binary(ctx, milOp, a, b, outName(node)));
    },
  };
}

/** Variadic Max/Min/Sum: a left fold of the binary op over all inputs (before opset 8 they share one shape). */
function variadicConverter(milOp: string): OpConverter {
  return {
    opsets: [1, LATEST_ONNX_OPSET],
    milOps: [milOp, 'cast'],
    convert(node, ctx) {
      const values = node.inputs.map((_, i) => ctx.requireInput(node, i));
      let acc = values[0]!;
      values.slice(1).forEach((v, k) => {
        acc = binary(ctx, milOp, acc, v, k === values.length - 2 ? outName(node) : undefined);
      });
      ctx.setOutput(node, 0, acc);
    },
  };
}

/** Integer division truncating toward zero, as ONNX defines it: sign(a)·sign(b)·floor(|a| / |b|). */
function truncatingIntDiv(ctx: ConvertContext, a: string, b: string, name: string): string {
  const quotient = ctx.b.op1('floor_div', { x: ctx.b.op1('abs', { x: a }), y: ctx.b.op1('abs', { x: b }) });
  const sign = ctx.b.op1('mul', { x: ctx.b.op1('sign', { x: a }), y: ctx.b.op1('sign', { x: b }) });
  return ctx.b.op1('mul', { x: quotient, y: sign }, { name });
}

const div: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['real_div', 'floor_div', 'abs', 'sign', 'mul', 'cast', 'expand_dims'],
  limits: 'integer division truncates toward zero (ONNX semantics), computed as sign(a)·sign(b)·floor(|a|/|b|)',
  convert(node, ctx) {
    const [a, divisor] = operands(node, ctx);
    const b = castTo(ctx, divisor, ctx.b.typeOf(a).dtype);
    const out = ctx.b.typeOf(a).dtype === 'int32'
      ? truncatingIntDiv(ctx, a, b, outName(node))
      : ctx.b.op1('real_div', { x: a, y: b }, { name: outName(node) });
    ctx.setOutput(node, 0, out);
  },
};

/** trunc(q) = sign(q)·floor(|q|), for float quotients. */
function truncateFloat(ctx: ConvertContext, q: string): string {
  return ctx.b.op1('mul', { x: ctx.b.op1('sign', { x: q }), y: ctx.b.op1('floor', { x: ctx.b.op1('abs', { x: q }) }) });
}

/**
 * Mod with fmod=0 is Python's remainder (sign of the divisor), which is MIL
 * mod. fmod=1 is C's fmod (sign of the dividend): x - trunc(x / y)·y.
 */
const mod: OpConverter = {
  opsets: [10, LATEST_ONNX_OPSET],
  milOps: ['mod', 'real_div', 'floor_div', 'floor', 'abs', 'sign', 'mul', 'sub', 'cast'],
  limits: 'fmod=0 relies on MIL mod following Python semantics (as coremltools evaluates it); fmod=1 on floats computes x - trunc(x/y)·y, which can differ from C fmod in the last bits for large quotients',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const y = castTo(ctx, ctx.requireInput(node, 1), ctx.b.typeOf(x).dtype);
    const name = outName(node);
    if (attrInt(node, 'fmod', 0) === 0) {
      ctx.setOutput(node, 0, ctx.b.op1('mod', { x, y }, { name }));
      return;
    }
    const quotient = ctx.b.typeOf(x).dtype === 'int32'
      ? truncatingIntDiv(ctx, x, y, `${name}_quotient`)
      : truncateFloat(ctx, ctx.b.op1('real_div', { x, y }));
    ctx.setOutput(node, 0, ctx.b.op1('sub', { x, y: ctx.b.op1('mul', { x: quotient, y }) }, { name }));
  },
};

/** True when a constant holds a single element equal to 2. */
function isScalarTwo(t: Tensor | undefined): boolean {
  return t !== undefined && t.data.length === 1 && t.dtype !== 'string' && constantAsFloat32(t)[0] === 2;
}

const pow: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['pow', 'exp', 'mul', 'cast', 'expand_dims'],
  limits: 'a constant base of 2 becomes exp(y·ln 2): Core ML computes pow(2, y) wrongly',
  convert(node, ctx) {
    const base = ctx.constant(node, 0);
    const y = legacyBroadcastOperand(node, ctx, ctx.requireInput(node, 0), ctx.requireInput(node, 1));
    const baseShape = base?.shape.length ?? 0;
    if (isScalarTwo(base) && isFloatDType(base!.dtype) && baseShape <= ctx.b.typeOf(y).shape.length) {
      const floatY = castTo(ctx, y, base!.dtype === 'float16' ? 'float16' : 'float32');
      const scaled = ctx.b.op1('mul', { x: floatY, y: scalarLike(ctx, floatY, Math.LN2) });
      ctx.setOutput(node, 0, ctx.b.op1('exp', { x: scaled }, { name: outName(node) }));
      return;
    }
    const x = ctx.requireInput(node, 0);
    const xType = ctx.b.typeOf(x).dtype;
    const yType = ctx.b.typeOf(y).dtype;
    if (xType === 'int32' && yType !== 'int32') {
      // An integer base with a float exponent: ONNX computes in float and casts the result back.
      const result = ctx.b.op1('pow', { x: castTo(ctx, x, yType), y });
      ctx.setOutput(node, 0, castTo(ctx, result, 'int32', outName(node)));
      return;
    }
    ctx.setOutput(node, 0, binary(ctx, 'pow', x, y, outName(node)));
  },
};

const neg: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['mul'],
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    ctx.setOutput(node, 0, ctx.b.op1('mul', { x, y: scalarLike(ctx, x, -1) }, { name: outName(node) }));
  },
};

/** inverse and log add a default epsilon in Core ML; ONNX wants the exact value, so pass epsilon 0. */
function exactWithEpsilon(milOp: 'inverse' | 'log'): OpConverter {
  return {
    opsets: [1, LATEST_ONNX_OPSET],
    milOps: [milOp],
    convert(node, ctx) {
      const x = ctx.requireInput(node, 0);
      ctx.setOutput(node, 0, ctx.b.op1(milOp, { x, epsilon: scalarLike(ctx, x, 0) }, { name: outName(node) }));
    },
  };
}

/** Equal on bool has no MIL comparison (bool is outside its domain): not(xor(a, b)). */
const equal: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['equal', 'logical_xor', 'logical_not', 'cast', 'expand_dims'],
  limits: 'string inputs are not supported',
  convert(node, ctx) {
    const [a, b] = operands(node, ctx);
    if (ctx.b.typeOf(a).dtype === 'string') ctx.unsupported(node, 'Core ML cannot compare strings');
    if (ctx.b.typeOf(a).dtype === 'bool') {
      const differs = binary(ctx, 'logical_xor', a, b);
      ctx.setOutput(node, 0, ctx.b.op1('logical_not', { x: differs }, { name: outName(node) }));
      return;
    }
    ctx.setOutput(node, 0, binary(ctx, 'equal', a, b, outName(node)));
  },
};

const where: OpConverter = {
  opsets: [9, LATEST_ONNX_OPSET],
  milOps: ['select', 'cast'],
  convert(node, ctx) {
    const cond = castTo(ctx, ctx.requireInput(node, 0), 'bool');
    const a = ctx.requireInput(node, 1);
    const b = castTo(ctx, ctx.requireInput(node, 2), ctx.b.typeOf(a).dtype);
    ctx.setOutput(node, 0, ctx.b.op1('select', { cond, a, b }, { name: outName(node) }));
  },
};

const mean: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['add', 'real_div', 'cast'],
  convert(node, ctx) {
    const values = node.inputs.map((_, i) => ctx.requireInput(node, i));
    const sum = values.slice(1).reduce((acc, v) => binary(ctx, 'add', acc, v), values[0]!);
    ctx.setOutput(node, 0, ctx.b.op1('real_div', { x: sum, y: scalarLike(ctx, sum, values.length) }, { name: outName(node) }));
  },
};

/** NaN is the only value not equal to itself. */
const isNaN: OpConverter = {
  opsets: [9, LATEST_ONNX_OPSET],
  milOps: ['not_equal'],
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    ctx.setOutput(node, 0, ctx.b.op1('not_equal', { x, y: x }, { name: outName(node) }));
  },
};

const isInf: OpConverter = {
  opsets: [10, LATEST_ONNX_OPSET],
  milOps: ['equal', 'abs', 'less'],
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const positive = attrInt(node, 'detect_positive', 1) !== 0;
    const negative = attrInt(node, 'detect_negative', 1) !== 0;
    const name = outName(node);
    if (positive && negative) {
      const magnitude = ctx.b.op1('abs', { x });
      ctx.setOutput(node, 0, ctx.b.op1('equal', { x: magnitude, y: scalarLike(ctx, x, Infinity) }, { name }));
    } else if (positive || negative) {
      ctx.setOutput(node, 0, ctx.b.op1('equal', { x, y: scalarLike(ctx, x, positive ? Infinity : -Infinity) }, { name }));
    } else {
      // Detecting neither sign: all false, shaped like x (|x| < -1 never holds, not even for NaN).
      ctx.setOutput(node, 0, ctx.b.op1('less', { x: ctx.b.op1('abs', { x }), y: scalarLike(ctx, x, -1) }, { name }));
    }
  },
};

/** sqrt(x² + c) for c = ±1, the radicand of the inverse hyperbolic functions. */
function hypot1(ctx: ConvertContext, x: string, c: 1 | -1): string {
  return ctx.b.op1('sqrt', { x: ctx.b.op1('add', { x: ctx.b.op1('mul', { x, y: x }), y: scalarLike(ctx, x, c) }) });
}

/** MIL has no asinh: sign(x)·log(|x| + sqrt(x² + 1)), odd by construction so negative x loses no digits. */
const asinh: OpConverter = {
  opsets: [9, LATEST_ONNX_OPSET],
  milOps: ['abs', 'mul', 'add', 'sqrt', 'log', 'sign'],
  limits: 'computed as sign(x)·log(|x| + sqrt(x² + 1)); |x| above ~1.8e19 overflows to infinity',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const magnitude = ctx.b.op1('abs', { x });
    const sum = ctx.b.op1('add', { x: magnitude, y: hypot1(ctx, magnitude, 1) });
    const log = ctx.b.op1('log', { x: sum, epsilon: scalarLike(ctx, x, 0) });
    ctx.setOutput(node, 0, ctx.b.op1('mul', { x: log, y: ctx.b.op1('sign', { x }) }, { name: outName(node) }));
  },
};

/** MIL has no acosh: log(x + sqrt(x² − 1)), NaN below 1 as ONNX defines it. */
const acosh: OpConverter = {
  opsets: [9, LATEST_ONNX_OPSET],
  milOps: ['mul', 'add', 'sqrt', 'log'],
  limits: 'computed as log(x + sqrt(x² − 1)); x above ~1.8e19 overflows to infinity',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const sum = ctx.b.op1('add', { x, y: hypot1(ctx, x, -1) });
    ctx.setOutput(node, 0, ctx.b.op1('log', { x: sum, epsilon: scalarLike(ctx, x, 0) }, { name: outName(node) }));
  },
};

/** CastLike casts input 0 to the element type of input 1 (as Core ML holds it: int64 → int32, float64 → fp32). */
const castLike: OpConverter = {
  opsets: [15, LATEST_ONNX_OPSET],
  milOps: ['cast'],
  limits: 'no string or bfloat16 targets; int64 and float64 targets become int32 and fp32',
  convert(node, ctx) {
    const onnxTarget = ctx.info(node.inputs[1] ?? '')?.dtype ?? ctx.b.typeOf(ctx.requireInput(node, 1)).dtype;
    const target = milDTypeFor(onnxTarget);
    if (target === undefined || target === 'string' || onnxTarget === 'bfloat16') return ctx.unsupported(node, `cast to ${onnxTarget} has no Core ML counterpart`);
    const x = ctx.requireInput(node, 0);
    ctx.setOutput(node, 0, ctx.b.typeOf(x).dtype === target ? x : castTo(ctx, x, target, outName(node)));
  },
};

/** 2^k for k = 0..30, the shift amounts whose results fit Core ML's int32. */
const POWERS_OF_TWO = Int32Array.from({ length: 31 }, (_, k) => 2 ** k);

/**
 * BitShift on unsigned integers: x·2^y to the left, floor(x / 2^y) to the
 * right. 2^y is a constant when y is, else gathered from a table of powers.
 */
const bitShift: OpConverter = {
  opsets: [11, LATEST_ONNX_OPSET],
  milOps: ['gather', 'mul', 'floor_div'],
  limits: 'values are held as int32: shift amounts 0..30, and results must fit int32',
  convert(node, ctx) {
    const direction = attrString(node, 'direction', '');
    if (direction !== 'LEFT' && direction !== 'RIGHT') ctx.unsupported(node, `direction "${direction}" is not LEFT or RIGHT`);
    const x = ctx.requireInput(node, 0);
    const shift = ctx.constant(node, 1);
    const constantShift = shift ? constantAsFloat32(shift) : undefined;
    if (constantShift?.some((k) => !(k >= 0 && k <= 30))) ctx.unsupported(node, 'shift amounts must lie in 0..30 for int32 values');
    const factor = constantShift
      ? makeTensor('int32', shift!.shape, Int32Array.from(constantShift, (k) => POWERS_OF_TWO[k]!))
      : ctx.b.op1('gather', { x: makeTensor('int32', [POWERS_OF_TWO.length], POWERS_OF_TWO), indices: castTo(ctx, ctx.requireInput(node, 1), 'int32'), axis: milConst.int(0) });
    const op = direction === 'LEFT' ? 'mul' : 'floor_div';
    ctx.setOutput(node, 0, ctx.b.op1(op, { x: castTo(ctx, x, 'int32'), y: factor }, { name: outName(node) }));
  },
};

/** Opset 1 differs from 6 only by the legacy consumed_inputs attribute, which has no effect on results. */
const UNARY: Readonly<Record<string, [milOp: string, since: number]>> = {
  Sqrt: ['sqrt', 1], Exp: ['exp', 1], Abs: ['abs', 1], Erf: ['erf', 9], Floor: ['floor', 1], Ceil: ['ceil', 1],
  Sign: ['sign', 9], Sin: ['sin', 7], Cos: ['cos', 7], Tan: ['tan', 7], Asin: ['asin', 7], Acos: ['acos', 7],
  Atan: ['atan', 7], Sinh: ['sinh', 9], Cosh: ['cosh', 9], Atanh: ['atanh', 9], Not: ['logical_not', 1],
  Round: ['round', 11],
};

/** Before opset 7 these take the legacy `broadcast`/`axis` attributes (see legacyBroadcastOperand). */
const BINARY: Readonly<Record<string, [milOp: string, since: number]>> = {
  Add: ['add', 1], Sub: ['sub', 1], Mul: ['mul', 1], Less: ['less', 1], Greater: ['greater', 1],
  LessOrEqual: ['less_equal', 12], GreaterOrEqual: ['greater_equal', 12],
  And: ['logical_and', 1], Or: ['logical_or', 1], Xor: ['logical_xor', 1],
};

export const elementwiseConverters: ConverterTable = {
  ...Object.fromEntries(Object.entries(UNARY).map(([op, [mil, since]]) => [op, unaryConverter(mil, since)])),
  ...Object.fromEntries(Object.entries(BINARY).map(([op, [mil, since]]) => [op, binaryConverter(mil, since)])),
  Div: div,
  Pow: pow,
  Mod: mod,
  Neg: neg,
  Reciprocal: exactWithEpsilon('inverse'),
  Log: exactWithEpsilon('log'),
  Equal: equal,
  Where: where,
  IsNaN: isNaN,
  IsInf: isInf,
  Max: variadicConverter('maximum'),
  Min: variadicConverter('minimum'),
  Sum: variadicConverter('add'),
  Mean: mean,
  Asinh: asinh,
  Acosh: acosh,
  CastLike: castLike,
  BitShift: bitShift,
};
