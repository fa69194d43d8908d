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

/** Parameters of the kernel, by index. */
const P = { ap: 0, bp: 1, cp: 2, mStrips: 3, nStrips: 4, kc: 5, ldc: 6, ldb: 7, bStrip: 8, biasp: 9, first: 10 } as const;
const PARAM_COUNT = 11;
/** Rows per register tile; each row holds two f32x4 accumulators (8 columns). */
export const TILE_ROWS = 4;
/** Two f32x4 vectors per row; packers rely on this being 8. */
export const TILE_COLS = 8;

const I32_LOCALS = 9;

function locals(rows: number) {
  const acc = PARAM_COUNT + I32_LOCALS;
  return {
    js: PARAM_COUNT, is: PARAM_COUNT + 1, k: PARAM_COUNT + 2, a: PARAM_COUNT + 3, b: PARAM_COUNT + 4, c: PARAM_COUNT + 5, bias: PARAM_COUNT + 6,
    bBase: PARAM_COUNT + 7, t: PARAM_COUNT + 8,
    acc, bv0: acc + 2 * rows, bv1: acc + 2 * rows + 1, av: acc + 2 * rows + 2, vectors: 2 * rows + 3,
  };
}

/**
 * while (k ≠ 0) { acc[r] += splat(A[k][r]) · B[k][0…7] for every row; a, b advance; k-- }.
 * A values are splat straight from memory (load32_splat), which keeps the
 * shuffle units free for the arithmetic. Measured on x64: 4 rows is the
 * largest tile V8 keeps in registers (5 or 6 rows spill and run at half
 * speed), and unrolling the k loop does not help. A fused multiply-add
 * (relaxed SIMD, behind a flag in Node 20) ran no faster on an AMD Zen 5
 * host, where multiplies and adds issue on separate pipes, and would change
 * rounding, so the tile keeps them separate.
 */
function kLoop(rows: number, indexed: boolean): number[] {
  const L = locals(rows);
  // Indexed: row k of the B strip lies at bBase + table[k] (table at t, one i32 per row).
  const rowStart = indexed ? [...get(L.bBase), ...get(L.t), OP.i32Load, 2, 0, OP.i32Add, ...set(L.b)] : [];
  const advanceB = indexed
    ? [...get(L.t), ...i32c(4), OP.i32Add, ...set(L.t)]
    : [...get(L.b), ...get(P.ldb), OP.i32Add, ...set(L.b)];
  const madd = (acc: number, b: number): number[] => [...get(acc), ...get(L.av), ...get(b), ...simd(SIMD.f32x4Mul), ...simd(SIMD.f32x4Add), ...set(acc)];
  const step = [
    ...rowStart,
    ...get(L.b), ...simd(SIMD.v128Load, ...mem(0)), ...set(L.bv0),
    ...get(L.b), ...simd(SIMD.v128Load, ...mem(16)), ...set(L.bv1),
  ];
  for (let r = 0; r < rows; r++) {
    step.push(
      ...get(L.a), ...simd(SIMD.v128Load32Splat, ...mem(r * 4)), ...set(L.av),
      ...madd(L.acc + 2 * r, L.bv0),
      ...madd(L.acc + 2 * r + 1, L.bv1),
    );
  }
  return [
    ...get(P.kc), ...set(L.k),
    OP.block, EMPTY_BLOCK_TYPE, OP.loop, EMPTY_BLOCK_TYPE,
    ...get(L.k), OP.i32Eqz, OP.brIf, 1,
    ...step,
    ...get(L.a), ...i32c(4 * rows), OP.i32Add, ...set(L.a),
    ...advanceB,
    ...get(L.k), ...i32c(1), OP.i32Sub, ...set(L.k),
    OP.br, 0, OP.end, OP.end,
  ];
}

/**
 * C[row r] = start + acc for both halves of the 8-wide tile, then advance c by
 * one row. `start` is C's current value, or on the first K panel the row's
 * bias: C needs no clearing beforehand, and the sum is the one a cleared C
 * would give (bias + acc).
 */
