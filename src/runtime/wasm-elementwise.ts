import { floatView, get, I32, i32c, lazyKernel, loopBelow, mem, OP, set, simd, SIMD } from './wasm-asm.js';
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
  for (let i = 0; i < out.length; i += CHUNK) {
    const n = Math.min(CHUNK, out.length - i);
    floats.set(a.subarray(i, i + n), 0);
    floats.set(b.subarray(i, i + n), CHUNK);
    kernel.run(0, CHUNK * 4, Math.ceil(n / 4) * 16);
    out.set(floats.subarray(0, n), i);
  }
  return true;
}
