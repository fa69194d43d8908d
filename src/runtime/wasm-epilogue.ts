import { countedLoop, EMPTY_BLOCK_TYPE, get, I32, i32c, instantiate, loopBelow, mem, moduleWithOneFunction, OP, set, simd, SIMD, V128, type WasmMemory } from './wasm-asm.js';
import { constants as k, highToF64, joinToF32, lowToF64, op } from './wasm-math.js';

/**
 * What the GEMM does in WebAssembly memory besides the tile: packing a
 * run-time A (packRows), and, in place and in SIMD before copying C out,
 * column vectors added (linear's bias, a fused add) and a per-row affine map
 * (a conv's fused batch_norm and relu). Each gives what the JavaScript loops it replaces
 * gave, bit for bit: a float32 sum rounds like the double sum rounded to
 * float32; the affine map runs in double lanes (x·scale + shift) and rounds
 * once; relu keeps v where v > 0 and stores 0 otherwise (NaN and −0 included).
 */

/** Parameters: C's byte address, its rows, f32x4 vectors per row (rows lie that far apart, no gap). */
const P = { c: 0, rows: 1, vectors: 2, arg: 3, shiftAt: 4, relu: 5 } as const;

/** for (row) { for (q over the row's vectors) body; per-row code first } */
function overRows(L: { row: number; q: number; end: number }, perRow: number[], body: number[]): number[] {
  const row = [
    ...get(P.c), ...get(P.vectors), ...i32c(4), OP.i32Shl, OP.i32Add, ...set(L.end),
    ...perRow,
    ...get(P.c), ...set(L.q),
    ...loopBelow(L.q, L.end, [...body, ...get(L.q), ...i32c(16), OP.i32Add, ...set(L.q)]),
    ...get(L.end), ...set(P.c),
  ];
  return countedLoop(L.row, P.rows, row);
}

/** addColumns(c, rows, vectors, v): every row of C += the vector at v, lane by lane in float32. */
function addColumnsBody(): number[] {
  const L = { row: 4, q: 5, end: 6, v: 7 };
  const body = [
    ...get(L.q),
    ...get(L.q), ...simd(SIMD.v128Load, ...mem(0)), ...get(L.v), ...simd(SIMD.v128Load, ...mem(0)), ...simd(SIMD.f32x4Add),
    ...simd(SIMD.v128Store, ...mem(0)),
    ...get(L.v), ...i32c(16), OP.i32Add, ...set(L.v),
  ];
  return [1, 4, I32, ...overRows(L, [...get(P.arg), ...set(L.v)], body), OP.end];
}

/** affineRows(c, rows, vectors, scaleAt, shiftAt, relu): row i = round32(x·scale[i] + shift[i]) (then relu), scale and shift doubles. */
function affineRowsBody(): number[] {
  const L = { row: 6, q: 7, end: 8, scale: 9, shift: 10, keep: 11, v: 12 };
  const splatRow = (base: number): number[] => [
    ...get(base), ...get(L.row), ...i32c(3), OP.i32Shl, OP.i32Add, OP.f64Load, 3, 0, ...simd(SIMD.f64x2Splat),
  ];
  const perRow = [...splatRow(P.arg), ...set(L.scale), ...splatRow(P.shiftAt), ...set(L.shift)];
  const mapped = (half: (v: number[]) => number[]): number[] => op(SIMD.f64x2Add, op(SIMD.f64x2Mul, half(get(L.v)), get(L.scale)), get(L.shift));
  const body = [
    ...get(L.q), ...simd(SIMD.v128Load, ...mem(0)), ...set(L.v),
    ...get(L.q),
    ...joinToF32(mapped(lowToF64), mapped(highToF64)), ...set(L.v),
    // pmax(0, v) is (0 < v ? v : 0); `keep` is all ones without relu.
    ...get(L.v), ...op(SIMD.f32x4Pmax, k.f32(0), get(L.v)), ...get(L.keep), ...simd(SIMD.v128Bitselect),
    ...simd(SIMD.v128Store, ...mem(0)),
  ];
  const keep = [...i32c(0), ...get(P.relu), OP.i32Eqz, OP.i32Sub, ...simd(SIMD.i32x4Splat), ...set(L.keep)];
  return [2, 3, I32, 4, V128, ...keep, ...overRows(L, perRow, body), OP.end];
}

