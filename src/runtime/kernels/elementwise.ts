import type { DType } from '../../tensor/dtype.js';
import { elementCount } from '../../tensor/tensor.js';
import type { Kernel, KernelTable, OpContext } from '../kernel.js';
import { erf, fastExp } from '../fast-math.js';
import { addReluWasm, binaryRunWasm } from '../wasm-elementwise.js';
import { erfGeluWasm } from '../wasm-gelu.js';
import { allocFor, makeFloatToOverwrite, makeValue, type RtNumeric, type RtNumericValue, type RtValue } from '../value.js';
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
 * One run of a binary op: o[oAt + i] = f(a[aAt + i·aStep], b[bAt + i·bStep])
 * for i < len, where a step of 0 repeats one value (a broadcast dim).
 */
type RunLoop = (o: RtNumeric, oAt: number, a: RtNumeric, aAt: number, aStep: number, b: RtNumeric, bAt: number, bStep: number, len: number) => void;

/**
 * Dedicated loops for the arithmetic that dominates real networks (residual
 * and bias adds, scales, GELU's divides): each has its own call-free loop,
 * where the generic path calls `f` through a shared, megamorphic call site.
 */
const DEDICATED: Record<string, RunLoop> = {
  add: (o, oAt, a, aAt, aStep, b, bAt, bStep, len) => {
    for (let i = 0; i < len; i++) o[oAt + i] = a[aAt + i * aStep]! + b[bAt + i * bStep]!;
  },
  sub: (o, oAt, a, aAt, aStep, b, bAt, bStep, len) => {
    for (let i = 0; i < len; i++) o[oAt + i] = a[aAt + i * aStep]! - b[bAt + i * bStep]!;
  },
  mul: (o, oAt, a, aAt, aStep, b, bAt, bStep, len) => {
    for (let i = 0; i < len; i++) o[oAt + i] = a[aAt + i * aStep]! * b[bAt + i * bStep]!;
  },
  real_div: (o, oAt, a, aAt, aStep, b, bAt, bStep, len) => {
    for (let i = 0; i < len; i++) o[oAt + i] = a[aAt + i * aStep]! / b[bAt + i * bStep]!;
  },
};

function genericRun(f: Binary): RunLoop {
  return (o, oAt, a, aAt, aStep, b, bAt, bStep, len) => {
    for (let i = 0; i < len; i++) o[oAt + i] = f(a[aAt + i * aStep]!, b[bAt + i * bStep]!);
  };
}

/**
 * How a broadcast splits into runs: the trailing output dims over which each
 * operand either advances by one or stays put are merged into one run of
 * `len`; `aBase`/`bBase` give each operand's start for every run (null when
 * the operand spans every outer dim: run r then starts at r·len, or at r for
 * an operand repeated along the run).
 */
interface RunPlan {
  len: number;
  runs: number;
  aStep: number;
  bStep: number;
  aBase: Int32Array | null;
  bBase: Int32Array | null;
}

function runPlan(aShape: readonly number[], bShape: readonly number[], outShape: readonly number[]): RunPlan {
  const rank = outShape.length;
  const dimOf = (shape: readonly number[], d: number): number => shape[d - (rank - shape.length)] ?? 1;
  const advances = (shape: readonly number[], d: number): boolean => dimOf(shape, d) !== 1 || outShape[d] === 1;
  let len = 1;
  let split = rank;
  const aStep = rank > 0 && advances(aShape, rank - 1) ? 1 : 0;
  const bStep = rank > 0 && advances(bShape, rank - 1) ? 1 : 0;
  while (split > 0 && Number(advances(aShape, split - 1)) === aStep && Number(advances(bShape, split - 1)) === bStep) {
    split--;
    len *= outShape[split]!;
  }
  const outer = outShape.slice(0, split);
  const outerOf = (shape: readonly number[]): number[] => outer.map((_, d) => dimOf(shape, d));
  const scale = (index: Int32Array | null, step: number): Int32Array | null => {
    if (!index || step === 0) return index;
    return index.map((v) => v * len);
  };
  const aBase = scale(broadcastIndex(outerOf(aShape), outer), aStep);
  const bBase = scale(broadcastIndex(outerOf(bShape), outer), bStep);
  return { len, runs: outer.reduce((p, d) => p * d, 1), aStep, bStep, aBase, bBase };
}

/** A result every element of which the caller writes. */
function resultValue(dtype: DType, shape: readonly number[]): RtNumericValue {
  return isFloat(dtype) ? makeFloatToOverwrite(dtype, shape) : makeValue(dtype, shape);
}

