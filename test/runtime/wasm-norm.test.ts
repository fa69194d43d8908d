import { describe, expect, it } from 'vitest';
import { layerNormScalar } from '../../src/runtime/kernels/norm.js';
import { layerNormRowsWasm } from '../../src/runtime/wasm-norm.js';
import { seededFloats } from '../helpers/seeded.js';

/**
 * The WebAssembly layer_norm against the JavaScript loop, bit for bit: rows
 * of transformer width and short ones, values over many binades, a constant
 * row (zero variance), an eps that is not a float32, infinities and NaN.
 */
function check(x: Float32Array, inner: number, eps: number, plain = false): void {
  const gamma = plain ? new Float32Array(inner).fill(1) : seededFloats(inner, 7).map((g) => g * 2);
  const beta = plain ? new Float32Array(inner) : seededFloats(inner, 8);
  const want = new Float32Array(x.length);
  layerNormScalar(x, inner, gamma, beta, eps, want);
  const got = new Float32Array(x.length).fill(3);
  expect(layerNormRowsWasm(x, inner, gamma, beta, eps, got)).toBe(true);
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i])) expect(got[i], `element ${i}`).toBeNaN();
    else expect(Object.is(got[i], want[i]) ? 'same' : `${got[i]} vs ${want[i]}`, `element ${i}`).toBe('same');
  }
}

describe('layerNormRowsWasm', () => {
  it('matches the JavaScript loop bit for bit on transformer-width rows, more than one chunk of them', () => {
    check(seededFloats(768 * 40, 1).map((v, i) => v * 2 ** ((i % 23) - 11)), 768, 1e-5);
  });

  it('matches on short rows, a constant row, an eps that is not a float32, infinities and NaN', () => {
    const x = seededFloats(12 * 9, 2).map((v) => v * 1e3);
    x.fill(0.25, 12, 24);
    x[30] = Infinity;
    x[50] = NaN;
    x[70] = -3e38;
    check(x, 12, 1 / 3);
  });

  it('sums in row order: a row whose double sum rounds differently in another order (γ = 1 and β = 0 keep the difference visible)', () => {
    // 2^53 + 1 rounds back to 2^53 before the 2 is added (sum 2 after −2^53); 2^53 + 2 + 1 rounds up to 2^53 + 4 (sum 4).
    check(Float32Array.from([2 ** 53, 0, 0, 0, 1, 2, 0, 0, -(2 ** 53), 0, 0, 0, 2 ** 53, 0, 0, 0, 2, 1, 0, 0, -(2 ** 53), 0, 0, 0]), 12, 1e-5, true);
  });

  it('leaves rows that are not whole vectors to the JavaScript loop', () => {
    expect(layerNormRowsWasm(new Float32Array(10), 5, new Float32Array(5), new Float32Array(5), 1e-5, new Float32Array(10))).toBe(false);
  });
});
