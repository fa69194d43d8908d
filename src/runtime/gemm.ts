import { affineRun, type ChannelAffine } from './affine.js';
import { gemmScalar, KC, packColumnStrips, packRowStrips, packTransposedStrips, type MatrixView } from './gemm-scalar.js';
import { residentOffset, scratchBase } from './gemm-resident.js';
import { floatView } from './wasm-asm.js';
import { gemmEpilogue } from './wasm-epilogue.js';
import { TILE_COLS, TILE_ROWS, wasmGemmKernel, type WasmGemmKernel } from './wasm-gemm.js';

/**
 * Single-precision matrix multiply for the interpreter's hot paths (conv,
 * linear, matmul). Blocked like a BLAS sgemm: K in panels of KC, rows of A in
 * blocks packed into row strips, B packed into column strips, and a
 * register-blocked micro-kernel — WebAssembly SIMD (wasm-gemm.ts) when the
 * runtime has it, otherwise a scalar 4×4 kernel keeping 16 accumulators in
 * locals. Matrices are described by strides, so transposed operands need no
 * copy.
 */

export { gemmScalar, matrix, rowTimesWeightT, type MatrixView } from './gemm-scalar.js';

/** Products smaller than this many multiply-adds stay in JavaScript: wasm setup would dominate. */
const WASM_MIN_WORK = 8192;
const WASM_MR = TILE_ROWS;
const WASM_NR = TILE_COLS;
/**
 * Rows of A packed per block: a whole number of tiles, 128 KB of packed A at
 * the full K panel, so the block stays in L2 while every B strip (8 KB, in L1)
 * sweeps it, and B is streamed from memory about once per K panel.
 */
const WASM_MC = TILE_ROWS * 32;

/**
 * Writes rows [k0, k0+kc) × all n columns of an implicit B matrix at float
 * index `at` of the kernel's memory, in one of two layouts the tile reads:
 * 'strips', TILE_COLS-column strips (strip j, row k at at + j·kc·TILE_COLS +
 * (k−k0)·TILE_COLS), or 'rows', row-major rows of nPad = n rounded up to
 * TILE_COLS floats (row k at at + (k−k0)·nPad). Columns past n are zero.
 * Lets conv write straight from the image without an im2col buffer.
 */
export interface PackB {
  readonly layout: 'strips' | 'rows' | 'indexed';
  /**
   * 'indexed' only: floats of B data after the row table, and `write` puts at
   * `at` a table of kc i32 byte offsets (row k of the panel starts that far
   * past at + INDEX_TABLE_FLOATS, column j at 4·j bytes further) and, on the
   * first panel, the data the table points into.
   */
  readonly dataFloats?: number;
  /** 'strips' only: the packed constant B in the strips layout (K panel k0 at k0 · nPad), when B is a weight packed once. */
  readonly constantStrips?: Float32Array;
  write(mem: Float32Array, at: number, k0: number, kc: number, n: number): void;
}

/** Floats reserved for an 'indexed' B's row table, one i32 per row of a K panel. */
export const INDEX_TABLE_FLOATS = 256;

/** n rounded up to whole tile columns: the row length of the 'rows' layout and of C in wasm memory. */
export function paddedColumns(n: number): number {
  return Math.ceil(n / WASM_NR) * WASM_NR;
}

/** Copies rows [k0, k0+kc) of a row-contiguous view into the 'rows' layout. */
function copyRows(mem: Float32Array, at: number, b: MatrixView, k0: number, kc: number, n: number): void {
  const nPad = paddedColumns(n);
  if (nPad === n && b.rowStride === n) {
    // Rows back to back in both: the panel is one copy.
    mem.set(b.data.subarray(b.offset + k0 * n, b.offset + (k0 + kc) * n), at);
    return;
  }
  for (let k = 0; k < kc; k++) {
    const from = b.offset + (k0 + k) * b.rowStride;
    const to = at + k * nPad;
    mem.set(b.data.subarray(from, from + n), to);
    if (nPad > n) mem.fill(0, to + n, to + nPad);
  }
}