/** Applies the op with broadcasting, writing into a new array of `dtype`. */
function broadcastBinary(ctx: OpContext, x: RtNumericValue, y: RtNumericValue, dtype: DType, run: RunLoop, op?: string): RtNumericValue {
  const shape = broadcastShapes(ctx, [x.shape, y.shape]);
  const out = resultValue(dtype, shape);
  const plan = runPlan(x.shape, y.shape, shape);
  const { len, aStep, bStep, aBase, bBase } = plan;
  if (len === 0) return out;
  const floats = floatRun(op, x, y, out, aStep, bStep, len);
  for (let r = 0; r < plan.runs; r++) {
    const aAt = aBase ? aBase[r]! : aStep ? r * len : r;
    const bAt = bBase ? bBase[r]! : bStep ? r * len : r;
    if (floats) floats(out.data as Float32Array, r * len, x.data as Float32Array, aAt, y.data as Float32Array, bAt, len);
    else run(out.data, r * len, x.data, aAt, aStep, y.data, bAt, bStep, len);
  }
  return out;
}

/**
 * float32 copies of the dedicated loops, one per step pattern (both operands
 * advance, or one repeats a value): each loop body sees one array type and no
 * index multiplications, which the shared loops over every numeric type cannot.
 */
type FloatRun = (o: Float32Array, oAt: number, a: Float32Array, aAt: number, b: Float32Array, bAt: number, len: number) => void;
interface FloatRuns { both: FloatRun; aOnly: FloatRun; bOnly: FloatRun }

const FLOAT_DEDICATED: Record<string, FloatRuns> = {
  add: {
    both: (o, oAt, a, aAt, b, bAt, len) => { for (let i = 0; i < len; i++) o[oAt + i] = a[aAt + i]! + b[bAt + i]!; },
    aOnly: (o, oAt, a, aAt, b, bAt, len) => { const v = b[bAt]!; for (let i = 0; i < len; i++) o[oAt + i] = a[aAt + i]! + v; },
    bOnly: (o, oAt, a, aAt, b, bAt, len) => { const v = a[aAt]!; for (let i = 0; i < len; i++) o[oAt + i] = v + b[bAt + i]!; },
  },
  sub: {
    both: (o, oAt, a, aAt, b, bAt, len) => { for (let i = 0; i < len; i++) o[oAt + i] = a[aAt + i]! - b[bAt + i]!; },
    aOnly: (o, oAt, a, aAt, b, bAt, len) => { const v = b[bAt]!; for (let i = 0; i < len; i++) o[oAt + i] = a[aAt + i]! - v; },
    bOnly: (o, oAt, a, aAt, b, bAt, len) => { const v = a[aAt]!; for (let i = 0; i < len; i++) o[oAt + i] = v - b[bAt + i]!; },
  },
  mul: {
    both: (o, oAt, a, aAt, b, bAt, len) => { for (let i = 0; i < len; i++) o[oAt + i] = a[aAt + i]! * b[bAt + i]!; },
    aOnly: (o, oAt, a, aAt, b, bAt, len) => { const v = b[bAt]!; for (let i = 0; i < len; i++) o[oAt + i] = a[aAt + i]! * v; },
    bOnly: (o, oAt, a, aAt, b, bAt, len) => { const v = a[aAt]!; for (let i = 0; i < len; i++) o[oAt + i] = v * b[bAt + i]!; },
  },
  real_div: {
    both: (o, oAt, a, aAt, b, bAt, len) => { for (let i = 0; i < len; i++) o[oAt + i] = a[aAt + i]! / b[bAt + i]!; },
    aOnly: (o, oAt, a, aAt, b, bAt, len) => { const v = b[bAt]!; for (let i = 0; i < len; i++) o[oAt + i] = a[aAt + i]! / v; },
    bOnly: (o, oAt, a, aAt, b, bAt, len) => { const v = a[aAt]!; for (let i = 0; i < len; i++) o[oAt + i] = v / b[bAt + i]!; },
  },
};

/** Runs at least this long go through WebAssembly (wasm-elementwise.ts); copying shorter ones in and out costs more than it saves. */
const WASM_RUN_MIN = 4096;

