import { ERF_AS_P, ERF_AS, ERF_SATURATES, ERF_SERIES_COEFFICIENTS, EXP_TAYLOR, ROUND_MAGIC } from './fast-math.js';
import { f64x2Const, floatView, get, I32, i32c, i64x2Const, instantiate, mem, moduleWithOneFunction, OP, set, simd, SIMD, V128, type WasmMemory } from './wasm-asm.js';

/**
 * The erf GELU chain, x · (erf(x / c1) + c2) · c3, in WebAssembly SIMD with
 * the same results as the JavaScript loop (erfGeluInto), bit for bit: the
 * float32 steps run as f32x4 operations (a float32 sum, product or quotient
 * rounds to the same value as the double one rounded to float32), and erf
 * runs the very double-precision operations of fast-math's erf, in the same
 * order, on f64x2 lanes. Its three branches (series below 0.5,
 * Abramowitz–Stegun below 4, ±1 beyond) are all computed and one is
 * selected per lane, so the loop has no data-dependent branch, which is what
 * made the JavaScript loop slow on GELU inputs (about half on either side of 0.5).
 */

/** Parameters of gelu(from, to): byte addresses of the first float and one past the last, a multiple of 16 apart. */
const P = { from: 0, to: 1 } as const;
/** v128 locals. */
const L = { c1: 2, c2: 3, c3: 4, v: 5, d: 6, x: 7, ax: 8, t: 9, k1: 10, r: 11, negsq: 12, signs: 13, lo: 14 } as const;
/** c1, c2 and c3 lie at bytes 0, 4 and 8 of memory; the data from DATA_AT. */
const DATA_AT = 16;

const f64 = (op: number, ...operands: number[][]): number[] => [...operands.flat(), ...simd(op)];
const c = f64x2Const;

/** Horner form a0 + y·(a1 + y·(… + y·an)) as fast-math writes it (the innermost product first). */
function horner(coefficients: readonly number[], y: number[]): number[] {
  let h = c(coefficients[coefficients.length - 1]!);
  for (let i = coefficients.length - 2; i >= 0; i--) h = f64(SIMD.f64x2Add, c(coefficients[i]!), f64(SIMD.f64x2Mul, y, h));
  return h;
}

/** erf of local L.x (two doubles) left on the stack, as fast-math's erf computes it for each lane. */
function erfLanes(): number[] {
  const x = get(L.x);
  const ax = get(L.ax);
  const t = get(L.t);
  const one = c(1);
  const series = f64(SIMD.f64x2Mul, x, horner(ERF_SERIES_COEFFICIENTS, f64(SIMD.f64x2Mul, x, x)));
  // ((((a4·t + a3)·t + a2)·t + a1)·t + a0)·t
  let poly = c(ERF_AS[4]);
  for (let i = 3; i >= 0; i--) poly = f64(SIMD.f64x2Add, f64(SIMD.f64x2Mul, poly, t), c(ERF_AS[i]!));
  poly = f64(SIMD.f64x2Mul, poly, t);
  // fastExp(−ax²): −ax² lies in (−16, −0.25] on the lanes that keep this branch, inside its clamp.
  const n = f64(SIMD.f64x2Sub, get(L.k1), c(ROUND_MAGIC));
  const pow2 = [
    ...get(L.k1), ...i64x2Const(new BigInt64Array(new Float64Array([ROUND_MAGIC]).buffer)[0]!), ...simd(SIMD.i64x2Sub),
    ...i64x2Const(1023n), ...simd(SIMD.i64x2Add), ...i32c(52), ...simd(SIMD.i64x2Shl),
  ];
  const exp = f64(SIMD.f64x2Mul, horner([1, 1, ...EXP_TAYLOR], get(L.r)), pow2);
  const y = f64(SIMD.f64x2Sub, one, f64(SIMD.f64x2Mul, poly, exp));
  return [
    ...f64(SIMD.f64x2Abs, x), ...set(L.ax),
    ...f64(SIMD.f64x2Div, one, f64(SIMD.f64x2Add, one, f64(SIMD.f64x2Mul, c(ERF_AS_P), ax))), ...set(L.t),
    ...f64(SIMD.f64x2Mul, f64(SIMD.f64x2Neg, ax), ax), ...set(L.negsq),
    ...f64(SIMD.f64x2Add, f64(SIMD.f64x2Mul, get(L.negsq), c(Math.LOG2E)), c(ROUND_MAGIC)), ...set(L.k1),
    ...f64(SIMD.f64x2Sub, get(L.negsq), f64(SIMD.f64x2Mul, n, c(Math.LN2))), ...set(L.r),
    ...f64(SIMD.v128And, x, c(-0)), ...set(L.signs),
    // series if ax < 0.5, else (ax < 4 ? ±y : ±1), the sign taken from x.
    ...series,
    ...f64(SIMD.v128Xor, y, get(L.signs)),
    ...f64(SIMD.v128Or, one, get(L.signs)),
    ...f64(SIMD.f64x2Lt, ax, c(ERF_SATURATES)), ...simd(SIMD.v128Bitselect),
    ...f64(SIMD.f64x2Lt, ax, c(0.5)), ...simd(SIMD.v128Bitselect),
  ];
}