/** Writes B's rows [k0, k0+kc) into strips, reading W's rows in order when B is a transposed W (contiguous columns). */
function packStrips(mem: Float32Array, at: number, b: MatrixView, k0: number, kc: number, n: number): void {
  if (b.rowStride === 1) packTransposedStrips(mem, at, b.data, b.offset, b.colStride, k0, kc, n, WASM_NR);
  else packColumnStrips(mem, at, b, k0, kc, n, WASM_NR);
}

function viewPacker(b: MatrixView): PackB {
  // Contiguous rows copy as they are; strided ones are packed into strips.
  if (b.colStride === 1) return { layout: 'rows', write: (mem, at, k0, kc, n) => copyRows(mem, at, b, k0, kc, n) };
  return { layout: 'strips', write: (mem, at, k0, kc, n) => packStrips(mem, at, b, k0, kc, n) };
}

/**
 * Packed forms of constant matrices (weights), keyed by the weight array and
 * the view's geometry, so repeated runs copy packed panels instead of packing
 * again. Keyed weakly by the array, so they live exactly as long as the program.
 */
const packedConstants = new WeakMap<Float32Array, Map<string, Float32Array>>();

function packedConstant(view: MatrixView, kind: string, rows: number, cols: number, pack: () => Float32Array): Float32Array {
  let byView = packedConstants.get(view.data);
  if (!byView) {
    byView = new Map();
    packedConstants.set(view.data, byView);
  }
  const key = `${kind}:${view.offset}:${view.rowStride}:${view.colStride}:${rows}:${cols}`;
  let packed = byView.get(key);
  if (!packed) {
    packed = pack();
    byView.set(key, packed);
  }
  return packed;
}

/** Set while a program runs once: see packConstantsPerCall. */
let packPerCall = false;

/**
 * Runs f with constant operands (constantA, constantB) packed straight into
 * the kernel's memory on each call, like run-time values, instead of into
 * cached panels: a program run once reads each weight once, so the cache
 * would only add a fresh copy of every weight to fault in and collect
 * (ViT-B/16: 86 M floats). Same layout, so the same products.
 */
export function packConstantsPerCall<T>(f: () => T): T {
  const was = packPerCall;
  packPerCall = true;
  try {
    return f();
  } finally {
    packPerCall = was;
  }
}

/** Whether constants are being packed per call (inside packConstantsPerCall): callers with caches of their own skip them too. */
export function packingConstantsPerCall(): boolean {
  return packPerCall;
}

/**
 * A (m × k) in the order gemmWasm consumes its panels: a caller that keeps
 * this instead of A passes it as GemmOptions.packedA.
 */
export function packConstantA(a: MatrixView, m: number, k: number): Float32Array {
  const panels = new Float32Array(Math.ceil(m / WASM_MR) * WASM_MR * k);
  let at = 0;
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = Math.min(KC, k - k0);
    for (let i0 = 0; i0 < m; i0 += WASM_MC) {
      const mc = Math.min(WASM_MC, m - i0);
      packRowStrips(panels, at, a, i0, mc, k0, kc, WASM_MR);
      at += Math.ceil(mc / WASM_MR) * WASM_MR * kc;
    }
  }
  return panels;
}

/** Constant A (conv weights) packed once per weight. */
function packedPanels(a: MatrixView, m: number, k: number): Float32Array {
  return packedConstant(a, 'A', m, k, () => packConstantA(a, m, k));
}

/**
 * Constant B (the transposed weight of `linear`) in gemmWasm's strip layout:
 * K panel k0 starts at k0 · nPad, so each call copies a panel instead of
 * gathering a strided weight column by column.
 */
