import { describe, expect, it } from 'vitest';
import { addReluScalar } from '../../src/runtime/kernels/elementwise.js';
import { addReluWasm, binaryRunWasm } from '../../src/runtime/wasm-elementwise.js';
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

describe('binaryRunWasm', () => {
  const ops: Record<string, (a: number, b: number) => number> = { add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, real_div: (a, b) => a / b };
  for (const [name, f] of Object.entries(ops)) {
    for (const pattern of ['both', 'aOnly', 'bOnly'] as const) {
      it(`${name}, ${pattern}: the JavaScript loop's float32 results bit for bit, at offsets and lengths past a chunk`, () => {
        const len = 40_003;
        const a = seededFloats(len + 7, 1).map((v, i) => v * 2 ** ((i % 61) - 30));
        const b = seededFloats(len + 5, 2).map((v, i) => (i % 97 === 0 ? 0 : v * 2 ** ((i % 53) - 26)));
        a[10] = NaN;
        b[20] = Infinity;
        const [aAt, bAt, oAt] = [3, 2, 4];
        const want = new Float32Array(len + 9).fill(6);
        const got = new Float32Array(len + 9).fill(6);
        for (let i = 0; i < len; i++) {
          const x = pattern === 'bOnly' ? a[aAt]! : a[aAt + i]!;
          const y = pattern === 'aOnly' ? b[bAt]! : b[bAt + i]!;
          want[oAt + i] = f(x, y);
        }
        binaryRunWasm(name, pattern)!(got, oAt, a, aAt, b, bAt, len);
        expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
      });
    }
  }
});
