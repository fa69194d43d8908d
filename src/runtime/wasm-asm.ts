/**
 * A minimal WebAssembly assembler: just enough opcodes, encodings and module
 * layout to build the interpreter's SIMD kernels from bytes at load time, so
 * no binary file ships with the package.
 */

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;
export const EMPTY_BLOCK_TYPE = 0x40;

/** Core opcodes used by the kernels; SIMD ones follow the 0xfd prefix. */
export const OP = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, br: 0x0c, brIf: 0x0d, end: 0x0b,
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Const: 0x41, i32Eqz: 0x45, i32GtU: 0x4b, i32GeU: 0x4f, i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32And: 0x71, i32Shl: 0x74,
  i32Load: 0x28, f32Load: 0x2a, f64Load: 0x2b, f32Store: 0x38, f32Add: 0x92, f32Max: 0x97, f64Const: 0x44, f64Sqrt: 0x9f, f64Add: 0xa0, f64Div: 0xa3, f64PromoteF32: 0xbb, simd: 0xfd,
} as const;
export const SIMD = {
  v128Load: 0, v128Load32Splat: 9, v128Store: 11, v128Const: 12, i8x16Shuffle: 13, i32x4Splat: 17, f32x4Splat: 19, f32x4ExtractLane: 31, f32x4Ne: 66, f32x4Gt: 68,
  f64x2Splat: 20, f64x2ExtractLane: 33, f64x2Lt: 73, f64x2Gt: 74, v128Andnot: 79, v128And: 78, v128Or: 80, v128Xor: 81, v128Bitselect: 82, v128Store64Lane: 91, v128Load64Zero: 93, f32x4DemoteF64x2Zero: 94, f64x2PromoteLowF32x4: 95,
  i64x2Shl: 203, i64x2Add: 206, i64x2Sub: 209,
  f32x4Add: 228, f32x4Sub: 229, f32x4Mul: 230, f32x4Div: 231, f32x4Max: 233, f32x4Pmax: 235,
  f64x2Abs: 236, f64x2Neg: 237, f64x2Add: 240, f64x2Sub: 241, f64x2Mul: 242, f64x2Div: 243, f64x2Pmin: 246, f64x2Pmax: 247,
} as const;

export function uleb(n: number): number[] {
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

export const get = (i: number): number[] => [OP.localGet, ...uleb(i)];
export const set = (i: number): number[] => [OP.localSet, ...uleb(i)];
export const i32c = (v: number): number[] => [OP.i32Const, ...sleb(v)];
export const simd = (op: number, ...imm: number[]): number[] => [OP.simd, ...uleb(op), ...imm];
/** memarg: alignment hint 0 (unaligned allowed), then the static offset. */
export const mem = (offset: number): number[] => [0, ...uleb(offset)];

/** Loop skeleton: block { loop { if (a >= b) break; body; continue } }, the body advancing a (unsigned compare). */
export function loopBelow(a: number, b: number, body: number[]): number[] {
  return [
    OP.block, EMPTY_BLOCK_TYPE, OP.loop, EMPTY_BLOCK_TYPE,
    ...get(a), ...get(b), OP.i32GeU, OP.brIf, 1,
    ...body,
    OP.br, 0, OP.end, OP.end,
  ];
}

/** Loop skeleton: counter = 0; while (counter < limit) { body; counter++ }. */
export function countedLoop(counter: number, limit: number, body: number[]): number[] {
  return [...i32c(0), ...set(counter), ...loopBelow(counter, limit, [...body, ...get(counter), ...i32c(1), OP.i32Add, ...set(counter)])];
}

/**
 * A module importing `env.memory` and exporting one function `exportName`
 * with the given i32/v128 parameter types and no results. `code` is the
 * function body: local declarations, instructions and the final `end`.
 */
export function moduleWithOneFunction(exportName: string, params: number[], code: number[]): Uint8Array {
  const type = [1, 0x60, ...uleb(params.length), ...params, 0];
  const importMemory = [1, ...name('env'), ...name('memory'), 0x02, 0x00, 1];
  const functions = [1, 0];
  const exports = [1, ...name(exportName), 0x00, 0];
  const body = [1, ...uleb(code.length), ...code];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, type), ...section(2, importMemory), ...section(3, functions), ...section(7, exports), ...section(10, body),
  ]);
}

/** The slice of the WebAssembly JS API used here (the project's TypeScript libs do not declare it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** Compiles and instantiates a module with `shared` as its memory, or a fresh one-page one; throws where WebAssembly (SIMD) is unavailable. */
export function instantiate(bytes: Uint8Array, shared?: WasmMemory): { memory: WasmMemory; exports: Record<string, unknown> } {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (!wasm) throw new Error('WebAssembly is not available');
  const memory = shared ?? new wasm.Memory({ initial: 1 });
  const module = new wasm.Module(bytes);
  return { memory, exports: new wasm.Instance(module, { env: { memory } }).exports };
}

/** Grows `memory` to at least `bytes` and returns a fresh f32 view of it. */
export function floatView(memory: WasmMemory, bytes: number): Float32Array {
  const have = memory.buffer.byteLength;
  // Grown by at least an eighth at a time: every grow detaches the views of the old buffer, and code holding them is deoptimized.
  if (have < bytes) memory.grow(Math.ceil(Math.max(bytes - have, have / 8) / 65536));
  return new Float32Array(memory.buffer);
}

/**
 * Streams rows of `rowFloats` floats of x through a kernel's memory: as many
 * whole rows as fit `chunkFloats` at a time are copied to float `at` of
 * `floats`, `run(rows, from)` transforms them there (`from`: the first row's
 * float in x, for operands copied alongside), and they are copied to the same
 * place in out. A chunk small enough stays in L2 on its way in and out.
 */
export function streamRows(floats: Float32Array, at: number, chunkFloats: number, x: Float32Array, out: Float32Array, rowFloats: number, run: (rows: number, from: number) => void): void {
  const perChunk = Math.floor(chunkFloats / rowFloats);
  const rows = x.length / rowFloats;
  for (let r0 = 0; r0 < rows; r0 += perChunk) {
    const count = Math.min(perChunk, rows - r0);
    const from = r0 * rowFloats;
    const n = count * rowFloats;
    floats.set(x.subarray(from, from + n), at);
    run(count, from);
    out.set(floats.subarray(at, at + n), from);
  }
}

/**
 * A kernel module with one exported function, compiled on first use with a
 * memory of its own; the getter returns undefined where WebAssembly SIMD is
 * unavailable, so callers fall back to their JavaScript loops.
 */
export function lazyKernel<F>(exportName: string, params: number[], body: () => number[]): () => { memory: WasmMemory; run: F } | undefined {
  let built: { memory: WasmMemory; run: F } | null | undefined;
  return () => {
    if (built === undefined) {
      try {
        const { memory, exports } = instantiate(moduleWithOneFunction(exportName, params, body()));
        built = { memory, run: exports[exportName] as F };
      } catch {
        built = null;
      }
    }
    return built ?? undefined;
  };
}