function constantPacker(b: MatrixView, k: number, n: number): PackB {
  const nPad = Math.ceil(n / WASM_NR) * WASM_NR;
  const cached = packedConstant(b, 'B', k, n, () => {
    const packed = new Float32Array(k * nPad);
    for (let k0 = 0; k0 < k; k0 += KC) packStrips(packed, k0 * nPad, b, k0, Math.min(KC, k - k0), n);
    return packed;
  });
  return { layout: 'strips', constantStrips: cached, write: (mem, at, k0, kc) => mem.set(cached.subarray(k0 * nPad, (k0 + kc) * nPad), at) };
}

/** Float offsets of gemmWasm's regions in the kernel's memory; `epilogueAt` holds the epilogue's vectors (see applyEpilogue). */
function wasmLayout(m: number, n: number, packB: PackB, base: number, aSourceFloats = 0) {
  const nPad = paddedColumns(n);
  const mPad = Math.ceil(m / WASM_MR) * WASM_MR;
  const aAt = base;
  const biasAt = aAt + WASM_MC * KC;
  const bAt = biasAt + mPad;
  const cAt = bAt + (packB.layout === 'indexed' ? INDEX_TABLE_FLOATS + (packB.dataFloats ?? 0) : KC * nPad);
  const epilogueAt = Math.ceil((cAt + mPad * nPad) / 4) * 4;
  const aSourceAt = epilogueAt + Math.max(nPad, 4 * mPad);
  return { nPad, mPad, aAt, biasAt, bAt, cAt, epilogueAt, aSourceAt, end: aSourceAt + aSourceFloats };
}

/**
 * Applies `rowAffine`, or else each of `columnAdds` in turn, to C in wasm
 * memory (wasm-epilogue.ts, the same values copyOut's loops give); returns
 * false, doing nothing, when there is nothing to apply or no epilogue kernel.
 */
function applyEpilogue(kernel: WasmGemmKernel, layout: ReturnType<typeof wasmLayout>, m: number, n: number, options: GemmOptions): boolean {
  const { columnAdds = [], rowAffine } = options;
  const epilogue = rowAffine || columnAdds.length > 0 ? gemmEpilogue(kernel.memory) : undefined;
  if (!epilogue) return false;
  const { cAt, nPad, mPad, epilogueAt } = layout;
  const buffer = kernel.memory.buffer;
  if (rowAffine) {
    const doubles = new Float64Array(buffer, epilogueAt * 4, 2 * mPad);
    doubles.set(rowAffine.scale.subarray(0, m), 0);
    doubles.set(rowAffine.shift.subarray(0, m), mPad);
    epilogue.affineRows(cAt * 4, m, nPad / 4, epilogueAt * 4, (epilogueAt + 2 * mPad) * 4, rowAffine.relu ? 1 : 0);
    return true;
  }
  const vector = new Float32Array(buffer, epilogueAt * 4, nPad);
  for (const add of columnAdds) {
    vector.set(add.subarray(0, n));
    vector.fill(0, n);
    epilogue.addColumns(cAt * 4, m, nPad / 4, epilogueAt * 4);
  }
  return true;
}

/**
 * C (its stored columns) into `c` in one copy when c's rows lie back to back:
 * the rows' padding columns (and a conv's padding runs) squeezed out in wasm
 * memory first. False, doing nothing, when c's rows are not contiguous.
 */
function copyOutWhole(
  kernel: WasmGemmKernel, mem: Float32Array, layout: ReturnType<typeof wasmLayout>, m: number, n: number, c: Float32Array, cOffset: number, ldc: number,
  columnRuns: ColumnRuns | undefined,
): boolean {
  const { runs, stride, width } = columnRuns ?? { runs: 1, stride: n, width: n };
  const { cAt, nPad } = layout;
  if (ldc !== runs * width) return false;
  if (runs * width !== nPad) {
    const epilogue = gemmEpilogue(kernel.memory);
    if (!epilogue) return false;
    epilogue.compactRuns(cAt * 4, m, runs, width, stride * 4, nPad * 4);
  }
  c.set(mem.subarray(cAt, cAt + m * ldc), cOffset);
  return true;
}