/** Byte shuffle moving lanes 2 and 3 of a f32x4 to lanes 0 and 1. */
const HIGH_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
/** Byte shuffle joining the low halves of two vectors. */
const LOW_HALVES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

function geluBody(): number[] {
  const step = [
    ...get(P.from), ...simd(SIMD.v128Load, ...mem(0)), ...set(L.v),
    ...get(L.v), ...get(L.c1), ...simd(SIMD.f32x4Div), ...set(L.d),
    ...get(L.d), ...simd(SIMD.f64x2PromoteLowF32x4), ...set(L.x),
    ...erfLanes(), ...simd(SIMD.f32x4DemoteF64x2Zero), ...set(L.lo),
    ...get(L.d), ...get(L.d), ...simd(SIMD.i8x16Shuffle, ...HIGH_HALF), ...simd(SIMD.f64x2PromoteLowF32x4), ...set(L.x),
    ...get(P.from),
    ...get(L.lo), ...erfLanes(), ...simd(SIMD.f32x4DemoteF64x2Zero), ...simd(SIMD.i8x16Shuffle, ...LOW_HALVES),
    ...get(L.c2), ...simd(SIMD.f32x4Add), ...get(L.v), ...simd(SIMD.f32x4Mul), ...get(L.c3), ...simd(SIMD.f32x4Mul),
    ...simd(SIMD.v128Store, ...mem(0)),
    ...get(P.from), ...i32c(16), OP.i32Add, ...set(P.from),
  ];
  const constants = [L.c1, L.c2, L.c3].flatMap((local, i) => [...i32c(0), ...simd(SIMD.v128Load32Splat, ...mem(4 * i)), ...set(local)]);
  return [
    1, 13, V128,
    ...constants,
    OP.block, 0x40, OP.loop, 0x40,
    ...get(P.from), ...get(P.to), OP.i32GeU, OP.brIf, 1,
    ...step,
    OP.br, 0, OP.end, OP.end,
    OP.end,
  ];
}

interface GeluKernel {
  memory: WasmMemory;
  gelu: (from: number, to: number) => void;
}

let instance: GeluKernel | null | undefined;

function geluKernel(): GeluKernel | undefined {
  if (instance === undefined) {
    try {
      const { memory, exports } = instantiate(moduleWithOneFunction('gelu', [I32, I32], geluBody()));
      instance = { memory, gelu: exports['gelu'] as GeluKernel['gelu'] };
    } catch {
      instance = null;
    }
  }
  return instance ?? undefined;
}

/** Floats per call: a chunk in and out of wasm memory stays in L2. */
const CHUNK = 16384;

/**
 * out = x · (erf(x / c1) + c2) · c3 with erfGeluInto's rounding at every
 * step; false (nothing written) where WebAssembly SIMD is unavailable.
 */
export function erfGeluWasm(x: Float32Array, c1: number, c2: number, c3: number, out: Float32Array): boolean {
  const kernel = geluKernel();
  if (!kernel) return false;
  const floats = floatView(kernel.memory, DATA_AT + CHUNK * 4);
  floats[0] = c1;
  floats[1] = c2;
  floats[2] = c3;
  const at = DATA_AT / 4;
  for (let i = 0; i < x.length; i += CHUNK) {
    const n = Math.min(CHUNK, x.length - i);
    floats.set(x.subarray(i, i + n), at);
    kernel.gelu(DATA_AT, DATA_AT + Math.ceil(n / 4) * 16);
    out.set(floats.subarray(at, at + n), i);
  }
  return true;
}
