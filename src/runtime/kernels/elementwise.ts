import type { DType } from '../../tensor/dtype.js';
import { elementCount } from '../../tensor/tensor.js';
import type { Kernel, KernelTable, OpContext } from '../kernel.js';
import { allocFor, makeValue, type RtNumeric, type RtNumericValue, type RtValue } from '../value.js';
import { broadcastIndex, broadcastShapes } from './broadcast.js';

/** Element-wise binary ops (NumPy broadcasting), unary math, and select. */

type Binary = (a: number, b: number) => number;
type Unary = (x: number) => number;

const ARITHMETIC: Record<string, Binary> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  real_div: (a, b) => a / b,
  floor_div: (a, b) => Math.floor(a / b),
  // Python/NumPy modulo: the result takes the sign of the divisor.
  mod: (a, b) => a - Math.floor(a / b) * b,
  pow: (a, b) => Math.pow(a, b),
  maximum: (a, b) => (a > b || Number.isNaN(a) ? a : b),
  minimum: (a, b) => (a < b || Number.isNaN(a) ? a : b),
};

const COMPARISON: Record<string, Binary> = {
  equal: (a, b) => (a === b ? 1 : 0),
  not_equal: (a, b) => (a !== b ? 1 : 0),
  less: (a, b) => (a < b ? 1 : 0),
  less_equal: (a, b) => (a <= b ? 1 : 0),
  greater: (a, b) => (a > b ? 1 : 0),
  greater_equal: (a, b) => (a >= b ? 1 : 0),
  logical_and: (a, b) => (a !== 0 && b !== 0 ? 1 : 0),
  logical_or: (a, b) => (a !== 0 || b !== 0 ? 1 : 0),
  logical_xor: (a, b) => ((a !== 0) !== (b !== 0) ? 1 : 0),
};

/**
 * Dedicated same-shape loops for the arithmetic that dominates real networks
 * (residual adds, scales): each has its own call-free loop, where the generic
 * path calls `f` through a shared, megamorphic call site.
 */
type SameShapeLoop = (o: RtNumeric, a: RtNumeric, b: RtNumeric) => void;
const SAME_SHAPE: Record<string, SameShapeLoop> = {
  add: (o, a, b) => {
    for (let i = 0; i < o.length; i++) o[i] = a[i]! + b[i]!;
  },
  sub: (o, a, b) => {
    for (let i = 0; i < o.length; i++) o[i] = a[i]! - b[i]!;
  },
  mul: (o, a, b) => {
    for (let i = 0; i < o.length; i++) o[i] = a[i]! * b[i]!;
  },
  real_div: (o, a, b) => {
    for (let i = 0; i < o.length; i++) o[i] = a[i]! / b[i]!;
  },
};

/** Applies `f` with broadcasting, writing into a new array of `dtype`. */
function broadcastBinary(
  ctx: OpContext, x: RtNumericValue, y: RtNumericValue, dtype: DType, f: Binary, sameShapeLoop?: SameShapeLoop,
): RtNumericValue {
  const shape = broadcastShapes(ctx, [x.shape, y.shape]);
  const out = makeValue(dtype, shape);
  const o = out.data;
  const a = x.data;
  const b = y.data;
  const n = o.length;
  if (a.length === n && b.length === n && x.shape.length === y.shape.length) {
    if (sameShapeLoop) sameShapeLoop(o, a, b);
    else for (let i = 0; i < n; i++) o[i] = f(a[i]!, b[i]!);
  } else if (b.length === 1 && a.length === n) {
    const bv = b[0]!;
    for (let i = 0; i < n; i++) o[i] = f(a[i]!, bv);
  } else if (a.length === 1 && b.length === n) {
    const av = a[0]!;
    for (let i = 0; i < n; i++) o[i] = f(av, b[i]!);
  } else {
    const ia = broadcastIndex(x.shape, shape);
    const ib = broadcastIndex(y.shape, shape);
    for (let i = 0; i < n; i++) o[i] = f(a[ia ? ia[i]! : i]!, b[ib ? ib[i]! : i]!);
  }
  return out;
}

