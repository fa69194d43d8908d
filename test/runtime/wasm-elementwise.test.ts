import { describe, expect, it } from 'vitest';
import { addReluScalar } from '../../src/runtime/kernels/elementwise.js';
import { addReluWasm } from '../../src/runtime/wasm-elementwise.js';
import { seededFloats } from '../helpers/seeded.js';

/** relu(a + b) in WebAssembly against the JavaScript loop, bit for bit, special values included. */
describe('addReluWasm', () => {
  it('matches the JavaScript loop bit for bit, with NaN, infinities, −0 and float32 overflow among the inputs', () => {
    for (const n of [1, 7, 256, 40_003]) {
      const a = seededFloats(n, n).map((v) => v * 1e3);
      const b = seededFloats(n, n + 1).map((v) => v * 1e3);
      const specials = [[NaN, 1], [Infinity, -Infinity], [-0, -0], [-0, 0], [3e38, 3e38], [-3e38, -3e38], [1e-45, -1e-45], [-1e-45, 0]];
      specials.forEach(([x, y], i) => {
        if (i < n) [a[i], b[i]] = [x!, y!];
      });
      const want = new Float32Array(n);
      addReluScalar(a, b, want);
      const got = new Float32Array(n).fill(5);
      expect(addReluWasm(a, b, got)).toBe(true);
      expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
    }
  });
});
