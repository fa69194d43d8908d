/**
 * A WebAssembly SIMD micro-kernel for the GEMM inner loop. JavaScript has no
 * vector arithmetic, so the register tile (two f32x4 accumulators per row) runs in
 * a tiny hand-assembled wasm function; packing and blocking stay in
 * JavaScript (gemm.ts). The module is built from bytes at load time — no
 * binary file ships with the package — and `wasmGemmKernel()` returns
 * undefined where WebAssembly SIMD is unavailable, so callers fall back to
 * the scalar kernel.
 */

import { countedLoop, EMPTY_BLOCK_TYPE, get, I32, i32c, instantiate, mem, moduleWithOneFunction, OP, set, simd, SIMD, uleb, V128, type WasmMemory } from './wasm-asm.js';

/** Parameters and locals of the kernel, by index. */
const P = { ap: 0, bp: 1, cp: 2, mStrips: 3, nStrips: 4, kc: 5, ldc: 6 } as const;
/** Rows per register tile; each row holds two f32x4 accumulators (8 columns). */
export const TILE_ROWS = 4;
/** Two f32x4 vectors per row; packers rely on this being 8. */
export const TILE_COLS = 8;
const L = { js: 7, is: 8, k: 9, a: 10, b: 11, c: 12, acc: 13, bv0: 13 + 2 * TILE_ROWS, bv1: 14 + 2 * TILE_ROWS, av: 15 + 2 * TILE_ROWS } as const;
const V128_LOCALS = 2 * TILE_ROWS + 3;
const rows = Array.from({ length: TILE_ROWS }, (_, r) => r);


/** acc[r·2 + h] += splat(A[k][r]) · B[k][h·4 … h·4+3] for one row r. */
function rowUpdate(r: number): number[] {
  return [
    ...get(L.a), OP.f32Load, 2, ...uleb(r * 4), ...simd(SIMD.f32x4Splat), ...set(L.av),
    ...get(L.acc + 2 * r), ...get(L.av), ...get(L.bv0), ...simd(SIMD.f32x4Mul), ...simd(SIMD.f32x4Add), ...set(L.acc + 2 * r),
    ...get(L.acc + 2 * r + 1), ...get(L.av), ...get(L.bv1), ...simd(SIMD.f32x4Mul), ...simd(SIMD.f32x4Add), ...set(L.acc + 2 * r + 1),
  ];
}

/** C[row r] += acc for both halves of the 8-wide tile, then advance c by one row. */
function rowStore(r: number): number[] {
  const half = (h: number): number[] => [
    ...get(L.c), ...get(L.c), ...simd(SIMD.v128Load, ...mem(h * 16)), ...get(L.acc + 2 * r + h), ...simd(SIMD.f32x4Add), ...simd(SIMD.v128Store, ...mem(h * 16)),
  ];
  return [...half(0), ...half(1), ...get(L.c), ...get(P.ldc), OP.i32Add, ...set(L.c)];
}

function kernelBody(): number[] {
  const zero = simd(SIMD.v128Const, ...new Array<number>(16).fill(0));
  const clearAcc = Array.from({ length: 2 * TILE_ROWS }, (_, i) => [...zero, ...set(L.acc + i)]).flat();
  const kLoop = [
    ...get(P.kc), ...set(L.k),
    OP.block, EMPTY_BLOCK_TYPE, OP.loop, EMPTY_BLOCK_TYPE,
    ...get(L.k), OP.i32Eqz, OP.brIf, 1,
    ...get(L.b), ...simd(SIMD.v128Load, ...mem(0)), ...set(L.bv0),
    ...get(L.b), ...simd(SIMD.v128Load, ...mem(16)), ...set(L.bv1),
    ...rows.flatMap(rowUpdate),
    ...get(L.a), ...i32c(4 * TILE_ROWS), OP.i32Add, ...set(L.a),
    ...get(L.b), ...i32c(32), OP.i32Add, ...set(L.b),
    ...get(L.k), ...i32c(1), OP.i32Sub, ...set(L.k),
    OP.br, 0, OP.end, OP.end,
  ];
  const tile = [
    ...clearAcc,
    // a = ap + is·kc·(4·TILE_ROWS); b = bp + js·kc·32
    ...get(P.ap), ...get(L.is), ...get(P.kc), OP.i32Mul, ...i32c(4 * TILE_ROWS), OP.i32Mul, OP.i32Add, ...set(L.a),
    ...get(P.bp), ...get(L.js), ...get(P.kc), OP.i32Mul, ...i32c(5), OP.i32Shl, OP.i32Add, ...set(L.b),
    ...kLoop,
    // c = cp + is·TILE_ROWS·ldc + js·32
    ...get(P.cp), ...get(L.is), ...i32c(TILE_ROWS), OP.i32Mul, ...get(P.ldc), OP.i32Mul, OP.i32Add,
    ...get(L.js), ...i32c(5), OP.i32Shl, OP.i32Add, ...set(L.c),
    ...rows.flatMap(rowStore),
  ];
  const locals = [2, ...uleb(6), I32, ...uleb(V128_LOCALS), V128];
  const code = [...locals, ...countedLoop(L.js, P.nStrips, countedLoop(L.is, P.mStrips, tile)), OP.end];
  return code;
}

/**
 * The micro-kernel: for every (j, i) strip pair, C[TILE_ROWS × 8 cols] +=
 * Apack strip i (kc × TILE_ROWS) · Bpack strip j (kc × 8). Addresses and
 * `ldc` are bytes.
 */
export type TileKernel = (ap: number, bp: number, cp: number, mStrips: number, nStrips: number, kc: number, ldc: number) => void;

export interface WasmGemmKernel {
  readonly memory: WasmMemory;
  readonly tile: TileKernel;
}

let instance: WasmGemmKernel | null | undefined;

/** The SIMD kernel, or undefined when this runtime cannot compile it. */
export function wasmGemmKernel(): WasmGemmKernel | undefined {
  if (instance === undefined) {
    try {
      const params = new Array<number>(7).fill(I32);
      const { memory, exports } = instantiate(moduleWithOneFunction('tile', params, kernelBody()));
      instance = { memory, tile: exports['tile'] as TileKernel };
    } catch {
      instance = null;
    }
  }
  return instance ?? undefined;
}