function binaryKernel(f: Binary, resultIsBool: boolean, sameShapeLoop?: SameShapeLoop): Kernel {
  return (ctx) => {
    const x = ctx.numeric('x');
    const y = ctx.numeric('y');
    if (!resultIsBool && x.dtype !== y.dtype && !(isFloat(x.dtype) && isFloat(y.dtype))) {
      ctx.fail(`x (${x.dtype}) and y (${y.dtype}) must have the same dtype`);
    }
    const dtype = resultIsBool ? 'bool' : x.dtype;
    return [broadcastBinary(ctx, x, y, dtype, f, sameShapeLoop)];
  };
}

function isFloat(d: DType): boolean {
  return d === 'float32' || d === 'float16';
}

const erfP = 0.3275911;
const ERF_A = [0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429] as const;

/**
 * erf to ~1e-7 absolute (Abramowitz–Stegun 7.1.26 is only 1.5e-7; refine with
 * the series near zero where relative error matters most).
 */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 0.5) {
    // Maclaurin series: converges fast for small |x| and keeps relative accuracy.
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 12; n++) {
      term *= -x2 / n;
      sum += term / (2 * n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  const t = 1 / (1 + erfP * ax);
  const poly = ((((ERF_A[4] * t + ERF_A[3]) * t + ERF_A[2]) * t + ERF_A[1]) * t + ERF_A[0]) * t;
  const y = 1 - poly * Math.exp(-ax * ax);
  return x < 0 ? -y : y;
}

const UNARY: Record<string, Unary> = {
  abs: Math.abs,
  sqrt: Math.sqrt,
  exp: Math.exp,
  exp2: (x) => Math.pow(2, x),
  erf,
  floor: Math.floor,
  ceil: Math.ceil,
  // MIL round follows NumPy: halves go to the even neighbour.
  round: (x) => {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  square: (x) => x * x,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  logical_not: (x) => (x === 0 ? 1 : 0),
};

/** Unary ops with an additive epsilon, and its default from the op definitions. */
const WITH_EPSILON: Record<string, { f: (x: number, eps: number) => number; epsilon: number }> = {
  rsqrt: { f: (x, eps) => 1 / Math.sqrt(x + eps), epsilon: 1e-12 },
  log: { f: (x, eps) => Math.log(x + eps), epsilon: 1e-45 },
  inverse: { f: (x, eps) => 1 / (x + eps), epsilon: 1e-4 },
};

function mapUnary(x: RtNumericValue, dtype: DType, f: Unary): RtNumericValue {
  const out = makeValue(dtype, x.shape);
  const o = out.data;
  const a = x.data;
  for (let i = 0; i < a.length; i++) o[i] = f(a[i]!);
  return out;
}

function unaryKernel(f: Unary): Kernel {
  return (ctx) => {
    const x = ctx.numeric('x');
    return [mapUnary(x, x.dtype, f)];
  };
}

function epsilonKernel(f: (x: number, eps: number) => number, fallback: number): Kernel {
  return (ctx) => {
    const x = ctx.float('x');
    // An fp16 program stores epsilon as a half: 1e-45 becomes 0 there, as on device.
    const eps = ctx.num('epsilon', fallback);
    return [mapUnary(x, x.dtype, (v) => f(v, eps))];
  };
}

function select(ctx: OpContext): RtValue[] {
  const cond = ctx.numeric('cond');
  const a = ctx.numeric('a');
  const b = ctx.numeric('b');
  const shape = broadcastShapes(ctx, [cond.shape, a.shape, b.shape]);
  const ic = broadcastIndex(cond.shape, shape);
  const ia = broadcastIndex(a.shape, shape);
  const ib = broadcastIndex(b.shape, shape);
  const out: RtNumeric = allocFor(a.dtype, elementCount(shape));
  for (let i = 0; i < out.length; i++) {
    out[i] = cond.data[ic ? ic[i]! : i] ? a.data[ia ? ia[i]! : i]! : b.data[ib ? ib[i]! : i]!;
  }
  return [makeValue(a.dtype, shape, out)];
}

function table(): KernelTable {
  const t: Record<string, Kernel> = { select };
  for (const [name, f] of Object.entries(ARITHMETIC)) t[name] = binaryKernel(f, false, SAME_SHAPE[name]);
  for (const [name, f] of Object.entries(COMPARISON)) t[name] = binaryKernel(f, true);
  for (const [name, f] of Object.entries(UNARY)) t[name] = unaryKernel(f);
  for (const [name, { f, epsilon }] of Object.entries(WITH_EPSILON)) t[name] = epsilonKernel(f, epsilon);
  return t;
}

export const elementwiseKernels: KernelTable = table();
