import { describe, expect, it } from 'vitest';
import { copyBandRows, transformedInput, transformInput, transformOutput, type Band, type WinogradConv } from '../../src/runtime/kernels/conv-winograd.js';
import { outputBand } from '../../src/runtime/wasm-winograd.js';
import { seededFloats } from '../helpers/seeded.js';

/**
 * Winograd's input and output transforms in WebAssembly SIMD against the
 * JavaScript ones, bit for bit, on every float of V and of the output: bands with odd and even tile
 * counts (a pair's second tile past the row's end), odd output sizes,
 * one-sided and no padding, a band starting below the image top, and values
 * spanning many binades (sums in double, rounded once).
 */

const CASES: (WinogradConv & { band: [number, number] })[] = [
  { batch: 1, cin: 3, cout: 4, inH: 14, inW: 14, padTop: 1, padLeft: 1, outH: 14, outW: 14, band: [0, 7] },
  { batch: 1, cin: 5, cout: 4, inH: 7, inW: 7, padTop: 1, padLeft: 1, outH: 7, outW: 7, band: [0, 4] },
  { batch: 2, cin: 2, cout: 4, inH: 11, inW: 9, padTop: 0, padLeft: 1, outH: 9, outW: 8, band: [2, 5] },
  { batch: 1, cin: 4, cout: 4, inH: 56, inW: 56, padTop: 1, padLeft: 1, outH: 56, outW: 56, band: [10, 17] },
];

describe('the Winograd input transform in WebAssembly', () => {
  for (const { band: [ty0, ty1], ...c } of CASES) {
    it(`matches the JavaScript transform bit for bit: ${c.cin} channels of ${c.inH}×${c.inW}, tile rows ${ty0}…${ty1}`, () => {
      const x = seededFloats(c.batch * c.cin * c.inH * c.inW, c.inW).map((v, i) => v * 2 ** ((i % 41) - 20));
      const tilesW = Math.ceil(c.outW / 2);
      const b: Band = { n: c.batch - 1, ty0, ty1, tilesW };
      const T = (ty1 - ty0) * tilesW;
      const { v, vStride } = transformedInput(x, c, b);
      const want = new Float32Array(16 * vStride);
      transformInput(x, c, b, want, vStride);
      for (let p = 0; p < 16; p++) {
        const got = v.slice(p * vStride, p * vStride + c.cin * T);
        const expected = want.slice(p * vStride, p * vStride + c.cin * T);
        expect(Buffer.from(got.buffer).equals(Buffer.from(expected.buffer)), `position ${p}`).toBe(true);
      }
    });
  }
});

describe('the Winograd output transform in WebAssembly', () => {
  const affineCases = [
    { name: 'bias only', bias: true, affine: false, relu: false },
    { name: 'no bias, the affine map', bias: false, affine: true, relu: false },
    { name: 'bias, the affine map and relu (NaN and −0 to +0)', bias: true, affine: true, relu: true },
  ];
  for (const { band: [ty0, ty1], ...c } of CASES) {
    for (const k of affineCases) {
      it(`matches the JavaScript transform bit for bit: ${c.cout} channels of ${c.outH}×${c.outW}, tile rows ${ty0}…${ty1}, ${k.name}`, () => {
        const tilesW = Math.ceil(c.outW / 2);
        const b: Band = { n: c.batch - 1, ty0, ty1, tilesW };
        const T = (ty1 - ty0) * tilesW;
        const mStride = c.cout * T + 5;
        const bias = k.bias ? seededFloats(c.cout, 3) : undefined;
        const affine = k.affine
          ? { scale: Float64Array.from(seededFloats(c.cout, 4), (s, i) => (i === 0 ? NaN : i === 1 ? 0 : s * 3)), shift: Float64Array.from(seededFloats(c.cout, 5), (s, i) => (i === 1 ? -0 : s)), relu: k.relu }
          : undefined;
        const output = outputBand({ channels: c.cout, tileRows: ty1 - ty0, tilesW, T, mStride, bias, affine })!;
        const m = seededFloats(16 * mStride, T).map((v, i) => v * 2 ** ((i % 37) - 18));
        output.m.set(m);
        output.run();
        const size = c.batch * c.cout * c.outH * c.outW;
        const got = new Float32Array(size).fill(7);
        copyBandRows(output.rows, output.rowFloats, c, b, got);
        const want = new Float32Array(size).fill(7);
        transformOutput(m, mStride, c, b, bias, affine, want);
        expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
      });
    }
  }
});
