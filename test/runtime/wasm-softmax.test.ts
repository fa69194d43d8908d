import { describe, expect, it } from 'vitest';
import { softmaxScalar } from '../../src/runtime/kernels/activation.js';
import { softmaxRowsWasm } from '../../src/runtime/wasm-softmax.js';

/**
 * The WebAssembly softmax against the JavaScript loop it replaces, bit for
 * bit: rows of attention-like logits at lengths around the vector width,
 * rows with tails far below their maximum (e^(x − max) underflowing to 0 and
 * to float32 denormals), −∞ (masked) entries, a NaN, infinities.
 */

function noise(n: number, seed: number, scale: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return (s / 2 ** 31 - 0.5) * scale;
  });
}

function expectSameBits(got: Float32Array, want: Float32Array): void {
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i])) expect(got[i], `element ${i}`).toBeNaN();
    else expect(Object.is(got[i], want[i]) ? 'same' : `${got[i]} vs ${want[i]}`, `element ${i}`).toBe('same');
  }
}

function check(x: Float32Array, n: number): void {
  const want = new Float32Array(x.length);
  const got = new Float32Array(x.length).fill(9);
  softmaxScalar(x, n, 1, want);
  expect(softmaxRowsWasm(x, n, got)).toBe(true);
  expectSameBits(got, want);
}

describe('softmaxRowsWasm', () => {
  it('matches the JavaScript loop bit for bit on rows of every length from 8 to 40 and attention-sized rows', () => {
    for (let n = 8; n <= 40; n++) check(noise(n * 7, n, 12), n);
    check(noise(197 * 300, 5, 20), 197);
  });

  it('matches where e^(x − max) underflows, on masked (−∞) entries, infinities and NaN', () => {
    const n = 13;
    const x = noise(n * 40, 3, 400);
    x[5] = -Infinity;
    x[n + 2] = Infinity;
    x[2 * n + 7] = NaN;
    x.fill(-Infinity, 3 * n, 4 * n);
    x[5 * n + 1] = 1e30;
    x[6 * n] = -3e38;
    check(x, n);
  });

  it('handles more rows than fit one chunk of WebAssembly memory', () => {
    check(noise(1000 * 197, 9, 8), 197);
  });
});