/** The float32 loop for this op and step pattern, or undefined when the general loop must run. */
function floatRun(op: string | undefined, x: RtNumericValue, y: RtNumericValue, out: RtNumericValue, aStep: number, bStep: number, len: number): FloatRun | undefined {
  const runs = op === undefined ? undefined : FLOAT_DEDICATED[op];
  if (!runs || !(x.data instanceof Float32Array && y.data instanceof Float32Array && out.data instanceof Float32Array)) return undefined;
  const pattern = aStep === 1 && bStep === 1 ? 'both' : aStep === 1 ? 'aOnly' : bStep === 1 ? 'bOnly' : undefined;
  if (!pattern) return undefined;
  return (len >= WASM_RUN_MIN ? binaryRunWasm(op!, pattern) : undefined) ?? runs[pattern];
}

function binaryKernel(run: RunLoop, resultIsBool: boolean, op?: string): Kernel {
  return (ctx) => {
    const x = ctx.numeric('x');
    const y = ctx.numeric('y');
    if (!resultIsBool && x.dtype !== y.dtype && !(isFloat(x.dtype) && isFloat(y.dtype))) {
      ctx.fail(`x (${x.dtype}) and y (${y.dtype}) must have the same dtype`);
    }
    const dtype = resultIsBool ? 'bool' : x.dtype;
    return [broadcastBinary(ctx, x, y, dtype, run, op)];
  };
}

function isFloat(d: DType): boolean {
  return d === 'float32' || d === 'float16';
}

/**
 * x · (erf(x / c1) + c2) · c3 over every element, each step rounded to float32
 * as real_div, erf, add, mul and mul store their results: the erf GELU chain
 * (see fusion.ts) in one pass.
 */
export function erfGeluInto(x: Float32Array, c1: number, c2: number, c3: number, out: Float32Array): void {
  if (x.length < WASM_GELU_MIN || !erfGeluWasm(x, c1, c2, c3, out)) erfGeluScalar(x, c1, c2, c3, out);
}

/** Below this many elements the JavaScript loop is as fast as copying into WebAssembly memory and back. */
const WASM_GELU_MIN = 64;

/** erfGeluInto in JavaScript: the definition the WebAssembly kernel (wasm-gelu.ts) reproduces bit for bit. */
export function erfGeluScalar(x: Float32Array, c1: number, c2: number, c3: number, out: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    const e = Math.fround(erf(Math.fround(v / c1)));
    out[i] = Math.fround(v * Math.fround(e + c2)) * c3;
  }
}

/** relu(a + b) over same-length float32 arrays, the sum rounded to float32 first as add stores it. */
export function addReluInto(a: Float32Array, b: Float32Array, out: Float32Array): void {
  if (out.length < WASM_ADD_RELU_MIN || !addReluWasm(a, b, out)) addReluScalar(a, b, out);
}

/** Below this many elements the JavaScript loop is as fast as copying into WebAssembly memory and back. */
const WASM_ADD_RELU_MIN = 256;

/** addReluInto in JavaScript: the definition wasm-elementwise.ts reproduces bit for bit. */
export function addReluScalar(a: Float32Array, b: Float32Array, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) {
    const v = Math.fround(a[i]! + b[i]!);
    out[i] = v > 0 ? v : 0;
  }
}

/** NumPy's rounding (np.round, np.around): halves go to the even neighbour. MIL round and quantize follow it. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** MIL's element-wise unary ops. There is no acosh or asinh in MIL (a program using them does not compile), so no kernel either. */
const UNARY: Record<string, Unary> = {
  abs: Math.abs,
  sqrt: Math.sqrt,
  exp: fastExp,
  exp2: (x) => Math.pow(2, x),
  erf,
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
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
  const out = resultValue(dtype, x.shape);
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

/** erf gets its own loop (GELU runs it over every MLP activation): the shared one calls through a megamorphic site. */
function erfKernel(ctx: OpContext): RtValue[] {
  const x = ctx.numeric('x');
  const out = resultValue(x.dtype, x.shape);
  const a = x.data;
  const o = out.data;
  for (let i = 0; i < a.length; i++) o[i] = erf(a[i]!);
  return [out];
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
  for (const [name, f] of Object.entries(ARITHMETIC)) t[name] = binaryKernel(DEDICATED[name] ?? genericRun(f), false, name);
  for (const [name, f] of Object.entries(COMPARISON)) t[name] = binaryKernel(genericRun(f), true);
  for (const [name, f] of Object.entries(UNARY)) t[name] = f === erf ? erfKernel : unaryKernel(f);
  for (const [name, { f, epsilon }] of Object.entries(WITH_EPSILON)) t[name] = epsilonKernel(f, epsilon);
  return t;
}

export const elementwiseKernels: KernelTable = table();
