import type { Kernel, KernelTable, OpContext } from '../kernel.js';
import { normAxis } from '../kernel.js';
import { makeFloatToOverwrite, type RtFloatValue, type RtValue } from '../value.js';
import { erf, fastExp } from '../fast-math.js';
import { softmaxRowsWasm } from '../wasm-softmax.js';

/** Activation ops: element-wise with scalar parameters, per-channel ones, and softmax. */

const sigmoid = (x: number): number => {
  const e = fastExp(-Math.abs(x));
  return x >= 0 ? 1 / (1 + e) : e / (1 + e);
};
/** log(1 + e^x) without overflow for large x. */
const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

function mapFloat(x: RtFloatValue, f: (v: number) => number): RtFloatValue {
  const out = makeFloatToOverwrite(x.dtype, x.shape);
  const o = out.data;
  const a = x.data;
  for (let i = 0; i < a.length; i++) o[i] = f(a[i]!);
  return out;
}

/** An activation with no parameters. */
function plain(f: (v: number) => number): Kernel {
  return (ctx) => [mapFloat(ctx.float('x'), f)];
}

/** An activation with scalar alpha (and beta) parameters; fallbacks where the definition gives none. */
function scalarParams(f: (v: number, alpha: number, beta: number) => number, alpha?: number, beta?: number): Kernel {
  return (ctx) => {
    const a = ctx.num('alpha', alpha);
    const b = beta === undefined && !ctx.has('beta') ? 0 : ctx.num('beta', beta);
    return [mapFloat(ctx.float('x'), (v) => f(v, a, b))];
  };
}

const GELU: Record<string, (x: number) => number> = {
  EXACT: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  TANH_APPROXIMATION: (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))),
  SIGMOID_APPROXIMATION: (x) => x * sigmoid(1.702 * x),
};

function gelu(ctx: OpContext): RtValue[] {
  const mode = ctx.str('mode', 'EXACT');
  const f = GELU[mode];
  if (!f) ctx.fail(`unknown gelu mode '${mode}' (expected ${Object.keys(GELU).join(', ')})`);
  return [mapFloat(ctx.float('x'), f)];
}

/**
 * Applies f(x, p_c, q_c) where p and q are per-channel vectors over axis 1 of
 * x ([B, C, ...]); a one-element vector applies to every channel.
 */
function perChannel(ctx: OpContext, f: (v: number, p: number, q: number) => number, pName: string, qName?: string): RtValue[] {
  const x = ctx.float('x');
  const p = ctx.float(pName).data;
  const q = qName ? ctx.float(qName).data : new Float32Array(1);
  if (x.shape.length < 2) ctx.fail(`x must have rank ≥ 2, got ${x.shape.length}`);
  const channels = x.shape[1]!;
  for (const [name, v] of [[pName, p], [qName, q]] as const) {
    if (name && v.length !== 1 && v.length !== channels) ctx.fail(`${name} has ${v.length} values for ${channels} channels`);
  }
  let inner = 1;
  for (let i = 2; i < x.shape.length; i++) inner *= x.shape[i]!;
  const out = makeFloatToOverwrite(x.dtype, x.shape);
  const a = x.data;
  const o = out.data;
  for (let base = 0, c = 0; base < a.length; base += inner, c = (c + 1) % channels) {
    const pc = p[p.length === 1 ? 0 : c]!;
    const qc = q[q.length === 1 ? 0 : c]!;
    for (let i = base; i < base + inner; i++) o[i] = f(a[i]!, pc, qc);
  }
  return [out];
}

function softmax(ctx: OpContext): RtValue[] {
  const x = ctx.float('x');
  const rank = x.shape.length;
  const axis = normAxis(ctx, ctx.num('axis', -1), rank);
  const n = x.shape[axis]!;
  let inner = 1;
  for (let i = axis + 1; i < rank; i++) inner *= x.shape[i]!;
  const out = makeFloatToOverwrite(x.dtype, x.shape);
  const rowsAreContiguous = inner === 1 && n >= WASM_SOFTMAX_MIN;
  if (!(rowsAreContiguous && softmaxRowsWasm(x.data, n, out.data))) softmaxScalar(x.data, n, inner, out.data);
  return [out];
}

/** Rows shorter than this stay in JavaScript: copying them in and out of WebAssembly memory would cost more. */
const WASM_SOFTMAX_MIN = 8;

/**
 * softmax over axis positions k of every (outer, inner) pair, a[start + k·inner]:
 * e^(x − max) stored as float32 while the double values are summed in order,
 * then each stored value times 1/sum. wasm-softmax.ts repeats it bit for bit.
 */
export function softmaxScalar(a: Float32Array, n: number, inner: number, o: Float32Array): void {
  const outer = a.length / (n * inner || 1);
  for (let b = 0; b < outer; b++) {
    for (let j = 0; j < inner; j++) {
      const start = b * n * inner + j;
      let max = -Infinity;
      for (let k = 0; k < n; k++) max = Math.max(max, a[start + k * inner]!);
      let sum = 0;
      for (let k = 0; k < n; k++) {
        const e = fastExp(a[start + k * inner]! - max);
        o[start + k * inner] = e;
        sum += e;
      }
      const inv = 1 / sum;
      for (let k = 0; k < n; k++) o[start + k * inner]! *= inv;
    }
  }
}

/** relu gets its own loop: it follows nearly every conv, and a call per element is measurable there. */
function relu(ctx: OpContext): RtValue[] {
  const x = ctx.float('x');
  const out = makeFloatToOverwrite(x.dtype, x.shape);
  const a = x.data;
  const o = out.data;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    o[i] = v > 0 ? v : 0;
  }
  return [out];
}

export const activationKernels: KernelTable = {
  relu,
  relu6: plain((x) => Math.min(Math.max(x, 0), 6)),
  sigmoid: plain(sigmoid),
  silu: plain((x) => x * sigmoid(x)),
  softplus: plain(softplus),
  softsign: plain((x) => x / (1 + Math.abs(x))),
  gelu,
  sigmoid_hard: scalarParams((x, a, b) => Math.min(Math.max(a * x + b, 0), 1), 0.2, 0.5),
  leaky_relu: scalarParams((x, a) => (x >= 0 ? x : a * x), 0.01),
  elu: scalarParams((x, a) => (x > 0 ? x : a * Math.expm1(x)), 1),
  thresholded_relu: scalarParams((x, a) => (x >= a ? x : 0), 1),
  threshold: scalarParams((x, a) => Math.max(x, a)),
  clip: scalarParams((x, a, b) => Math.min(Math.max(x, a), b)),
  clamped_relu: scalarParams((x, a, b) => (x >= 0 ? Math.min(b, x) : Math.min(b, a * x))),
  scaled_tanh: scalarParams((x, a, b) => a * Math.tanh(b * x), 1, 1),
  linear_activation: scalarParams((x, a, b) => a * x + b),
  prelu: (ctx) => perChannel(ctx, (x, a) => (x > 0 ? x : a * x), 'alpha'),
  softplus_parametric: (ctx) => perChannel(ctx, (x, a, b) => a * softplus(b * x), 'alpha', 'beta'),
  softmax,
};
