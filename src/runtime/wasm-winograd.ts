import { EMPTY_BLOCK_TYPE, floatView, get, I32, i32c, instantiate, mem, moduleWithOneFunction, OP, set, simd, SIMD, V128, type WasmMemory } from './wasm-asm.js';
import { op } from './wasm-math.js';

/**
 * Winograd F(2×2, 3×3)'s input transform in WebAssembly SIMD, with the
 * JavaScript transform's results bit for bit (conv-winograd.ts): Bᵀ·d per
 * plane column, then ·B per tile, each sum computed in double precision on
 * f64x2 lanes (two plane columns, then two neighbouring tiles, at a time)
 * and rounded to float32 once as it is stored.
 *
 * Memory: the padded input rows of every channel of a band (filled by the
 * caller), the Bᵀ·d rows (four rows of COLS_ROW_BYTES), and V, the 16
 * positions' (channel × tile) matrices VSTRIDE bytes apart.
 */

/** Bytes per Bᵀ·d row: 512 doubles; a band of tilesW tiles reads 2·tilesW + 6 of them. */
const COLS_ROW_BYTES = 4096;
const MAX_TILES_W = 250;

/** Parameters of transformInput. */
const P = { img: 0, cols: 1, v: 2, channels: 3, tileRows: 4, pairs: 5, colPairs: 6, rowBytes: 7, chanBytes: 8, tBytes: 9, tileRowBytes: 10, vStride: 11 } as const;
const L = { ch: 12, ty: 13, j: 14, base: 15, vRow: 16, at: 17, tp: 18, out: 19, a: 20, b: 21, c: 22, r0: 23, r1: 24, r2: 25, r3: 26 } as const;

function loop(counter: number, limit: number, body: number[]): number[] {
  return [
    ...i32c(0), ...set(counter),
    OP.block, EMPTY_BLOCK_TYPE, OP.loop, EMPTY_BLOCK_TYPE,
    ...get(counter), ...get(limit), OP.i32GeU, OP.brIf, 1,
    ...body,
    ...get(counter), ...i32c(1), OP.i32Add, ...set(counter),
    OP.br, 0, OP.end, OP.end,
  ];
}

const add = (...terms: number[][]): number[] => [...terms[0]!, ...terms.slice(1).flatMap((t) => [...t, OP.i32Add])];
/** Two floats at `address` + offset as f64x2. */
const loadPair = (address: number[], offset: number): number[] => [...address, ...simd(SIMD.v128Load64Zero, 3, offset), ...simd(SIMD.f64x2PromoteLowF32x4)];
const shuffle = (a: number, b: number, lanes: [number, number]): number[] => [
  ...get(a), ...get(b), ...simd(SIMD.i8x16Shuffle, ...lanes.flatMap((l) => Array.from({ length: 8 }, (_, i) => l * 8 + i))),
];

/** Bᵀ·d for plane columns j, j+1 of the tile row at `base`: cols[i][j…j+1] for i = 0…3. */
function columnsStep(): number[] {
  const rowAt = (r: number): number[] => add(get(L.at), [...get(P.rowBytes), ...i32c(r), OP.i32Mul]);
  const store = (i: number, value: number[]): number[] => [
    ...get(P.cols), ...get(L.j), ...i32c(4), OP.i32Shl, OP.i32Add, ...value, ...simd(SIMD.v128Store, ...mem(i * COLS_ROW_BYTES)),
  ];
  return [
    ...get(L.base), ...get(L.j), ...i32c(3), OP.i32Shl, OP.i32Add, ...set(L.at),
    ...[0, 1, 2, 3].flatMap((r) => [...loadPair(rowAt(r), 0), ...set(L.r0 + r)]),
    ...store(0, op(SIMD.f64x2Sub, get(L.r0), get(L.r2))),
    ...store(1, op(SIMD.f64x2Add, get(L.r1), get(L.r2))),
    ...store(2, op(SIMD.f64x2Sub, get(L.r2), get(L.r1))),
    ...store(3, op(SIMD.f64x2Sub, get(L.r1), get(L.r3))),
  ];
}

