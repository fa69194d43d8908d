import { countedLoop, EMPTY_BLOCK_TYPE, F64, floatView, get, I32, i32c, lazyKernel, loopBelow, mem, OP, set, simd, SIMD, streamRows, V128 } from './wasm-asm.js';
import { constants as k, expLanes, highToF64, joinToF32, lowToF64, op } from './wasm-math.js';

/**
 * softmax along contiguous rows in WebAssembly SIMD, with the JavaScript
 * loop's results bit for bit (softmaxRowsScalar in kernels/activation.ts):
 * the row's maximum (order does not matter to a maximum), then e^(x − max)
 * by fast-math's fastExp in double lanes, each stored as float32 while the
 * unrounded values are summed in double in row order, one lane after the
 * other as the loop adds them, then every stored value times 1/sum, rounded
 * to float32. Rows lie one after the other in memory; the last n mod 4
 * values of each run through the same steps in a scratch vector padded with
 * −∞, whose e^(x − max) is exactly 0 and changes no sum, and go back after.
 */

/** Parameters of softmax(from, rows, vectors, tail, scratch): rows of vectors · 4 + tail floats, a 16-byte scratch. */
const P = { from: 0, rows: 1, vectors: 2, tail: 3, scratch: 4 } as const;
/** Locals: i32 q, end, row; f64 sum; v128 the rest. */
const L = { q: 5, end: 6, row: 7, sum: 8, max: 9, inv: 10, v: 11, lo: 12, hi: 13, clamped: 14, shifted: 15, r: 16 } as const;

/** body at q for each whole vector of the row (q from `from` to `end`), then at the scratch vector holding its tail. */
function overRow(body: number[]): number[] {
  return [
    ...get(P.from), ...set(L.q), ...loopBelow(L.q, L.end, [...body, ...get(L.q), ...i32c(16), OP.i32Add, ...set(L.q)]),
    ...get(P.scratch), ...set(L.q), ...body,
  ];
}

/** The row's last `tail` floats (from `end`) into the scratch vector, −∞ after them; or back (`back`). */
function moveTail(back: boolean): number[] {
  const code = back ? [] : [...get(P.scratch), ...k.f32(-Infinity), ...simd(SIMD.v128Store, ...mem(0))];
  for (let l = 0; l < 3; l++) {
    const [to, from] = back ? [L.end, P.scratch] : [P.scratch, L.end];
    code.push(
      ...get(P.tail), ...i32c(l), OP.i32GtU, OP.if, EMPTY_BLOCK_TYPE,
      ...get(to), ...get(from), OP.f32Load, 2, 4 * l, OP.f32Store, 2, 4 * l,
      OP.end,
    );
  }
  return code;
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
    ...moveTail(false),
    ...maxPass, ...expPass, ...scalePass,
    ...moveTail(true),
    ...get(L.end), ...get(P.tail), ...i32c(2), OP.i32Shl, OP.i32Add, ...set(P.from),
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

const softmaxKernel = lazyKernel<(from: number, rows: number, vectors: number, tail: number, scratch: number) => void>('softmax', [I32, I32, I32, I32, I32], softmaxBody);

/** Floats of rows per call: a batch in and out of wasm memory stays in L2. */
const CHUNK = 16384;

/**
 * softmax over each run of n consecutive floats of x into out (x.length a
 * multiple of n); false (nothing written) where WebAssembly SIMD is
 * unavailable or a row would not fit a chunk.
 */
export function softmaxRowsWasm(x: Float32Array, n: number, out: Float32Array): boolean {
  if (n > CHUNK) return false;
  const kernel = softmaxKernel();
  if (!kernel) return false;
  // Rows from byte 0; the scratch vector after the chunk.
  const floats = floatView(kernel.memory, CHUNK * 4 + 16);
  streamRows(floats, 0, CHUNK, x, out, n, (rows) => kernel.run(0, rows, Math.floor(n / 4), n % 4, CHUNK * 4));
  return true;
}
