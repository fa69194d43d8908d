import { countedLoop, floatView, get, I32, i32c, lazyKernel, mem, OP, set, simd, SIMD, V128 } from './wasm-asm.js';
import { constants as k, op } from './wasm-math.js';

/**
 * 2-D max_pool in WebAssembly SIMD, four output columns at a time, with the
 * JavaScript reducer's results bit for bit: each window is visited in the
 * same order (rows, then columns) and a value replaces the running maximum
 * when it is greater or NaN, as there. The plane is padded with −∞, which
 * never replaces anything, so clipped windows need no bounds; its columns
 * are split by phase (column mod stride), so the strided columns four
 * neighbouring windows read lie next to each other.
 */

/** Parameters of maxRows(src, table, count, out, rows, vectors, rowStep, outRowBytes). */
const P = { src: 0, table: 1, count: 2, out: 3, rows: 4, vectors: 5, rowStep: 6, outRowBytes: 7 } as const;
const L = { row: 8, q: 9, e: 10, at: 11, o: 12, acc: 13, v: 14 } as const;

function maxRowsBody(): number[] {
  // at = src + row·rowStep + q·16; v = load(at + table[e]); acc = (v > acc or v ≠ v) ? v : acc
  const element = [
    ...get(L.at), ...get(P.table), ...get(L.e), ...i32c(2), OP.i32Shl, OP.i32Add, OP.i32Load, 2, 0, OP.i32Add,
    ...simd(SIMD.v128Load, ...mem(0)), ...set(L.v),
    ...get(L.v), ...get(L.acc),
    ...op(SIMD.v128Or, op(SIMD.f32x4Gt, get(L.v), get(L.acc)), op(SIMD.f32x4Ne, get(L.v), get(L.v))),
    ...simd(SIMD.v128Bitselect), ...set(L.acc),
  ];
  const vector = [
    ...get(P.src), ...get(L.row), ...get(P.rowStep), OP.i32Mul, OP.i32Add, ...get(L.q), ...i32c(4), OP.i32Shl, OP.i32Add, ...set(L.at),
    ...k.f32(-Infinity), ...set(L.acc),
    ...countedLoop(L.e, P.count, element),
    ...get(L.o), ...get(L.q), ...i32c(4), OP.i32Shl, OP.i32Add, ...get(L.acc), ...simd(SIMD.v128Store, ...mem(0)),
  ];
  const row = [
    ...get(P.out), ...get(L.row), ...get(P.outRowBytes), OP.i32Mul, OP.i32Add, ...set(L.o),
    ...countedLoop(L.q, P.vectors, vector),
  ];
  return [2, 5, I32, 2, V128, ...countedLoop(L.row, P.rows, row), OP.end];
}

type MaxRows = (src: number, table: number, count: number, out: number, rows: number, vectors: number, rowStep: number, outRowBytes: number) => void;

const kernel = lazyKernel<MaxRows>('maxRows', new Array<number>(8).fill(I32), maxRowsBody);

/** A 2-D pooling window: kernel, stride, padding before, input and output sizes, each as [height, width]. */
export interface PoolGeometry2d {
  kernel: [number, number];
  stride: [number, number];
  pad: [number, number];
  inSize: [number, number];
  outSize: [number, number];
}

/**
 * out[plane] = max_pool of each of `planes` consecutive IH × IW planes of x;
 * false (nothing written) where WebAssembly SIMD is unavailable.
 */
export function maxPool2dWasm(x: Float32Array, planes: number, g: PoolGeometry2d, out: Float32Array): boolean {
  const wasm = kernel();
  if (!wasm) return false;
  const [KH, KW] = g.kernel;
  const [SH, SW] = g.stride;
  const [PH, PW] = g.pad;
  const [IH, IW] = g.inSize;
  const [OH, OW] = g.outSize;
  const vectors = Math.ceil(OW / 4);
  const phaseW = vectors * 4 + Math.ceil(KW / SW);
  const rows = Math.max(PH + IH, (OH - 1) * SH + KH);
  const phaseFloats = rows * phaseW;
  const srcFloats = SW * phaseFloats;
  const tableAt = srcFloats;
  const outAt = tableAt + KH * KW;
  const floats = floatView(wasm.memory, (outAt + OH * vectors * 4) * 4);
  const table = new Int32Array(floats.buffer, tableAt * 4, KH * KW);
  for (let kh = 0, e = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++, e++) table[e] = ((kw % SW) * phaseFloats + kh * phaseW + Math.floor(kw / SW)) * 4;
  }
  for (let p = 0; p < planes; p++) {
    floats.fill(-Infinity, 0, srcFloats);
    for (let ih = 0; ih < IH; ih++) {
      const from = (p * IH + ih) * IW;
      const rowAt = (ih + PH) * phaseW;
      // Padded column X = ix + PW goes to phase X mod SW, column ⌊X / SW⌋.
      let phase = PW % SW;
      let at = rowAt + Math.floor(PW / SW);
      for (let ix = 0; ix < IW; ix++) {
        floats[phase * phaseFloats + at] = x[from + ix]!;
        if (++phase === SW) {
          phase = 0;
          at++;
        }
      }
    }
    wasm.run(0, tableAt * 4, KH * KW, outAt * 4, OH, vectors, SH * phaseW * 4, vectors * 16);
    for (let oh = 0; oh < OH; oh++) out.set(floats.subarray(outAt + oh * vectors * 4, outAt + oh * vectors * 4 + OW), (p * OH + oh) * OW);
  }
  return true;
}
