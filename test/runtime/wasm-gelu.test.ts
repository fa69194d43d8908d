import { describe, expect, it } from 'vitest';
import { erfGeluScalar } from '../../src/runtime/kernels/elementwise.js';
import { erfGeluWasm } from '../../src/runtime/wasm-gelu.js';

/**
 * The WebAssembly erf GELU against the JavaScript loop it replaces, bit for
 * bit, over float32 bit patterns spread across the whole range (every STEP-th
 * pattern: both signs, denormals, the three erf branches and their borders,
 * infinities, NaNs) and with the constants exporters write and odd ones.
 */

const STEP = 4099;

function patterns(): Float32Array {
  const bits = new Uint32Array(Math.floor(2 ** 32 / STEP) + 1);
  for (let i = 0; i < bits.length; i++) bits[i] = i * STEP;
  return new Float32Array(bits.buffer);
}

/** Inputs on and around the series / A–S / saturation borders of erf(x / c1), and zeros of both signs. */
function borders(c1: number): Float32Array {
  const out: number[] = [0, -0];
  for (const edge of [0.5, 4]) {
    for (const sign of [1, -1]) {
      let v = Math.fround(sign * edge * c1);
      for (let k = 0; k < 40; k++) v = nextFloat(v, -sign);
      for (let k = 0; k < 80; k++, v = nextFloat(v, sign)) out.push(v);
    }
  }
  return Float32Array.from(out);
}

function nextFloat(v: number, direction: number): number {
  const f = new Float32Array([v]);
  const i = new Int32Array(f.buffer);
  i[0]! += (v > 0) === (direction > 0) ? 1 : -1;
  return f[0]!;
}

function sameBits(a: Float32Array, b: Float32Array): { same: boolean; at: number } {
  const ia = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ib = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < a.length; i++) {
    if (ia[i] === ib[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i]))) continue;
    return { same: false, at: i };
  }
  return { same: true, at: -1 };
}

describe('erfGeluWasm', () => {
  for (const [c1, c2, c3] of [[Math.SQRT2, 1, 0.5], [0.75, -0.25, 3]] as const) {
    it(`matches the JavaScript loop bit for bit over a million float32 patterns (c = ${c1.toFixed(3)}, ${c2}, ${c3})`, () => {
      for (const x of [patterns(), borders(Math.fround(c1))]) {
        const want = new Float32Array(x.length);
        const got = new Float32Array(x.length);
        erfGeluScalar(x, Math.fround(c1), c2, c3, want);
        expect(erfGeluWasm(x, Math.fround(c1), c2, c3, got)).toBe(true);
        const { same, at } = sameBits(got, want);
        expect(same, `x = ${x[at]}: ${got[at]} vs ${want[at]}`).toBe(true);
      }
    });
  }

  it('handles lengths that are not a multiple of the vector width or of its chunk', () => {
    for (const n of [1, 3, 5, 16387]) {
      const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) * 5);
      const want = new Float32Array(n);
      const got = new Float32Array(n).fill(7);
      erfGeluScalar(x, Math.fround(Math.SQRT2), 1, 0.5, want);
      erfGeluWasm(x, Math.fround(Math.SQRT2), 1, 0.5, got);
      expect(sameBits(got, want).same).toBe(true);
    }
  });
});
