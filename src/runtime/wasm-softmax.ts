import { countedLoop, F64, floatView, get, I32, i32c, lazyKernel, loopBelow, mem, OP, set, simd, SIMD, V128 } from './wasm-asm.js';
import { constants as k, expLanes, highToF64, joinToF32, lowToF64, op } from './wasm-math.js';

/**
 * softmax along contiguous rows in WebAssembly SIMD, with the JavaScript
 * loop's results bit for bit (softmaxRowsScalar in kernels/activation.ts):
 * the row's maximum (order does not matter to a maximum), then e^(x − max)
 * by fast-math's fastExp in double lanes, each stored as float32 while the
 * unrounded values are summed in double in row order, one lane after the
 * other as the loop adds them, then every stored value times 1/sum, rounded
 * to float32. Rows lie `vectors` f32x4 apart in memory, padded past their
 * length with −∞, whose e^(x − max) is exactly 0 and changes no sum.
 */

/** Parameters of softmax(from, rows, vectors). */
const P = { from: 0, rows: 1, vectors: 2 } as const;
/** Locals: i32 q, end, row; f64 sum; v128 the rest. */
const L = { q: 3, end: 4, row: 5, sum: 6, max: 7, inv: 8, v: 9, lo: 10, hi: 11, clamped: 12, shifted: 13, r: 14 } as const;

/** Loop over the row's vectors: q from `from` to `end` in steps of 16 bytes. */
function overRow(body: number[]): number[] {
  return [...get(P.from), ...set(L.q), ...loopBelow(L.q, L.end, [...body, ...get(L.q), ...i32c(16), OP.i32Add, ...set(L.q)])];
}

const load = (): number[] => [...get(L.q), ...simd(SIMD.v128Load, ...mem(0))];
const lane = (local: number, i: number): number[] => [...get(local), ...simd(SIMD.f64x2ExtractLane, i)];
const f32Lane = (local: number, i: number): number[] => [...get(local), ...simd(SIMD.f32x4ExtractLane, i)];

function rowBody(): number[] {
  const maxPass = [
    ...k.f32(-Infinity), ...set(L.v),
    ...overRow([...op(SIMD.f32x4Max, get(L.v), load()), ...set(L.v)]),
    ...f32Lane(L.v, 0), ...f32Lane(L.v, 1), OP.f32Max, ...f32Lane(L.v, 2), ...f32Lane(L.v, 3), OP.f32Max, OP.f32Max,
    OP.f64PromoteF32, ...simd(SIMD.f64x2Splat), ...set(L.max),
  ];
  const exp = (half: (v: number[]) => number[]): number[] => expLanes(op(SIMD.f64x2Sub, half(get(L.v)), get(L.max)), L);
  const expPass = [
    OP.f64Const, 0, 0, 0, 0, 0, 0, 0, 0, ...set(L.sum),
    ...overRow([
      ...load(), ...set(L.v),
      ...exp(lowToF64), ...set(L.lo),
      ...exp(highToF64), ...set(L.hi),
      ...get(L.q), ...joinToF32(get(L.lo), get(L.hi)), ...simd(SIMD.v128Store, ...mem(0)),
      ...get(L.sum), ...lane(L.lo, 0), OP.f64Add, ...lane(L.lo, 1), OP.f64Add, ...lane(L.hi, 0), OP.f64Add, ...lane(L.hi, 1), OP.f64Add, ...set(L.sum),
    ]),
  ];
  const scalePass = [
    OP.f64Const, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, ...get(L.sum), OP.f64Div, ...simd(SIMD.f64x2Splat), ...set(L.inv),
    ...overRow([
      ...load(), ...set(L.v),
      ...get(L.q), ...joinToF32(op(SIMD.f64x2Mul, lowToF64(get(L.v)), get(L.inv)), op(SIMD.f64x2Mul, highToF64(get(L.v)), get(L.inv))),
      ...simd(SIMD.v128Store, ...mem(0)),
    ]),
  ];
  return [
    ...get(P.from), ...get(P.vectors), ...i32c(4), OP.i32Shl, OP.i32Add, ...set(L.end),
    ...maxPass, ...expPass, ...scalePass,
    ...get(L.end), ...set(P.from),
  ];
}

function softmaxBody(): number[] {
  const declared = [3, 3, I32, 1, F64, 8, V128];
  return [
    ...declared,
    ...countedLoop(L.row, P.rows, rowBody()),
    OP.end,
  ];
}

const softmaxKernel = lazyKernel<(from: number, rows: number, vectors: number) => void>('softmax', [I32, I32, I32], softmaxBody);

/** Floats of rows per call: a batch in and out of wasm memory stays in L2. */
const CHUNK = 16384;

/**
 * softmax over each run of n consecutive floats of x into out (x.length a
 * multiple of n); false (nothing written) where WebAssembly SIMD is
 * unavailable or a row would not fit a chunk.
 */
export function softmaxRowsWasm(x: Float32Array, n: number, out: Float32Array): boolean {
  const stride = Math.ceil(n / 4) * 4;
  if (stride > CHUNK) return false;
  const kernel = softmaxKernel();
  if (!kernel) return false;
  const floats = floatView(kernel.memory, CHUNK * 4);
  const perChunk = Math.floor(CHUNK / stride);
  const rows = x.length / n;
  for (let r0 = 0; r0 < rows; r0 += perChunk) {
    const count = Math.min(perChunk, rows - r0);
    for (let r = 0; r < count; r++) {
      const from = (r0 + r) * n;
      const to = r * stride;
      floats.set(x.subarray(from, from + n), to);
      if (stride > n) floats.fill(-Infinity, to + n, to + stride);
    }
    kernel.run(0, count, stride / 4);
    for (let r = 0; r < count; r++) out.set(floats.subarray(r * stride, r * stride + n), (r0 + r) * n);
  }
  return true;
}