/**
 * compactRuns(c, rows, runs, width, stride, rowBytes): the `runs` runs of
 * `width` floats, `stride` bytes apart, of each row (rows rowBytes apart),
 * moved to lie one after the other from c, in order: C ready to copy out in
 * one piece. Every float moves to a lower or equal address and is read before
 * anything is written over it.
 */
function compactRunsBody(): number[] {
  const Q = { c: 0, rows: 1, runs: 2, width: 3, stride: 4, rowBytes: 5 };
  const L = { row: 6, run: 7, src: 8, dst: 9, end: 10, tail: 11, vectorBytes: 12 };
  const copyRun = [
    ...get(Q.c), ...get(L.row), ...get(Q.rowBytes), OP.i32Mul, OP.i32Add, ...get(L.run), ...get(Q.stride), OP.i32Mul, OP.i32Add, ...set(L.src),
    ...get(L.dst), ...get(L.vectorBytes), OP.i32Add, ...set(L.end),
    ...loopBelow(L.dst, L.end, [
      ...get(L.dst), ...get(L.src), ...simd(SIMD.v128Load, ...mem(0)), ...simd(SIMD.v128Store, ...mem(0)),
      ...get(L.src), ...i32c(16), OP.i32Add, ...set(L.src),
      ...get(L.dst), ...i32c(16), OP.i32Add, ...set(L.dst),
    ]),
    ...[0, 1, 2].flatMap((l) => [
      ...get(L.tail), ...i32c(l), OP.i32GtU, OP.if, EMPTY_BLOCK_TYPE,
      ...get(L.dst), ...get(L.src), OP.f32Load, 2, 4 * l, OP.f32Store, 2, 4 * l,
      OP.end,
    ]),
    ...get(L.dst), ...get(L.tail), ...i32c(2), OP.i32Shl, OP.i32Add, ...set(L.dst),
  ];
  return [
    1, 7, I32,
    ...get(Q.c), ...set(L.dst),
    ...get(Q.width), ...i32c(3), OP.i32And, ...set(L.tail),
    ...get(Q.width), ...i32c(-4), OP.i32And, ...i32c(2), OP.i32Shl, ...set(L.vectorBytes),
    ...countedLoop(L.row, Q.rows, countedLoop(L.run, Q.runs, copyRun)),
    OP.end,
  ];
}

/**
 * packRows(src, dst, strips, kc, lda): A's rows, row-major at src with rows
 * lda bytes apart, packed into strips of four rows for the tile: within a
 * strip, column k's four values together (gemm-scalar's packRowStrips
 * layout), kc a multiple of 4, four columns at a time by a 4×4 transpose.
 */
