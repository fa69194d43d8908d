import { describe, expect, it } from 'vitest';
import { gemm, gemmScalar, matrix, rowTimesWeightT } from '../../src/runtime/gemm.js';
import { KC, packColumnStrips, packTransposedStrips } from '../../src/runtime/gemm-scalar.js';
import { wasmGemmKernel } from '../../src/runtime/wasm-gemm.js';
import { seededFloats } from '../helpers/seeded.js';
import { maxAbsDiff } from './ort.js';

/** Textbook triple loop in float64: the reference for both kernels. */
function naive(m: number, n: number, k: number, a: Float32Array, b: Float32Array): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
    c[i * n + j] = s;
  }
  return c;
}

describe('gemm', () => {
  it('the WebAssembly SIMD kernel compiles on this Node', () => {
    expect(wasmGemmKernel()).toBeDefined();
  });

  it.each([
    [1, 1, 1],
    [7, 9, 5],
    [37, 53, 300],
    [130, 17, 513],
    [20, 64, 300],
  ])('m=%i n=%i k=%i matches a naive product (edge tiles, K panels, rows of whole tiles)', (m, n, k) => {
    const a = seededFloats(m * k, m);
    const b = seededFloats(k * n, n);
    const want = naive(m, n, k, a, b);
    const fast = new Float32Array(m * n);
    gemm(m, n, k, matrix(a, 0, k), matrix(b, 0, n), fast, 0, n);
    const slow = new Float32Array(m * n);
    gemmScalar(m, n, k, matrix(a, 0, k), matrix(b, 0, n), slow, 0, n);
    expect(maxAbsDiff(fast, want)).toBeLessThan(1e-4);
    expect(maxAbsDiff(slow, want)).toBeLessThan(1e-4);
  });

  it('reads transposed operands through strides and accumulates into a strided C', () => {
    const m = 20, n = 30, k = 40;
    const a = seededFloats(m * k, 1);
    const b = seededFloats(k * n, 2);
    const aT = new Float32Array(k * m);
    const bT = new Float32Array(n * k);
    for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) aT[p * m + i] = a[i * k + p]!;
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) bT[j * k + p] = b[p * n + j]!;
    const want = naive(m, n, k, a, b);
    const ldc = n + 3;
    const c = new Float32Array(m * ldc).fill(1);
    gemm(m, n, k, matrix(aT, 0, 1, m), matrix(bT, 0, 1, k), c, 0, ldc, { accumulate: true });
    const got = new Float32Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) got[i * n + j] = c[i * ldc + j]! - 1;
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-4);
    expect(c[ldc - 1]).toBe(1);
  });

  it('adds a row bias in both the SIMD and the scalar path', () => {
    for (const [m, n, k] of [[9, 33, 40], [2, 3, 4], [130, 17, 513]] as const) {
      const a = seededFloats(m * k, 5);
      const b = seededFloats(k * n, 6);
      const bias = seededFloats(m, 7);
      const want = naive(m, n, k, a, b).map((v, i) => v + bias[Math.floor(i / n)]!);
      const c = new Float32Array(m * n);
      gemm(m, n, k, matrix(a, 0, k), matrix(b, 0, n), c, 0, n, { rowBias: bias });
      expect(maxAbsDiff(c, want)).toBeLessThan(1e-4);
    }
  });

  it('a product does not see what an earlier, larger product left in the kernel memory', () => {
    const big = 64, k = 300;
    gemm(big, big, k, matrix(seededFloats(big * k, 11), 0, k), matrix(seededFloats(k * big, 12), 0, big), new Float32Array(big * big), 0, big);
    const m = 6, n = 10;
    const a = seededFloats(m * k, 13);
    const b = seededFloats(k * n, 14);
    const c = new Float32Array(m * n);
    gemm(m, n, k, matrix(a, 0, k), matrix(b, 0, n), c, 0, n);
    expect(maxAbsDiff(c, naive(m, n, k, a, b))).toBeLessThan(1e-4);
  });

  it('a constant B is packed once and gives the same product on every later call', () => {
    const m = 13, n = 21, k = 300;
    const w = seededFloats(n * k, 8);
    const wT = new Float32Array(k * n);
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) wT[p * n + j] = w[j * k + p]!;
    for (const seed of [9, 10]) {
      const a = seededFloats(m * k, seed);
      const c = new Float32Array(m * n);
      gemm(m, n, k, matrix(a, 0, k), matrix(w, 0, 1, k), c, 0, n, { constantB: true });
      expect(maxAbsDiff(c, naive(m, n, k, a, wT))).toBeLessThan(1e-4);
    }
  });

  it('packing a transposed weight row by row puts every float where the per-panel column gather puts it', () => {
    // k spans two panels and a partial one, n leaves a partial strip, the rows have slack and an offset.
    const k = 2 * KC + 37, n = 21, ldw = k + 5, offset = 3, width = 8;
    const w = seededFloats(offset + n * ldw, 11);
    const nPad = Math.ceil(n / width) * width;
    const gathered = new Float32Array(k * nPad).fill(NaN); // both write every float, padding as zeros
    const view = matrix(w, offset, 1, ldw);
    for (let k0 = 0; k0 < k; k0 += KC) packColumnStrips(gathered, k0 * nPad, view, k0, Math.min(KC, k - k0), n, width);
    const byRows = new Float32Array(k * nPad).fill(NaN);
    for (let k0 = 0; k0 < k; k0 += KC) packTransposedStrips(byRows, k0 * nPad, w, offset, ldw, k0, Math.min(KC, k - k0), n, width);
    expect(byRows).toEqual(gathered);
  });

  it('rowTimesWeightT computes x·Wᵀ row by row', () => {
    const x = seededFloats(2 * 6, 3);
    const w = seededFloats(5 * 6, 4);
    const out = new Float32Array(10);
    rowTimesWeightT(2, 5, 6, x, 0, w, out, 0);
    const wT = new Float32Array(30);
    for (let j = 0; j < 5; j++) for (let p = 0; p < 6; p++) wT[p * 5 + j] = w[j * 6 + p]!;
    expect(maxAbsDiff(out, naive(2, 5, 6, x, wT))).toBeLessThan(1e-5);
  });
});