/**
 * C rows from wasm memory into `c`: added to it with `accumulate`, or with
 * each of `columnAdds` added to every row in turn (vector k's element j to
 * column j), each sum rounded to float32 as it is stored, as separate passes
 * over the result would.
 */
function copyOut(
  mem: Float32Array, cAt: number, nPad: number, m: number, n: number, c: Float32Array, cOffset: number, ldc: number,
  accumulate: boolean, columnAdds: readonly Float32Array[], rowAffine: ChannelAffine | undefined, columnRuns?: ColumnRuns,
): void {
  const { runs, stride, width } = columnRuns ?? { runs: 1, stride: n, width: n };
  if (columnRuns || (rowAffine && !accumulate)) {
    for (let i = 0; i < m; i++) {
      for (let r = 0; r < runs; r++) {
        const src = cAt + i * nPad + r * stride;
        const dst = cOffset + i * ldc + r * width;
        if (rowAffine) affineRun(mem, src, src + width, c, dst, rowAffine.scale[i]!, rowAffine.shift[i]!, rowAffine.relu);
        else c.set(mem.subarray(src, src + width), dst);
      }
    }
    return;
  }
  if (columnAdds.length > 0 && !accumulate) {
    const [first, ...rest] = columnAdds as [Float32Array, ...Float32Array[]];
    for (let i = 0; i < m; i++) {
      const src = cAt + i * nPad;
      const dst = cOffset + i * ldc;
      for (let j = 0; j < n; j++) c[dst + j] = mem[src + j]! + first[j]!;
      // The row is still in cache: later vectors cost a short pass each.
      for (const add of rest) for (let j = 0; j < n; j++) c[dst + j]! += add[j]!;
    }
    return;
  }
  if (!accumulate && nPad === n && ldc === n) {
    c.set(mem.subarray(cAt, cAt + m * n), cOffset);
    return;
  }
  for (let i = 0; i < m; i++) {
    const src = cAt + i * nPad;
    const dst = cOffset + i * ldc;
    if (accumulate) for (let j = 0; j < n; j++) c[dst + j]! += mem[src + j]!;
    else c.set(mem.subarray(src, src + n), dst);
  }
}

/** A's m rows (row-major, k floats each) at `at`, then zero rows up to mPad, as packRows reads them. */
function copyRowsOfA(mem: Float32Array, at: number, a: MatrixView, m: number, mPad: number, k: number): void {
  if (a.rowStride === k) mem.set(a.data.subarray(a.offset, a.offset + m * k), at);
  else for (let i = 0; i < m; i++) mem.set(a.data.subarray(a.offset + i * a.rowStride, a.offset + i * a.rowStride + k), at + i * k);
  mem.fill(0, at + m * k, at + mPad * k);
}

/**
 * The blocked GEMM with the SIMD register tile; C is built in wasm memory and
 * copied out once. The first K panel stores bias + product, later ones add to
 * C, so C needs no clearing.
 */