function packRowsBody(): number[] {
  const Q = { src: 0, dst: 1, strips: 2, kc: 3, lda: 4 };
  const L = { s: 5, p: 6, end: 7, r: 8 };
  const lane = (from: number, l: number): number[] => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3].map((b) => b + 16 * from);
  const shuffle = (a: number, b: number, lanes: [number, number][]): number[] => [
    ...get(a), ...get(b), ...simd(SIMD.i8x16Shuffle, ...lanes.flatMap(([from, l]) => lane(from, l))),
  ];
  const row = (i: number): number[] => [...get(L.p), ...(i === 0 ? [] : [...get(Q.lda), ...i32c(i), OP.i32Mul, OP.i32Add]), ...simd(SIMD.v128Load, ...mem(0)), ...set(L.r + i)];
  const T = L.r + 4;
  const step = [
    ...row(0), ...row(1), ...row(2), ...row(3),
    // (R0[0], R1[0], R0[1], R1[1]), (R2[0], R3[0], R2[1], R3[1]), then the same for lanes 2 and 3.
    ...shuffle(L.r, L.r + 1, [[0, 0], [1, 0], [0, 1], [1, 1]]), ...set(T),
    ...shuffle(L.r + 2, L.r + 3, [[0, 0], [1, 0], [0, 1], [1, 1]]), ...set(T + 1),
    ...shuffle(L.r, L.r + 1, [[0, 2], [1, 2], [0, 3], [1, 3]]), ...set(T + 2),
    ...shuffle(L.r + 2, L.r + 3, [[0, 2], [1, 2], [0, 3], [1, 3]]), ...set(T + 3),
    ...get(Q.dst), ...shuffle(T, T + 1, [[0, 0], [0, 1], [1, 0], [1, 1]]), ...simd(SIMD.v128Store, ...mem(0)),
    ...get(Q.dst), ...shuffle(T, T + 1, [[0, 2], [0, 3], [1, 2], [1, 3]]), ...simd(SIMD.v128Store, ...mem(16)),
    ...get(Q.dst), ...shuffle(T + 2, T + 3, [[0, 0], [0, 1], [1, 0], [1, 1]]), ...simd(SIMD.v128Store, ...mem(32)),
    ...get(Q.dst), ...shuffle(T + 2, T + 3, [[0, 2], [0, 3], [1, 2], [1, 3]]), ...simd(SIMD.v128Store, ...mem(48)),
    ...get(Q.dst), ...i32c(64), OP.i32Add, ...set(Q.dst),
    ...get(L.p), ...i32c(16), OP.i32Add, ...set(L.p),
  ];
  const strip = [
    // p = src + s·4·lda; end = p + kc·4
    ...get(Q.src), ...get(L.s), ...i32c(2), OP.i32Shl, ...get(Q.lda), OP.i32Mul, OP.i32Add, ...set(L.p),
    ...get(L.p), ...get(Q.kc), ...i32c(2), OP.i32Shl, OP.i32Add, ...set(L.end),
    ...loopBelow(L.p, L.end, step),
  ];
  return [2, 3, I32, 8, V128, ...countedLoop(L.s, Q.strips, strip), OP.end];
}

export interface GemmEpilogue {
  addColumns(c: number, rows: number, vectors: number, v: number): void;
  affineRows(c: number, rows: number, vectors: number, scaleAt: number, shiftAt: number, relu: number): void;
  compactRuns(c: number, rows: number, runs: number, width: number, stride: number, rowBytes: number): void;
  packRows(src: number, dst: number, strips: number, kc: number, lda: number): void;
}

const epilogues = new WeakMap<WasmMemory, GemmEpilogue | null>();

/** The epilogue kernels working in `memory` (a GEMM kernel's), or undefined where they cannot be compiled. */
export function gemmEpilogue(memory: WasmMemory): GemmEpilogue | undefined {
  if (!epilogues.has(memory)) {
    try {
      const add = instantiate(moduleWithOneFunction('f', [I32, I32, I32, I32], addColumnsBody()), memory).exports['f'] as GemmEpilogue['addColumns'];
      const affine = instantiate(moduleWithOneFunction('f', [I32, I32, I32, I32, I32, I32], affineRowsBody()), memory).exports['f'] as GemmEpilogue['affineRows'];
      const compact = instantiate(moduleWithOneFunction('f', new Array<number>(6).fill(I32), compactRunsBody()), memory).exports['f'] as GemmEpilogue['compactRuns'];
      const pack = instantiate(moduleWithOneFunction('f', new Array<number>(5).fill(I32), packRowsBody()), memory).exports['f'] as GemmEpilogue['packRows'];
      epilogues.set(memory, { addColumns: add, affineRows: affine, compactRuns: compact, packRows: pack });
    } catch {
      epilogues.set(memory, null);
    }
  }
  return epilogues.get(memory) ?? undefined;
}
