/**
 * A WebAssembly SIMD micro-kernel for the GEMM inner loop. JavaScript has no
 * vector arithmetic, so the register tile (two f32x4 accumulators per row) runs in
 * a tiny hand-assembled wasm function; packing and blocking stay in
 * JavaScript (gemm.ts). The module is built from bytes at load time — no
 * binary file ships with the package — and `wasmGemmKernel()` returns
 * undefined where WebAssembly SIMD is unavailable, so callers fall back to
 * the scalar kernel.
 */

const I32 = 0x7f;
const V128 = 0x7b;

/** Opcodes used below (core and 0xfd-prefixed SIMD). */
const OP = {
  block: 0x02, loop: 0x03, br: 0x0c, brIf: 0x0d, end: 0x0b,
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Const: 0x41, i32Eqz: 0x45, i32GeU: 0x4f, i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32Shl: 0x74,
  f32Load: 0x2a, simd: 0xfd,
} as const;
const SIMD = { v128Load: 0, v128Store: 11, v128Const: 12, f32x4Splat: 19, f32x4Add: 228, f32x4Mul: 230 } as const;
const EMPTY_BLOCK_TYPE = 0x40;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

/** Parameters and locals of the kernel, by index. */
const P = { ap: 0, bp: 1, cp: 2, mStrips: 3, nStrips: 4, kc: 5, ldc: 6 } as const;
/** Rows per register tile; each row holds two f32x4 accumulators (8 columns). */
export const TILE_ROWS = 4;
/** Two f32x4 vectors per row; packers rely on this being 8. */
export const TILE_COLS = 8;
const L = { js: 7, is: 8, k: 9, a: 10, b: 11, c: 12, acc: 13, bv0: 13 + 2 * TILE_ROWS, bv1: 14 + 2 * TILE_ROWS, av: 15 + 2 * TILE_ROWS } as const;
const V128_LOCALS = 2 * TILE_ROWS + 3;
const rows = Array.from({ length: TILE_ROWS }, (_, r) => r);

const get = (i: number): number[] => [OP.localGet, ...uleb(i)];
const set = (i: number): number[] => [OP.localSet, ...uleb(i)];
const i32c = (v: number): number[] => [OP.i32Const, ...sleb(v)];
const simd = (op: number, ...imm: number[]): number[] => [OP.simd, ...uleb(op), ...imm];
/** memarg: alignment hint 0 (unaligned allowed), then the static offset. */
const mem = (offset: number): number[] => [0, ...uleb(offset)];

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

/** Loop skeleton: block { loop { if (counter >= limit) break; body; counter++; continue } }. */
function countedLoop(counter: number, limit: number, body: number[]): number[] {
  return [
    ...i32c(0), ...set(counter),
    OP.block, EMPTY_BLOCK_TYPE, OP.loop, EMPTY_BLOCK_TYPE,
    ...get(counter), ...get(limit), OP.i32GeU, OP.brIf, 1,
    ...body,
    ...get(counter), ...i32c(1), OP.i32Add, ...set(counter),
    OP.br, 0, OP.end, OP.end,
  ];
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
  return [...uleb(code.length), ...code];
}

function moduleBytes(): Uint8Array {
  const type = [1, 0x60, 7, I32, I32, I32, I32, I32, I32, I32, 0];
  const importMemory = [1, ...name('env'), ...name('memory'), 0x02, 0x00, 1];
  const functions = [1, 0];
  const exports = [1, ...name('tile'), 0x00, 0];
  const code = [1, ...kernelBody()];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, type), ...section(2, importMemory), ...section(3, functions), ...section(7, exports), ...section(10, code),
  ]);
}

/**
 * The micro-kernel: for every (j, i) strip pair, C[TILE_ROWS × 8 cols] +=
 * Apack strip i (kc × TILE_ROWS) · Bpack strip j (kc × 8). Addresses and
 * `ldc` are bytes.
 */
export type TileKernel = (ap: number, bp: number, cp: number, mStrips: number, nStrips: number, kc: number, ldc: number) => void;

/** The slice of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

export interface WasmGemmKernel {
  readonly memory: WasmMemory;
  readonly tile: TileKernel;
}

let instance: WasmGemmKernel | null | undefined;

/** The SIMD kernel, or undefined when this runtime cannot compile it. */
export function wasmGemmKernel(): WasmGemmKernel | undefined {
  if (instance === undefined) {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    try {
      if (!wasm) throw new Error('no WebAssembly');
      const memory = new wasm.Memory({ initial: 1 });
      const module = new wasm.Module(moduleBytes());
      const exports = new wasm.Instance(module, { env: { memory } }).exports as { tile: TileKernel };
      instance = { memory, tile: exports.tile };
    } catch {
      instance = null;
    }
  }
  return instance ?? undefined;
}
