import { EXP_HIGHEST, EXP_LOWEST, EXP_TAYLOR, POW2_HIGHEST, POW2_LOWEST, ROUND_MAGIC } from './fast-math.js';
import { get, i32c, set, simd, SIMD } from './wasm-asm.js';

/**
 * Building blocks for WebAssembly kernels that must give fast-math's
 * results bit for bit: the same double-precision operations in the same
 * order on f64x2 lanes (every lane op is the IEEE operation JavaScript's
 * number arithmetic performs), and the f32x4 ↔ f64x2 conversions between
 * float32 data and those lanes.
 */

/** The operands' code, then the SIMD op. */
export const op = (code: number, ...operands: number[][]): number[] => [...operands.flat(), ...simd(code)];

/** v128 constants, written inline (a pool in memory read with v128.load measured no faster). */
export const constants = {
  f64: (v: number): number[] => simd(SIMD.v128Const, ...new Uint8Array(new Float64Array([v, v]).buffer)),
  i64: (v: bigint): number[] => simd(SIMD.v128Const, ...new Uint8Array(new BigInt64Array([v, v]).buffer)),
  f32: (v: number): number[] => simd(SIMD.v128Const, ...new Uint8Array(new Float32Array(4).fill(v).buffer)),
};
const k = constants;

/** Horner form a0 + y·(a1 + y·(… + y·an)) as fast-math writes it (the innermost product first). */
export function horner(coefficients: readonly number[], y: number[]): number[] {
  let h = k.f64(coefficients[coefficients.length - 1]!);
  for (let i = coefficients.length - 2; i >= 0; i--) h = op(SIMD.f64x2Add, k.f64(coefficients[i]!), op(SIMD.f64x2Mul, y, h));
  return h;
}

/** Three v128 locals expLanes works in. */
export interface ExpLocals {
  clamped: number;
  shifted: number;
  r: number;
}

const MAGIC_BITS = new BigInt64Array(new Float64Array([ROUND_MAGIC]).buffer)[0]!;

/**
 * fastExp of the two doubles `x` pushes, left on the stack: the clamp (pmax
 * and pmin, which are Math.max and Math.min here: x < lo ? lo : x keeps NaN
 * and −0, and are single instructions where f64x2.max and min are not), the
 * rounding of x·log2(e) with the magic constant, the degree-7 polynomial and
 * the scale by 2^n, whose exponent bits are built from the rounded n instead
 * of read from fastExp's table, then set to 0 or +inf where the table holds those.
 * `inRange`: the lanes whose result is used hold x in [−103, 88], where the
 * clamp changes nothing and n stays within the table's exact powers of two,
 * so both are left out.
 */
export function expLanes(x: number[], L: ExpLocals, { inRange = false } = {}): number[] {
  const n = op(SIMD.f64x2Sub, get(L.shifted), k.f64(ROUND_MAGIC));
  const exponent = [
    ...get(L.shifted), ...k.i64(MAGIC_BITS), ...simd(SIMD.i64x2Sub),
    ...k.i64(1023n), ...simd(SIMD.i64x2Add), ...i32c(52), ...simd(SIMD.i64x2Shl),
  ];
  const pow2 = inRange ? exponent : [
    ...k.f64(Infinity),
    ...op(SIMD.v128Andnot, exponent, op(SIMD.f64x2Lt, n, k.f64(POW2_LOWEST - 0.5))),
    ...op(SIMD.f64x2Gt, n, k.f64(POW2_HIGHEST + 0.5)), ...simd(SIMD.v128Bitselect),
  ];
  return [
    ...(inRange ? x : op(SIMD.f64x2Pmin, op(SIMD.f64x2Pmax, x, k.f64(EXP_LOWEST)), k.f64(EXP_HIGHEST))), ...set(L.clamped),
    ...op(SIMD.f64x2Add, op(SIMD.f64x2Mul, get(L.clamped), k.f64(Math.LOG2E)), k.f64(ROUND_MAGIC)), ...set(L.shifted),
    ...op(SIMD.f64x2Sub, get(L.clamped), op(SIMD.f64x2Mul, n, k.f64(Math.LN2))), ...set(L.r),
    ...op(SIMD.f64x2Mul, horner([1, 1, ...EXP_TAYLOR], get(L.r)), pow2),
  ];
}

/** Byte shuffle moving lanes 2 and 3 of a f32x4 to lanes 0 and 1. */
const HIGH_HALF = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
/** Byte shuffle joining the low halves of two vectors. */
const LOW_HALVES = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

/** Lanes 0, 1 of the f32x4 `v` pushes, as doubles. */
export const lowToF64 = (v: number[]): number[] => op(SIMD.f64x2PromoteLowF32x4, v);
/** Lanes 2, 3 of the f32x4 `v` pushes, as doubles. */
export const highToF64 = (v: number[]): number[] => [...v, ...v, ...simd(SIMD.i8x16Shuffle, ...HIGH_HALF), ...simd(SIMD.f64x2PromoteLowF32x4)];
/** The f32x4 of the two f64x2 `lo` and `hi` push, each lane rounded to float32. */
export const joinToF32 = (lo: number[], hi: number[]): number[] => [
  ...op(SIMD.f32x4DemoteF64x2Zero, lo), ...op(SIMD.f32x4DemoteF64x2Zero, hi), ...simd(SIMD.i8x16Shuffle, ...LOW_HALVES),
];