/** ·B for tiles 2·tp, 2·tp+1 of the tile row: the four positions of row i of Bᵀ·d, each stored as two floats. */
function tilesStep(): number[] {
  const code: number[] = [...get(L.vRow), ...get(L.tp), ...i32c(3), OP.i32Shl, OP.i32Add, ...set(L.out)];
  for (let i = 0; i < 4; i++) {
    const from = [...get(P.cols), ...get(L.tp), ...i32c(5), OP.i32Shl, OP.i32Add];
    code.push(
      ...from, ...simd(SIMD.v128Load, ...mem(i * COLS_ROW_BYTES)), ...set(L.a),
      ...from, ...simd(SIMD.v128Load, ...mem(i * COLS_ROW_BYTES + 16)), ...set(L.b),
      ...from, ...simd(SIMD.v128Load, ...mem(i * COLS_ROW_BYTES + 32)), ...set(L.c),
      // d0 … d3 of the two tiles: (a0, b0), (a1, b1), (b0, c0), (b1, c1).
      ...shuffle(L.a, L.b, [0, 2]), ...set(L.r0),
      ...shuffle(L.a, L.b, [1, 3]), ...set(L.r1),
      ...shuffle(L.b, L.c, [0, 2]), ...set(L.r2),
      ...shuffle(L.b, L.c, [1, 3]), ...set(L.r3),
    );
    const positions = [
      op(SIMD.f64x2Sub, get(L.r0), get(L.r2)), op(SIMD.f64x2Add, get(L.r1), get(L.r2)),
      op(SIMD.f64x2Sub, get(L.r2), get(L.r1)), op(SIMD.f64x2Sub, get(L.r1), get(L.r3)),
    ];
    for (const value of positions) {
      code.push(
        ...get(L.out), ...value, ...simd(SIMD.f32x4DemoteF64x2Zero), ...simd(SIMD.v128Store64Lane, 3, 0, 0),
        ...get(L.out), ...get(P.vStride), OP.i32Add, ...set(L.out),
      );
    }
  }
  return code;
}

function transformInputBody(): number[] {
  const tileRow = [
    ...add(get(L.at), [...get(L.ty), ...get(P.rowBytes), OP.i32Mul, ...i32c(1), OP.i32Shl]), ...set(L.base),
    ...loop(L.j, P.colPairs, columnsStep()),
    ...loop(L.tp, P.pairs, tilesStep()),
    ...get(L.vRow), ...get(P.tileRowBytes), OP.i32Add, ...set(L.vRow),
  ];
  const channel = [
    ...get(P.v), ...get(L.ch), ...get(P.tBytes), OP.i32Mul, OP.i32Add, ...set(L.vRow),
    ...loop(L.ty, P.tileRows, [
      // `at` is the channel's first row while the tile row's base is computed from it.
      ...get(P.img), ...get(L.ch), ...get(P.chanBytes), OP.i32Mul, OP.i32Add, ...set(L.at),
      ...tileRow,
    ]),
  ];
  return [2, 8, I32, 7, V128, ...loop(L.ch, P.channels, channel), OP.end];
}

type TransformInput = (
  img: number, cols: number, v: number, channels: number, tileRows: number, pairs: number, colPairs: number,
  rowBytes: number, chanBytes: number, tBytes: number, tileRowBytes: number, vStride: number,
) => void;

let instance: { memory: WasmMemory; transformInput: TransformInput } | null | undefined;

function kernel(): { memory: WasmMemory; transformInput: TransformInput } | undefined {
  if (instance === undefined) {
    try {
      const { memory, exports } = instantiate(moduleWithOneFunction('transformInput', new Array<number>(12).fill(I32), transformInputBody()));
      instance = { memory, transformInput: exports['transformInput'] as TransformInput };
    } catch {
      instance = null;
    }
  }
  return instance ?? undefined;
}

/** A band's input for transformInputWasm: `channels` planes of `rows` × `width` floats, laid out by the caller. */
export interface InputBand {
  channels: number;
  tileRows: number;
  tilesW: number;
  /** Tiles in the band: tileRows · tilesW. */
  T: number;
  /** Floats between positions of V: at least channels · T + 1 (a pair's second tile may be written past a row's end). */
  vStride: number;
}

/**
 * Room in WebAssembly memory for a band: `planes` (channels × (2·tileRows + 2)
 * rows × (2·tilesW + 2) floats) for the caller to fill, and `v` (16
 * positions, vStride apart) transformInputWasm fills. Undefined where the
 * kernel is unavailable or the band is too wide for it.
 */
export function inputBand(b: InputBand): { planes: Float32Array; v: Float32Array; run: () => void } | undefined {
  const wasm = b.tilesW <= MAX_TILES_W ? kernel() : undefined;
  if (!wasm) return undefined;
  const pw = 2 * b.tilesW + 2;
  const rows = 2 * b.tileRows + 2;
  const planeFloats = b.channels * rows * pw;
  const colsAt = Math.ceil(planeFloats / 4) * 4;
  const vAt = colsAt + COLS_ROW_BYTES; // four rows of COLS_ROW_BYTES bytes are COLS_ROW_BYTES floats
  const floats = floatView(wasm.memory, (vAt + 16 * b.vStride + 8) * 4);
  const run = (): void => wasm.transformInput(
    0, colsAt * 4, vAt * 4, b.channels, b.tileRows, Math.ceil(b.tilesW / 2), pw / 2,
    pw * 4, rows * pw * 4, b.T * 4, b.tilesW * 4, b.vStride * 4,
  );
  return { planes: floats.subarray(0, planeFloats), v: floats.subarray(vAt, vAt + 16 * b.vStride), run };
}
