import { ERF_AS_P, ERF_AS, ERF_SATURATES, ERF_SERIES_COEFFICIENTS } from './fast-math.js';
import { floatView, get, I32, i32c, lazyKernel, loopBelow, mem, OP, set, simd, SIMD, streamRows, V128 } from './wasm-asm.js';
import { constants as k, expLanes, highToF64, horner, joinToF32, lowToF64, op } from './wasm-math.js';

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
const L = { c1: 2, c2: 3, c3: 4, v: 5, d: 6, x: 7, ax: 8, t: 9, signs: 10, lo: 11, clamped: 12, shifted: 13, r: 14 } as const;
const V128_LOCALS = 13;
/** c1, c2 and c3 lie at bytes 0, 4 and 8; the data from DATA_AT. */
const DATA_AT = 16;

/** erf of local L.x (two doubles) left on the stack, as fast-math's erf computes it for each lane. */
function erfLanes(): number[] {
  const x = get(L.x);
  const ax = get(L.ax);
  const t = get(L.t);
  const one = k.f64(1);
  const series = op(SIMD.f64x2Mul, x, horner(ERF_SERIES_COEFFICIENTS, op(SIMD.f64x2Mul, x, x)));
  // ((((a4·t + a3)·t + a2)·t + a1)·t + a0)·t
  let poly = k.f64(ERF_AS[4]);
  for (let i = 3; i >= 0; i--) poly = op(SIMD.f64x2Add, op(SIMD.f64x2Mul, poly, t), k.f64(ERF_AS[i]!));
  poly = op(SIMD.f64x2Mul, poly, t);
  // −ax² lies in (−16, −0.25] on the lanes that keep this branch.
  const y = op(SIMD.f64x2Sub, one, op(SIMD.f64x2Mul, poly, expLanes(op(SIMD.f64x2Mul, op(SIMD.f64x2Neg, ax), ax), L, { inRange: true })));
  return [
    ...op(SIMD.f64x2Abs, x), ...set(L.ax),
    ...op(SIMD.f64x2Div, one, op(SIMD.f64x2Add, one, op(SIMD.f64x2Mul, k.f64(ERF_AS_P), ax))), ...set(L.t),
    ...op(SIMD.v128And, x, k.f64(-0)), ...set(L.signs),
    // series if ax < 0.5, else (ax < 4 ? ±y : ±1), the sign taken from x.
    ...series,
    ...op(SIMD.v128Xor, y, get(L.signs)),
    ...op(SIMD.v128Or, one, get(L.signs)),
    ...op(SIMD.f64x2Lt, ax, k.f64(ERF_SATURATES)), ...simd(SIMD.v128Bitselect),
    ...op(SIMD.f64x2Lt, ax, k.f64(0.5)), ...simd(SIMD.v128Bitselect),
  ];
}

function geluBody(): number[] {
  const step = [
    ...get(P.from), ...simd(SIMD.v128Load, ...mem(0)), ...set(L.v),
    ...get(L.v), ...get(L.c1), ...simd(SIMD.f32x4Div), ...set(L.d),
    ...lowToF64(get(L.d)), ...set(L.x), ...erfLanes(), ...set(L.lo),
    ...highToF64(get(L.d)), ...set(L.x),
    ...get(P.from),
    ...joinToF32(get(L.lo), erfLanes()),
    ...get(L.c2), ...simd(SIMD.f32x4Add), ...get(L.v), ...simd(SIMD.f32x4Mul), ...get(L.c3), ...simd(SIMD.f32x4Mul),
    ...simd(SIMD.v128Store, ...mem(0)),
    ...get(P.from), ...i32c(16), OP.i32Add, ...set(P.from),
  ];
  const constants = [L.c1, L.c2, L.c3].flatMap((local, i) => [...i32c(0), ...simd(SIMD.v128Load32Splat, ...mem(4 * i)), ...set(local)]);
  return [
    1, V128_LOCALS, V128,
    ...constants,
    ...loopBelow(P.from, P.to, step),
    OP.end,
  ];
}

const geluKernel = lazyKernel<(from: number, to: number) => void>('gelu', [I32, I32], geluBody);

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
  streamRows(floats, DATA_AT / 4, CHUNK, x, out, 1, (n) => kernel.run(DATA_AT, DATA_AT + Math.ceil(n / 4) * 16));
  return true;
}
