import { floatView } from './wasm-asm.js';
import type { WasmGemmKernel } from './wasm-gemm.js';

/**
 * Packed constant panels (weights) kept in the GEMM kernel's WebAssembly
 * memory across calls, so a program run again reads them where they lie
 * instead of copying each panel in on every call. An arena at the start of
 * the kernel's memory, found by the identity of the packed array; the GEMM's
 * scratch lies past it. Past ARENA_CAP_FLOATS the arena starts over (every
 * placement made before is then stale and copied in again on use). Programs
 * run once pack their constants per call and never place them here.
 */
const ARENA_CAP_FLOATS = 128 * 1024 * 1024;

interface Arena {
  end: number;
  generation: number;
  readonly placed: WeakMap<Float32Array, { at: number; generation: number }>;
}

const arenas = new WeakMap<WasmGemmKernel, Arena>();

function arenaOf(kernel: WasmGemmKernel): Arena {
  let arena = arenas.get(kernel);
  if (!arena) {
    arena = { end: 0, generation: 0, placed: new WeakMap() };
    arenas.set(kernel, arena);
  }
  return arena;
}

/**
 * Float offset of `panels` in the kernel's memory, copied there on first
 * use; undefined when it is larger than the arena. Valid until the next
 * call, which may start the arena over.
 */
export function residentOffset(kernel: WasmGemmKernel, panels: Float32Array): number | undefined {
  const arena = arenaOf(kernel);
  const placed = arena.placed.get(panels);
  if (placed && placed.generation === arena.generation) return placed.at;
  if (panels.length > ARENA_CAP_FLOATS) return undefined;
  if (arena.end + panels.length > ARENA_CAP_FLOATS) {
    arena.end = 0;
    arena.generation++;
  }
  const at = arena.end;
  // Whole 64-byte lines, so the scratch after the arena starts on one.
  arena.end = Math.ceil((at + panels.length) / 16) * 16;
  floatView(kernel.memory, arena.end * 4).set(panels, at);
  arena.placed.set(panels, { at, generation: arena.generation });
  return at;
}

/** First float of the kernel's scratch: past the resident panels. */
export function scratchBase(kernel: WasmGemmKernel): number {
  return arenaOf(kernel).end;
}