function gemmWasm(
  kernel: WasmGemmKernel, m: number, n: number, k: number, a: MatrixView, packB: PackB,
  c: Float32Array, cOffset: number, ldc: number, options: GemmOptions,
): void {
  const { accumulate = false, constantA = false, rowBias, columnAdds = [], rowAffine } = options;
  const panels = options.packedA ?? (constantA && !packPerCall ? packedPanels(a, m, k) : undefined);
  // Constants packed once are read where they lie in the kernel's memory (one per call: placing a second could start the arena over).
  const residentA = panels && constantA && !packPerCall ? residentOffset(kernel, panels) : undefined;
  const residentB = residentA === undefined && packB.constantStrips && !packPerCall ? residentOffset(kernel, packB.constantStrips) : undefined;
  // A run-time A of whole vectors per row is copied in once and packed by the SIMD transpose.
  const packer = !panels && a.colStride === 1 && k % 4 === 0 ? gemmEpilogue(kernel.memory) : undefined;
  const layout = wasmLayout(m, n, packB, scratchBase(kernel), packer ? Math.ceil(m / WASM_MR) * WASM_MR * k : 0);
  const { nPad, mPad, aAt, biasAt, bAt, cAt, aSourceAt, end } = layout;
  const mem = floatView(kernel.memory, end * 4);
  if (packer) copyRowsOfA(mem, aSourceAt, a, m, mPad, k);
  if (rowBias && !accumulate) {
    mem.set(rowBias.subarray(0, m), biasAt);
    mem.fill(0, biasAt + m, biasAt + mPad);
  } else {
    mem.fill(0, biasAt, biasAt + mPad);
  }
  // B's address, row step (or table address) and strip step in bytes, per layout.
  const bStep = { strips: (kc: number) => [bAt * 4, WASM_NR * 4, kc * WASM_NR * 4], rows: () => [bAt * 4, nPad * 4, WASM_NR * 4], indexed: () => [(bAt + INDEX_TABLE_FLOATS) * 4, bAt * 4, WASM_NR * 4] }[packB.layout];
  let panelAt = 0;
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = Math.min(KC, k - k0);
    if (residentB === undefined) packB.write(mem, bAt, k0, kc, n);
    for (let i0 = 0; i0 < m; i0 += WASM_MC) {
      const mc = Math.min(WASM_MC, m - i0);
      const strips = Math.ceil(mc / WASM_MR);
      let ap = aAt * 4;
      if (residentA !== undefined) {
        ap = (residentA + panelAt) * 4;
        panelAt += strips * WASM_MR * kc;
      } else if (panels) {
        mem.set(panels.subarray(panelAt, panelAt + strips * WASM_MR * kc), aAt);
        panelAt += strips * WASM_MR * kc;
      } else if (packer) {
        packer.packRows((aSourceAt + i0 * k + k0) * 4, aAt * 4, strips, kc, k * 4);
      } else {
        packRowStrips(mem, aAt, a, i0, mc, k0, kc, WASM_MR);
      }
      const [bp, ldb, bStrip] = residentB === undefined ? bStep(kc) as [number, number, number] : [(residentB + k0 * nPad) * 4, WASM_NR * 4, kc * WASM_NR * 4];
      kernel.tile(ap, bp, (cAt + i0 * nPad) * 4, strips, nPad / WASM_NR, kc, nPad * 4, ldb, bStrip, (biasAt + i0) * 4, k0 === 0 ? 1 : 0);
    }
  }
  // What the epilogue kernel did not apply is left to copyOut's loops; with nothing left, C may leave in one copy.
  const applied = !accumulate && applyEpilogue(kernel, layout, m, n, options);
  const adds = applied ? [] : columnAdds;
  const affine = applied ? undefined : rowAffine;
  if (!accumulate && adds.length === 0 && !affine && copyOutWhole(kernel, mem, layout, m, n, c, cOffset, ldc, options.columnRuns)) return;
  copyOut(mem, cAt, nPad, m, n, c, cOffset, ldc, accumulate, adds, affine, options.columnRuns);
}

/**
 * C's n columns hold `runs` runs of `width` useful columns, one every `stride`
 * columns: conv over a padded image computes the padding's columns too.
 */
export interface ColumnRuns {
  readonly runs: number;
  readonly stride: number;
  readonly width: number;
}