function rowStore(rows: number, r: number): number[] {
  const L = locals(rows);
  const half = (h: number): number[] => [
    ...get(L.c),
    ...get(P.first), OP.if, V128,
    ...get(L.bias), ...simd(SIMD.v128Load32Splat, ...mem(r * 4)),
    OP.else,
    ...get(L.c), ...simd(SIMD.v128Load, ...mem(h * 16)),
    OP.end,
    ...get(L.acc + 2 * r + h), ...simd(SIMD.f32x4Add), ...simd(SIMD.v128Store, ...mem(h * 16)),
  ];
  return [...half(0), ...half(1), ...get(L.c), ...get(P.ldc), OP.i32Add, ...set(L.c)];
}

function kernelBody(rows: number, indexed: boolean): number[] {
  const L = locals(rows);
  const zero = simd(SIMD.v128Const, ...new Array<number>(16).fill(0));
  const clearAcc = Array.from({ length: 2 * rows }, (_, i) => [...zero, ...set(L.acc + i)]).flat();
  const tile = [
    ...clearAcc,
    // a = ap + is·kc·(4·rows); b = bp + js·bStrip
    ...get(P.ap), ...get(L.is), ...get(P.kc), OP.i32Mul, ...i32c(4 * rows), OP.i32Mul, OP.i32Add, ...set(L.a),
    ...get(P.bp), ...get(L.js), ...get(P.bStrip), OP.i32Mul, OP.i32Add, ...set(indexed ? L.bBase : L.b),
    ...(indexed ? [...get(P.ldb), ...set(L.t)] : []),
    ...kLoop(rows, indexed),
    // c = cp + is·rows·ldc + js·32; bias = biasp + is·rows·4
    ...get(P.cp), ...get(L.is), ...i32c(rows), OP.i32Mul, ...get(P.ldc), OP.i32Mul, OP.i32Add,
    ...get(L.js), ...i32c(5), OP.i32Shl, OP.i32Add, ...set(L.c),
    ...get(P.biasp), ...get(L.is), ...i32c(4 * rows), OP.i32Mul, OP.i32Add, ...set(L.bias),
    ...Array.from({ length: rows }, (_, r) => rowStore(rows, r)).flat(),
  ];
  const declared = [2, ...uleb(I32_LOCALS), I32, ...uleb(L.vectors), V128];
  return [...declared, ...countedLoop(L.js, P.nStrips, countedLoop(L.is, P.mStrips, tile)), OP.end];
}

/**
 * The micro-kernel: for every (j, i) strip pair, C[rows × 8 cols] = start +
 * Apack strip i (kc × rows) · B strip j (kc × 8), where start is C itself or,
 * when `first` is 1, the rows' values at `biasp`. B strip j begins at
 * bp + j·bStrip and its rows lie `ldb` apart: packed strips have ldb = 32 and
 * bStrip = kc·32, a row-major matrix has ldb = its row length and bStrip = 32.
 * Addresses, `ldc`, `ldb` and `bStrip` are bytes.
 */
export type TileKernel = (
  ap: number, bp: number, cp: number, mStrips: number, nStrips: number, kc: number, ldc: number,
  ldb: number, bStrip: number, biasp: number, first: number,
) => void;

export interface WasmGemmKernel {
  readonly memory: WasmMemory;
  readonly tile: TileKernel;
}

/**
 * Compiles a kernel with tiles of `rows` rows; throws where WebAssembly SIMD
 * is unavailable. An `indexed` kernel finds B's rows through a table instead
 * of a fixed stride: its `ldb` is the byte address of kc i32 byte offsets,
 * row k of strip j lying at bp + j·bStrip + table[k]. Conv reads shifted
 * windows of a padded image this way, with no im2col copy.
 */
export function buildTileKernel(rows: number, indexed = false): WasmGemmKernel {
  const { memory, exports } = instantiate(moduleWithOneFunction('tile', new Array<number>(PARAM_COUNT).fill(I32), kernelBody(rows, indexed)));
  return { memory, tile: exports['tile'] as TileKernel };
}

const instances = new Map<boolean, WasmGemmKernel | null>();

/** The SIMD kernel (the indexed one when asked), or undefined when this runtime cannot compile it. */
export function wasmGemmKernel(indexed = false): WasmGemmKernel | undefined {
  if (!instances.has(indexed)) {
    try {
      instances.set(indexed, buildTileKernel(TILE_ROWS, indexed));
    } catch {
      instances.set(indexed, null);
    }
  }
  return instances.get(indexed) ?? undefined;
}
