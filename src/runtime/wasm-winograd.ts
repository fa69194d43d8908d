import { countedLoop, EMPTY_BLOCK_TYPE, floatView, get, I32, i32c, lazyKernel, mem, OP, set, simd, SIMD, V128 } from './wasm-asm.js';
import type { ChannelAffine } from './affine.js';
import { constants, highToF64, joinToF32, lowToF64, op } from './wasm-math.js';

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
    ...countedLoop(L.j, P.colPairs, columnsStep()),
    ...countedLoop(L.tp, P.pairs, tilesStep()),
    ...get(L.vRow), ...get(P.tileRowBytes), OP.i32Add, ...set(L.vRow),
  ];
  const channel = [
    ...get(P.v), ...get(L.ch), ...get(P.tBytes), OP.i32Mul, OP.i32Add, ...set(L.vRow),
    ...countedLoop(L.ty, P.tileRows, [
      // `at` is the channel's first row while the tile row's base is computed from it.
      ...get(P.img), ...get(L.ch), ...get(P.chanBytes), OP.i32Mul, OP.i32Add, ...set(L.at),
      ...tileRow,
    ]),
  ];
  return [2, 8, I32, 7, V128, ...countedLoop(L.ch, P.channels, channel), OP.end];
}

type TransformInput = (
  img: number, cols: number, v: number, channels: number, tileRows: number, pairs: number, colPairs: number,
  rowBytes: number, chanBytes: number, tBytes: number, tileRowBytes: number, vStride: number,
) => void;

const kernel = lazyKernel<TransformInput>('transformInput', new Array<number>(12).fill(I32), transformInputBody);

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
  const run = (): void => wasm.run(
    0, colsAt * 4, vAt * 4, b.channels, b.tileRows, Math.ceil(b.tilesW / 2), pw / 2,
    pw * 4, rows * pw * 4, b.T * 4, b.tilesW * 4, b.vStride * 4,
  );
  return { planes: floats.subarray(0, planeFloats), v: floats.subarray(vAt, vAt + 16 * b.vStride), run };
}

/**
 * The output transform Aᵀ·M·A (+ bias) per 2×2 tile, then the fused affine
 * map (and relu) per channel, with the JavaScript transform's results bit
 * for bit: the sums of products' values in double on f64x2 lanes (two
 * neighbouring tiles at a time) in the same order, rounded to float32 once;
 * the affine map in double on that float32, rounded again, as affineRun does.
 * Memory: M (16 positions mStride apart), the band's output rows per
 * channel (2·tileRows rows of 4·⌈tilesW/2⌉ floats), bias as floats, scale
 * and shift as doubles.
 */
const Q = {
  m: 0, mStride: 1, out: 2, channels: 3, tileRows: 4, pairs: 5, tileRowBytes: 6, tBytes: 7, outRowBytes: 8,
  bias: 9, scale: 10, shift: 11, affine: 12, relu: 13,
} as const;
const K = { oc: 14, ty: 15, tp: 16, addr: 17, rowAt: 18, mRow: 19, mTile: 20, bv: 21, scale: 22, shift: 23, keep: 24, m0: 25, t: 41 } as const;

/** Lanes 0, 1 of x and of y interleaved: (x0, y0, x1, y1) as float32. */
const INTERLEAVE = [0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23];

/** The f32x4 in local K.t through the channel's affine map (and relu) when there is one, left on the stack. */
function affineOf(): number[] {
  const mapped = (half: (v: number[]) => number[]): number[] => op(SIMD.f64x2Add, op(SIMD.f64x2Mul, half(get(K.t)), get(K.scale)), get(K.shift));
  return [
    ...get(Q.affine), OP.if, V128,
    ...joinToF32(mapped(lowToF64), mapped(highToF64)), ...set(K.t),
    ...get(K.t), ...op(SIMD.f32x4Pmax, constants.f32(0), get(K.t)), ...get(K.keep), ...simd(SIMD.v128Bitselect),
    OP.else, ...get(K.t), OP.end,
  ];
}

function outputPair(): number[] {
  const M = (q: number): number[] => get(K.m0 + q);
  const sum3 = (a: number, b: number, c: number, sign: number): number[] => op(sign > 0 ? SIMD.f64x2Add : SIMD.f64x2Sub, op(sign > 0 ? SIMD.f64x2Add : SIMD.f64x2Sub, M(a), M(b)), M(c));
  const m = [0, 1, 2, 3].map((q) => sum3(q, q + 4, q + 8, 1));
  const n = [0, 1, 2, 3].map((q) => sum3(q + 4, q + 8, q + 12, -1));
  const first = (v: number[][]): number[] => op(SIMD.f64x2Add, op(SIMD.f64x2Add, op(SIMD.f64x2Add, v[0]!, v[1]!), v[2]!), get(K.bv));
  const second = (v: number[][]): number[] => op(SIMD.f64x2Add, op(SIMD.f64x2Sub, op(SIMD.f64x2Sub, v[1]!, v[2]!), v[3]!), get(K.bv));
  const row = (v: number[][], offset: number[]): number[] => [
    ...op(SIMD.f32x4DemoteF64x2Zero, first(v)), ...op(SIMD.f32x4DemoteF64x2Zero, second(v)), ...simd(SIMD.i8x16Shuffle, ...INTERLEAVE), ...set(K.t),
    ...offset, ...affineOf(), ...simd(SIMD.v128Store, ...mem(0)),
  ];
  const loads: number[] = [...get(K.mTile), ...get(K.tp), ...i32c(3), OP.i32Shl, OP.i32Add, ...set(K.addr)];
  for (let q = 0; q < 16; q++) {
    loads.push(...get(K.addr), ...simd(SIMD.v128Load64Zero, 3, 0), ...simd(SIMD.f64x2PromoteLowF32x4), ...set(K.m0 + q));
    loads.push(...get(K.addr), ...get(Q.mStride), OP.i32Add, ...set(K.addr));
  }
  const at = [...get(K.rowAt), ...get(K.tp), ...i32c(4), OP.i32Shl, OP.i32Add];
  return [...loads, ...row(m, at), ...row(n, [...at, ...get(Q.outRowBytes), OP.i32Add])];
}

