import { describe, expect, it } from 'vitest';
import { residentOffset, scratchBase } from '../../src/runtime/gemm-resident.js';
import { gemm, matrix, packConstantA } from '../../src/runtime/gemm.js';
import { wasmGemmKernel } from '../../src/runtime/wasm-gemm.js';
import { seededFloats } from '../helpers/seeded.js';

/** Packed constants kept in the GEMM kernel's memory: placed once, found again, never overlapped by the scratch. */
describe('resident packed constants', () => {
  it('places a packed array once, keeps its contents, and starts the scratch past it', () => {
    const kernel = wasmGemmKernel()!;
    const panels = seededFloats(1000, 1);
    const at = residentOffset(kernel, panels)!;
    expect(residentOffset(kernel, panels)).toBe(at);
    expect(scratchBase(kernel)).toBeGreaterThanOrEqual(at + panels.length);
    expect(Array.from(new Float32Array(kernel.memory.buffer, at * 4, panels.length))).toEqual(Array.from(panels));
  });

  it('a constant A and a constant B give the same products on every call as operands packed per call', () => {
    const [m, n, k] = [37, 50, 300];
    const a = seededFloats(m * k, 2);
    const b = seededFloats(k * n, 3);
    const want = new Float32Array(m * n);
    gemm(m, n, k, matrix(a, 0, k), matrix(b, 0, n), want, 0, n);
    const packed = packConstantA(matrix(a, 0, k), m, k);
    for (let run = 0; run < 3; run++) {
      const viaA = new Float32Array(m * n);
      gemm(m, n, k, matrix(a, 0, k), matrix(b, 0, n), viaA, 0, n, { packedA: packed, constantA: true });
      // Another product in between moves nothing the first one placed.
      gemm(9, 9, 9, matrix(seededFloats(81, run), 0, 9), matrix(seededFloats(81, run + 1), 0, 9), new Float32Array(81), 0, 9, { constantA: true });
      const bt = new Float32Array(n * k);
      for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) bt[j * k + p] = b[p * n + j]!;
      const viaB = new Float32Array(m * n);
      gemm(m, n, k, matrix(a, 0, k), matrix(bt, 0, 1, k), viaB, 0, n, { constantB: true });
      expect(Buffer.from(viaA.buffer).equals(Buffer.from(want.buffer))).toBe(true);
      expect(Buffer.from(viaB.buffer).equals(Buffer.from(want.buffer))).toBe(true);
    }
  });
});