export interface GemmOptions {
  /** C += A·B instead of C = A·B. */
  accumulate?: boolean;
  /** A is a constant (weights): its packed form may be cached across calls. Never set it for values computed at run time. */
  constantA?: boolean;
  /**
   * A as packConstantA packed it for this m and k; the view of A is then not
   * read. Only with the SIMD kernel (wasmGemmKernel() defined). With
   * `constantA`, the same array (never changed) is passed on every call.
   */
  packedA?: Float32Array;
  /** B is a constant (weights), as `constantA`. */
  constantB?: boolean;
  /** Added to every element of row i of C (conv and linear biases); ignored with `accumulate`. */
  rowBias?: Float32Array;
  /**
   * Vectors of n values added in turn to every row of C (linear's bias along its
   * outputs, then an add fused after it), each sum rounded to float32; ignored
   * with `accumulate`.
   */
  columnAdds?: readonly Float32Array[];
  /**
   * Applied to each row of C after the product and row bias (conv → batch_norm
   * (→ relu), channel i on row i), each value rounded to float32 as it is
   * stored; excludes `columnAdds`, ignored with `accumulate`.
   */
  rowAffine?: ChannelAffine;
  /** Only these columns of C are stored, packed together (gemmPacked only; excludes `accumulate` and `columnAdds`). */
  columnRuns?: ColumnRuns;
}

function addRowBias(m: number, n: number, c: Float32Array, cOffset: number, ldc: number, bias: Float32Array): void {
  for (let i = 0; i < m; i++) {
    const b = bias[i]!;
    for (let j = cOffset + i * ldc; j < cOffset + i * ldc + n; j++) c[j]! += b;
  }
}

function addColumnBias(m: number, n: number, c: Float32Array, cOffset: number, ldc: number, bias: Float32Array): void {
  for (let i = 0; i < m; i++) {
    const row = cOffset + i * ldc;
    for (let j = 0; j < n; j++) c[row + j]! += bias[j]!;
  }
}

/**
 * C[m×n] = A[m×k] · B[k×n] (+ row bias, or C += … when `accumulate`). C is
 * row-major with leading dimension `ldc` starting at `cOffset`. Uses the
 * WebAssembly SIMD tile when the runtime has it and the product is large
 * enough to pay for it.
 */
export function gemm(
  m: number, n: number, k: number, a: MatrixView, b: MatrixView,
  c: Float32Array, cOffset: number, ldc: number, options: GemmOptions = {},
): void {
  const kernel = options.packedA || m * n * k >= WASM_MIN_WORK ? wasmGemmKernel() : undefined;
  if (options.packedA && !kernel) throw new Error('gemm: a packed A needs the WebAssembly SIMD kernel');
  if (kernel && k > 0) {
    gemmWasm(kernel, m, n, k, a, options.constantB && !packPerCall ? constantPacker(b, k, n) : viewPacker(b), c, cOffset, ldc, options);
    return;
  }
  gemmScalar(m, n, k, a, b, c, cOffset, ldc, options.accumulate ?? false);
  if (options.rowBias && !options.accumulate) addRowBias(m, n, c, cOffset, ldc, options.rowBias);
  if (!options.accumulate) for (const add of options.columnAdds ?? []) addColumnBias(m, n, c, cOffset, ldc, add);
  const affine = options.accumulate ? undefined : options.rowAffine;
  if (affine) for (let i = 0; i < m; i++) affineRun(c, cOffset + i * ldc, cOffset + i * ldc + n, c, cOffset + i * ldc, affine.scale[i]!, affine.shift[i]!, affine.relu);
}

/**
 * C = A · B (+ row bias) where B is produced by `packB` straight into packed
 * strips. Returns false (computing nothing) when the SIMD kernel is
 * unavailable, so the caller can materialize B and use `gemm` instead.
 */
export function gemmPacked(
  m: number, n: number, k: number, a: MatrixView, packB: PackB, c: Float32Array, cOffset: number, ldc: number,
  options: Omit<GemmOptions, 'accumulate'> = {},
): boolean {
  const kernel = wasmGemmKernel(packB.layout === 'indexed');
  if (!kernel || k === 0) return false;
  gemmWasm(kernel, m, n, k, a, packB, c, cOffset, ldc, options);
  return true;
}


