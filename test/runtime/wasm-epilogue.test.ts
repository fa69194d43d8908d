import { describe, expect, it } from 'vitest';
import { affineRun } from '../../src/runtime/affine.js';
import { gemm, matrix } from '../../src/runtime/gemm.js';
import { seededFloats } from '../helpers/seeded.js';

/**
 * The GEMM's epilogue in WebAssembly memory (column adds, the per-row affine
 * map with and without relu) against the JavaScript loops it replaces,
 * applied to the same product: bit for bit, at shapes with partial tiles,
 * several K panels, and C rows longer than they are stored.
 */

const SHAPES = [[9, 33, 40], [37, 197, 300], [130, 17, 513]] as const;

function expectSameBits(got: Float32Array, want: Float32Array): void {
  expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
}

function product(m: number, n: number, k: number, seed: number): { a: Float32Array; b: Float32Array; c: Float32Array } {
  const a = seededFloats(m * k, seed);
  const b = seededFloats(k * n, seed + 1);
  const c = new Float32Array(m * n);
  gemm(m, n, k, matrix(a, 0, k), matrix(b, 0, n), c, 0, n);
  return { a, b, c };
}

describe('the GEMM epilogue in WebAssembly memory', () => {
  it('adds column vectors in turn with the rounding of separate float32 adds', () => {
    for (const [m, n, k] of SHAPES) {
      const { a, b, c: plain } = product(m, n, k, m);
      const adds = [seededFloats(n, 3), seededFloats(n, 4).map((v) => v * 1e-3)];
      const want = plain.map((v, i) => Math.fround(Math.fround(v + adds[0]![i % n]!) + adds[1]![i % n]!));
      const got = new Float32Array(m * n);
      gemm(m, n, k, matrix(a, 0, k), matrix(b, 0, n), got, 0, n, { columnAdds: adds });
      expectSameBits(got, want);
    }
  });

  for (const relu of [false, true]) {
    it(`applies a per-row affine map in double precision, rounded once${relu ? ', then relu (NaN and −0 to +0)' : ''}`, () => {
      for (const [m, n, k] of SHAPES) {
        const { a, b, c: plain } = product(m, n, k, n);
        const scale = Float64Array.from(seededFloats(m, 8), (v) => v * 3.3);
        const shift = Float64Array.from(seededFloats(m, 9), (v) => v / 7);
        scale[0] = NaN;
        scale[1] = 0;
        shift[1] = -0;
        const want = new Float32Array(m * n);
        for (let i = 0; i < m; i++) affineRun(plain, i * n, (i + 1) * n, want, i * n, scale[i]!, shift[i]!, relu);
        const got = new Float32Array(m * n);
        gemm(m, n, k, matrix(a, 0, k), matrix(b, 0, n), got, 0, n, { rowAffine: { scale, shift, relu } });
        expectSameBits(got, want);
        if (relu) expect(Object.is(got[n], 0) && got[0] === 0).toBe(true);
      }
    });
  }

  it('squeezes out the padding columns in wasm memory and copies C out in one piece, as row by row', () => {
    for (const [m, n, k] of [[37, 197, 300], [5, 49, 64], [9, 3, 20]] as const) {
      const a = seededFloats(m * k, 11);
      const b = seededFloats(k * n, 12);
      const whole = new Float32Array(m * n);
      gemm(m, n, k, matrix(a, 0, k), matrix(b, 0, n), whole, 0, n);
      // A C row longer than n is copied row by row.
      const ldc = n + 3;
      const byRow = new Float32Array(m * ldc);
      gemm(m, n, k, matrix(a, 0, k), matrix(b, 0, n), byRow, 0, ldc);
      const rows = new Float32Array(m * n);
      for (let i = 0; i < m; i++) rows.set(byRow.subarray(i * ldc, i * ldc + n), i * n);
      expectSameBits(whole, rows);
    }
  });

  it('packs a run-time A by the SIMD transpose into the strips the JavaScript packer makes: the same products bit for bit', () => {
    for (const [m, n, k] of [[197, 64, 64], [37, 50, 516], [5, 9, 8], [130, 17, 1024]] as const) {
      const a = seededFloats(m * k, m + k);
      const b = seededFloats(k * n, n);
      // The same A stored transposed (columns contiguous) goes through the JavaScript packer.
      const aT = new Float32Array(k * m);
      for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) aT[p * m + i] = a[i * k + p]!;
      const viaWasm = new Float32Array(m * n);
      gemm(m, n, k, matrix(a, 0, k), matrix(b, 0, n), viaWasm, 0, n);
      const viaJs = new Float32Array(m * n);
      gemm(m, n, k, matrix(aT, 0, 1, m), matrix(b, 0, n), viaJs, 0, n);
      expectSameBits(viaWasm, viaJs);
    }
  });
});
