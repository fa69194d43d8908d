import { floatView, get, I32, i32c, lazyKernel, loopBelow, mem, OP, set, simd, SIMD, streamRows, V128, type WasmMemory } from './wasm-asm.js';
import { constants as k, op } from './wasm-math.js';

/**
 * relu(a + b) in WebAssembly SIMD, with the JavaScript loop's results bit for
 * bit: the float32 sum, then pmax(0, v), which is (0 < v ? v : 0) and so
 * gives 0 for NaN and −0 as the loop does. The loop's branch on the sign is
 * taken at random on a residual join's values, which made it several times
 * slower than the copies in and out of wasm memory this costs.
 */

/** addRelu(a, b, to): a[i] = relu(a[i] + b[i]) for the f32x4 vectors from byte a up to byte `to`, b alongside. */
function addReluBody(): number[] {
  const P = { a: 0, b: 1, to: 2 };
  const step = [
    ...get(P.a),
    ...op(SIMD.f32x4Pmax, k.f32(0), op(SIMD.f32x4Add, [...get(P.a), ...simd(SIMD.v128Load, ...mem(0))], [...get(P.b), ...simd(SIMD.v128Load, ...mem(0))])),
    ...simd(SIMD.v128Store, ...mem(0)),
    ...get(P.a), ...i32c(16), OP.i32Add, ...set(P.a),
    ...get(P.b), ...i32c(16), OP.i32Add, ...set(P.b),
  ];
  return [
    0,
    ...loopBelow(P.a, P.to, step),
    OP.end,
  ];
}

const addReluKernel = lazyKernel<(a: number, b: number, to: number) => void>('addRelu', [I32, I32, I32], addReluBody);

/** Floats per operand per call: both chunks stay in L2. */
const CHUNK = 16384;

/** out = relu(a + b) element by element (same lengths); false (nothing written) where WebAssembly SIMD is unavailable. */
export function addReluWasm(a: Float32Array, b: Float32Array, out: Float32Array): boolean {
  const kernel = addReluKernel();
  if (!kernel) return false;
  const floats = floatView(kernel.memory, 2 * CHUNK * 4);
  streamRows(floats, 0, CHUNK, a, out, 1, (n, from) => {
    floats.set(b.subarray(from, from + n), CHUNK);
    kernel.run(0, CHUNK * 4, Math.ceil(n / 4) * 16);
  });
  return true;
}

/**
 * add, sub, mul and real_div of float32 runs in WebAssembly SIMD: a float32
 * sum, difference, product or quotient rounds to the same value as the
 * double one the JavaScript loops round to float32, so the results are the
 * same bit for bit. `both`: a and b advance; `aOnly`: a advances, b repeats
 * one value; `bOnly`: the other way round.
 */
export type RunPattern = 'both' | 'aOnly' | 'bOnly';
const BINARY_SIMD: Record<string, number> = { add: SIMD.f32x4Add, sub: SIMD.f32x4Sub, mul: SIMD.f32x4Mul, real_div: SIMD.f32x4Div };

/** f(x, y, to): x[i] = a op b over the vectors from byte x up to `to`; the advancing operand(s) at x (and y), a repeated one at y. */
function binaryBody(code: number, pattern: RunPattern): number[] {
  const P = { x: 0, y: 1, to: 2, splat: 3 };
  const loadX = [...get(P.x), ...simd(SIMD.v128Load, ...mem(0))];
  const other = pattern === 'both' ? [...get(P.y), ...simd(SIMD.v128Load, ...mem(0))] : get(P.splat);
  const value = pattern === 'bOnly' ? op(code, other, loadX) : op(code, loadX, other);
  const step = [
    ...get(P.x), ...value, ...simd(SIMD.v128Store, ...mem(0)),
    ...get(P.x), ...i32c(16), OP.i32Add, ...set(P.x),
    ...(pattern === 'both' ? [...get(P.y), ...i32c(16), OP.i32Add, ...set(P.y)] : []),
  ];
  const splat = pattern === 'both' ? [] : [...get(P.y), ...simd(SIMD.v128Load32Splat, ...mem(0)), ...set(P.splat)];
  return [1, 1, V128, ...splat, ...loopBelow(P.x, P.to, step), OP.end];
}

type BinaryKernel = (x: number, y: number, to: number) => void;
const binaryKernels = new Map<string, () => { memory: WasmMemory; run: BinaryKernel } | undefined>();

function binaryKernel(opName: string, pattern: RunPattern): { memory: WasmMemory; run: BinaryKernel } | undefined {
  const code = BINARY_SIMD[opName];
  if (code === undefined) return undefined;
  const key = `${opName}:${pattern}`;
  let compiled = binaryKernels.get(key);
  if (!compiled) {
    compiled = lazyKernel<BinaryKernel>('f', [I32, I32, I32], () => binaryBody(code, pattern));
    binaryKernels.set(key, compiled);
  }
  return compiled();
}

/** A float32 run loop (the shape of elementwise.ts's dedicated loops) doing its work in WebAssembly, or undefined where it cannot. */
export function binaryRunWasm(opName: string, pattern: RunPattern): ((o: Float32Array, oAt: number, a: Float32Array, aAt: number, b: Float32Array, bAt: number, len: number) => void) | undefined {
  const kernel = binaryKernel(opName, pattern);
  if (!kernel) return undefined;
  return (o, oAt, a, aAt, b, bAt, len) => {
    const floats = floatView(kernel.memory, 2 * CHUNK * 4);
    if (pattern === 'aOnly') floats[CHUNK] = b[bAt]!;
    if (pattern === 'bOnly') floats[CHUNK] = a[aAt]!;
    // The advancing operand streams through at 0; with both advancing, b's chunk lies at CHUNK.
    const advancing = pattern === 'bOnly' ? b.subarray(bAt, bAt + len) : a.subarray(aAt, aAt + len);
    streamRows(floats, 0, CHUNK, advancing, o.subarray(oAt, oAt + len), 1, (n, from) => {
      if (pattern === 'both') floats.set(b.subarray(bAt + from, bAt + from + n), CHUNK);
      kernel.run(0, CHUNK * 4, Math.ceil(n / 4) * 16);
    });
  };
}
