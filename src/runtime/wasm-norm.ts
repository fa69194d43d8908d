import { countedLoop, F64, floatView, get, I32, i32c, lazyKernel, loopBelow, mem, OP, set, simd, SIMD, streamRows, V128 } from './wasm-asm.js';
import { highToF64, joinToF32, lowToF64, op } from './wasm-math.js';

/**
 * layer_norm over contiguous rows in WebAssembly SIMD, with the JavaScript
 * loop's results bit for bit (layerNormTrailing in kernels/norm.ts): the
 * mean and the sum of squared deviations are summed in double one value
 * after the other in row order, as the loop sums them (the differences and
 * squares computed two at a time), then each value's (x − mean) · inv · γ + β
 * in double lanes, rounded to float32 once.
 */

/** Parameters of layerNorm(from, rows, vectors, gamma, beta, inner, eps): rows of vectors · 4 floats; inner and eps as doubles. */
const P = { from: 0, rows: 1, vectors: 2, gamma: 3, beta: 4, inner: 5, eps: 6 } as const;
const L = { row: 7, q: 8, end: 9, g: 10, sum: 11, mean: 12, inv: 13, v: 14, lo: 15, hi: 16, meanV: 17, invV: 18, d: 19 } as const;

const lane = (local: number, i: number): number[] => [...get(local), ...simd(SIMD.f64x2ExtractLane, i)];
/** sum += lanes 0, 1 of lo, then of hi, in that order. */
const addInOrder = (): number[] => [
  ...get(L.sum), ...lane(L.lo, 0), OP.f64Add, ...lane(L.lo, 1), OP.f64Add, ...lane(L.hi, 0), OP.f64Add, ...lane(L.hi, 1), OP.f64Add, ...set(L.sum),
];

/** body for q over the row's vectors (g alongside, from gamma), both advancing 16 bytes. */
function overRow(body: number[], withG = false): number[] {
  const start = [...get(P.from), ...set(L.q), ...(withG ? [...i32c(0), ...set(L.g)] : [])];
  const step = [...get(L.q), ...i32c(16), OP.i32Add, ...set(L.q), ...(withG ? [...get(L.g), ...i32c(16), OP.i32Add, ...set(L.g)] : [])];
  return [...start, ...loopBelow(L.q, L.end, [...body, ...step])];
}

function rowBody(): number[] {
  const load = (base: number): number[] => [...get(base), ...simd(SIMD.v128Load, ...mem(0))];
  const zero = [OP.f64Const, 0, 0, 0, 0, 0, 0, 0, 0];
  const meanPass = [
    ...zero, ...set(L.sum),
    ...overRow([...load(L.q), ...set(L.v), ...lowToF64(get(L.v)), ...set(L.lo), ...highToF64(get(L.v)), ...set(L.hi), ...addInOrder()]),
    ...get(L.sum), ...get(P.inner), OP.f64Div, ...set(L.mean),
    ...get(L.mean), ...simd(SIMD.f64x2Splat), ...set(L.meanV),
  ];
  // (x − mean)², as the loop's d ** 2 (exactly d · d).
  const square = (half: (v: number[]) => number[], into: number): number[] => [
    ...op(SIMD.f64x2Sub, half(get(L.v)), get(L.meanV)), ...set(L.d), ...op(SIMD.f64x2Mul, get(L.d), get(L.d)), ...set(into),
  ];
  const variancePass = [
    ...zero, ...set(L.sum),
    ...overRow([...load(L.q), ...set(L.v), ...square(lowToF64, L.lo), ...square(highToF64, L.hi), ...addInOrder()]),
    // inv = 1 / √(sum / inner + eps)
    OP.f64Const, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, ...get(L.sum), ...get(P.inner), OP.f64Div, ...get(P.eps), OP.f64Add, OP.f64Sqrt, OP.f64Div, ...set(L.inv),
    ...get(L.inv), ...simd(SIMD.f64x2Splat), ...set(L.invV),
  ];
  const param = (base: number, half: (v: number[]) => number[]): number[] => half([...get(base), ...get(L.g), OP.i32Add, ...simd(SIMD.v128Load, ...mem(0))]);
  const normalized = (half: (v: number[]) => number[]): number[] => op(
    SIMD.f64x2Add,
    op(SIMD.f64x2Mul, op(SIMD.f64x2Mul, op(SIMD.f64x2Sub, half(get(L.v)), get(L.meanV)), get(L.invV)), param(P.gamma, half)),
    param(P.beta, half),
  );
  const outPass = overRow([
    ...load(L.q), ...set(L.v),
    ...get(L.q), ...joinToF32(normalized(lowToF64), normalized(highToF64)), ...simd(SIMD.v128Store, ...mem(0)),
  ], true);
  return [
    ...get(P.from), ...get(P.vectors), ...i32c(4), OP.i32Shl, OP.i32Add, ...set(L.end),
    ...meanPass, ...variancePass, ...outPass,
    ...get(L.end), ...set(P.from),
  ];
}

function layerNormBody(): number[] {
  return [3, 4, I32, 3, F64, 6, V128, ...countedLoop(L.row, P.rows, rowBody()), OP.end];
}

type LayerNormRows = (from: number, rows: number, vectors: number, gamma: number, beta: number, inner: number, eps: number) => void;
const layerNormKernel = lazyKernel<LayerNormRows>('layerNorm', [I32, I32, I32, I32, I32, F64, F64], layerNormBody);

/** Floats of rows per call. */
const CHUNK = 16384;

/**
 * layer_norm of each run of `inner` consecutive floats of x into out, with
 * γ and β per position; false (nothing written) where WebAssembly SIMD is
 * unavailable or a row is not whole f32x4 vectors or would not fit a chunk.
 */
export function layerNormRowsWasm(x: Float32Array, inner: number, gamma: Float32Array, beta: Float32Array, eps: number, out: Float32Array): boolean {
  if (inner % 4 !== 0 || inner > CHUNK) return false;
  const kernel = layerNormKernel();
  if (!kernel) return false;
  // Rows from byte 0, then γ and β.
  const floats = floatView(kernel.memory, (CHUNK + 2 * inner) * 4);
  floats.set(gamma.subarray(0, inner), CHUNK);
  floats.set(beta.subarray(0, inner), CHUNK + inner);
  streamRows(floats, 0, CHUNK, x, out, inner, (rows) => kernel.run(0, rows, inner / 4, CHUNK * 4, (CHUNK + inner) * 4, inner, eps));
  return true;
}