function transformOutputBody(): number[] {
  const splatF64 = (base: number): number[] => [...get(base), ...get(K.oc), ...i32c(3), OP.i32Shl, OP.i32Add, OP.f64Load, 3, 0, ...simd(SIMD.f64x2Splat)];
  const channel = [
    ...get(Q.bias), ...get(K.oc), ...i32c(2), OP.i32Shl, OP.i32Add, OP.f32Load, 2, 0, OP.f64PromoteF32, ...simd(SIMD.f64x2Splat), ...set(K.bv),
    ...get(Q.affine), OP.if, EMPTY_BLOCK_TYPE, ...splatF64(Q.scale), ...set(K.scale), ...splatF64(Q.shift), ...set(K.shift), OP.end,
    ...get(Q.m), ...get(K.oc), ...get(Q.tBytes), OP.i32Mul, OP.i32Add, ...set(K.mRow),
    ...countedLoop(K.ty, Q.tileRows, [
      ...get(K.mRow), ...get(K.ty), ...get(Q.tileRowBytes), OP.i32Mul, OP.i32Add, ...set(K.mTile),
      // rowAt = out + (oc·2·tileRows + 2·ty)·outRowBytes
      ...get(Q.out), ...get(K.oc), ...get(Q.tileRows), OP.i32Mul, ...get(K.ty), OP.i32Add, ...i32c(1), OP.i32Shl, ...get(Q.outRowBytes), OP.i32Mul, OP.i32Add, ...set(K.rowAt),
      ...countedLoop(K.tp, Q.pairs, outputPair()),
    ]),
  ];
  const keep = [...i32c(0), ...get(Q.relu), OP.i32Eqz, OP.i32Sub, ...simd(SIMD.i32x4Splat), ...set(K.keep)];
  return [2, 7, I32, 21, V128, ...keep, ...countedLoop(K.oc, Q.channels, channel), OP.end];
}

type TransformOutput = (...args: number[]) => void;

const outputKernel = lazyKernel<TransformOutput>('transformOutput', new Array<number>(14).fill(I32), transformOutputBody);

/** A band's output for outputBand. */
export interface OutputBand {
  channels: number;
  tileRows: number;
  tilesW: number;
  T: number;
  /** Floats between positions of M: at least channels · T + 2 (pairs read one tile past a row's end). */
  mStride: number;
  bias: Float32Array | undefined;
  affine: ChannelAffine | undefined;
}

/**
 * Room for a band's M in WebAssembly memory (`m`, for the 16 products to
 * write), and `run`, which transforms it into `rows`: channel oc's output row
 * 2·ty0 + r at (oc·2·tileRows + r)·rowFloats. Undefined where the kernel is
 * unavailable.
 */
export function outputBand(b: OutputBand): { m: Float32Array; rows: Float32Array; rowFloats: number; run: () => void } | undefined {
  const wasm = outputKernel();
  if (!wasm) return undefined;
  const pairs = Math.ceil(b.tilesW / 2);
  const rowFloats = 4 * pairs;
  const mFloats = Math.ceil((16 * b.mStride + 4) / 4) * 4;
  const rowsFloats = b.channels * 2 * b.tileRows * rowFloats;
  const biasAt = mFloats + rowsFloats;
  const scaleAt = biasAt + Math.ceil(b.channels / 2) * 2;
  const shiftAt = scaleAt + 2 * b.channels;
  const floats = floatView(wasm.memory, (shiftAt + 2 * b.channels) * 4);
  if (b.bias) floats.set(b.bias.subarray(0, b.channels), biasAt);
  else floats.fill(0, biasAt, biasAt + b.channels);
  if (b.affine) {
    new Float64Array(floats.buffer, scaleAt * 4, b.channels).set(b.affine.scale.subarray(0, b.channels));
    new Float64Array(floats.buffer, shiftAt * 4, b.channels).set(b.affine.shift.subarray(0, b.channels));
  }
  const run = (): void => wasm.run(
    0, b.mStride * 4, mFloats * 4, b.channels, b.tileRows, pairs, b.tilesW * 4, b.T * 4, rowFloats * 4,
    biasAt * 4, scaleAt * 4, shiftAt * 4, b.affine ? 1 : 0, b.affine?.relu ? 1 : 0,
  );
  return { m: floats.subarray(0, 16 * b.mStride), rows: floats.subarray(mFloats, mFloats + rowsFloats), rowFloats, run };
}
