import { countedLoop, floatView, get, I32, i32c, instantiate, mem, moduleWithOneFunction, OP, set, simd, SIMD, uleb, V128, type WasmMemory } from './wasm-asm.js';

/**
 * Matrix–vector products against constant weights kept resident in
 * WebAssembly memory: the shape of a batch-1 fully connected layer, where
 * copying the weights in on every call would cost as much as the product.
 * Weights are copied once per weight array (rows padded to whole f32x4
 * vectors and to groups of four) and found again by identity; the arena is
 * dropped and rebuilt when it outgrows its cap.
 */

/** Parameters and locals of matvec4(wp, xp, op, rowGroups, k4). */
const P = { wp: 0, xp: 1, op: 2, rowGroups: 3, k4: 4 } as const;
const L = { g: 5, i: 6, p: 7, x: 11, rowBytes: 12, o: 13, acc: 14, xv: 18 } as const;
const ROWS = [0, 1, 2, 3];

/** Four rows at a time: acc_t += W[row t][i·4 … i·4+3] · x[i·4 … i·4+3], then a horizontal sum per row. */
function matvecBody(): number[] {
  const zero = simd(SIMD.v128Const, ...new Array<number>(16).fill(0));
  const inner = [
    ...get(L.x), ...simd(SIMD.v128Load, ...mem(0)), ...set(L.xv),
    ...ROWS.flatMap((t) => [
      ...get(L.acc + t), ...get(L.p + t), ...simd(SIMD.v128Load, ...mem(0)), ...get(L.xv), ...simd(SIMD.f32x4Mul), ...simd(SIMD.f32x4Add), ...set(L.acc + t),
      ...get(L.p + t), ...i32c(16), OP.i32Add, ...set(L.p + t),
    ]),
    ...get(L.x), ...i32c(16), OP.i32Add, ...set(L.x),
  ];
  const hsum = (t: number): number[] => [
    ...get(L.acc + t), ...simd(SIMD.f32x4ExtractLane, 0), ...get(L.acc + t), ...simd(SIMD.f32x4ExtractLane, 1), OP.f32Add,
    ...get(L.acc + t), ...simd(SIMD.f32x4ExtractLane, 2), OP.f32Add, ...get(L.acc + t), ...simd(SIMD.f32x4ExtractLane, 3), OP.f32Add,
  ];
  const group = [
    // p_t = wp + (g·4 + t)·rowBytes; o = op + g·16
    ...ROWS.flatMap((t) => [...get(P.wp), ...get(L.g), ...i32c(2), OP.i32Shl, ...i32c(t), OP.i32Add, ...get(L.rowBytes), OP.i32Mul, OP.i32Add, ...set(L.p + t)]),
    ...ROWS.flatMap((t) => [...zero, ...set(L.acc + t)]),
    ...get(P.xp), ...set(L.x),
    ...countedLoop(L.i, P.k4, inner),
    ...get(P.op), ...get(L.g), ...i32c(4), OP.i32Shl, OP.i32Add, ...set(L.o),
    ...ROWS.flatMap((t) => [...get(L.o), ...hsum(t), OP.f32Store, 2, ...uleb(t * 4)]),
  ];
  const locals = [2, ...uleb(9), I32, ...uleb(5), V128];
  return [...locals, ...get(P.k4), ...i32c(4), OP.i32Shl, ...set(L.rowBytes), ...countedLoop(L.g, P.rowGroups, group), OP.end];
}

type Matvec4 = (wp: number, xp: number, op: number, rowGroups: number, k4: number) => void;

/** Resident weights are dropped (and copied in again on use) past this many bytes. */
const ARENA_CAP_BYTES = 512 * 1024 * 1024;

interface Placement {
  arena: Arena;
  /** Byte offset of the padded weights. */
  at: number;
  rowGroups: number;
  /** Vectors (4 floats) per padded row. */
  k4: number;
}

interface Arena {
  memory: WasmMemory;
  matvec: Matvec4;
  top: number;
}

let arena: Arena | null | undefined;
const placements = new WeakMap<Float32Array, Placement>();

function newArena(): Arena | null {
  try {
    const { memory, exports } = instantiate(moduleWithOneFunction('matvec4', new Array<number>(5).fill(I32), matvecBody()));
    return { memory, matvec: exports['matvec4'] as Matvec4, top: 0 };
  } catch {
    return null;
  }
}

/** Copies w [rows × k] into the arena, rows padded to k4·4 floats and to a multiple of four rows. */
function place(w: Float32Array, rows: number, k: number): Placement | undefined {
  const found = placements.get(w);
  if (found && found.arena === arena) return found;
  if (arena === undefined) arena = newArena();
  if (!arena) return undefined;
  const k4 = Math.ceil(k / 4);
  const rowGroups = Math.ceil(rows / 4);
  const bytes = rowGroups * 4 * k4 * 16;
  if (arena.top + bytes > ARENA_CAP_BYTES) {
    arena = newArena();
    if (!arena) return undefined;
  }
  const at = arena.top;
  const view = floatView(arena.memory, at + bytes);
  const base = at / 4;
  view.fill(0, base, base + bytes / 4);
  for (let r = 0; r < rows; r++) view.set(w.subarray(r * k, (r + 1) * k), base + r * k4 * 4);
  arena.top += bytes;
  const placement = { arena, at, rowGroups, k4 };
  placements.set(w, placement);
  return placement;
}

/**
 * out[r, j] = Σ_i x[r, i] · w[j, i] with w a constant [n × k] weight.
 * Returns false (computing nothing) when WebAssembly SIMD is unavailable.
 */
export function residentRowsTimesWeightT(
  rows: number, n: number, k: number, x: Float32Array, w: Float32Array, out: Float32Array,
): boolean {
  const p = place(w, n, k);
  if (!p) return false;
  const xAt = p.arena.top;
  const outAt = xAt + p.k4 * 16;
  const view = floatView(p.arena.memory, outAt + p.rowGroups * 16);
  for (let r = 0; r < rows; r++) {
    view.fill(0, xAt / 4, outAt / 4);
    view.set(x.subarray(r * k, (r + 1) * k), xAt / 4);
    p.arena.matvec(p.at, xAt, outAt, p.rowGroups, p.k4);
    out.set(view.subarray(outAt / 4, outAt / 4 + n), r * n);
  }
  return true;
}
