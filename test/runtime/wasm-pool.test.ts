import { describe, expect, it } from 'vitest';
import { maxPool2dWasm, type PoolGeometry2d } from '../../src/runtime/wasm-pool.js';
import { seededFloats } from '../helpers/seeded.js';

/**
 * The WebAssembly max_pool against the rule the JavaScript reducer applies
 * (rows then columns of the clipped window, a value replacing the running
 * maximum when greater or NaN), bit for bit: strides 1 to 3, padding before
 * and windows running past the end, NaN, −∞, and ties of −0 and +0 (the
 * first one seen is kept).
 */

function reference(x: Float32Array, planes: number, g: PoolGeometry2d): Float32Array {
  const [KH, KW] = g.kernel, [SH, SW] = g.stride, [PH, PW] = g.pad, [IH, IW] = g.inSize, [OH, OW] = g.outSize;
  const out = new Float32Array(planes * OH * OW);
  for (let p = 0, o = 0; p < planes; p++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, o++) {
        let acc = -Infinity;
        for (let h = Math.max(oh * SH - PH, 0); h < Math.min(oh * SH - PH + KH, IH); h++) {
          for (let w = Math.max(ow * SW - PW, 0); w < Math.min(ow * SW - PW + KW, IW); w++) {
            const v = x[(p * IH + h) * IW + w]!;
            acc = v > acc || Number.isNaN(v) ? v : acc;
          }
        }
        out[o] = acc;
      }
    }
  }
  return out;
}

const GEOMETRIES: PoolGeometry2d[] = [
  { kernel: [3, 3], stride: [2, 2], pad: [1, 1], inSize: [112, 112], outSize: [56, 56] },
  { kernel: [2, 2], stride: [2, 2], pad: [0, 0], inSize: [9, 9], outSize: [4, 4] },
  { kernel: [3, 3], stride: [1, 1], pad: [1, 1], inSize: [7, 10], outSize: [7, 10] },
  { kernel: [3, 2], stride: [2, 3], pad: [1, 0], inSize: [8, 13], outSize: [5, 5] },
  { kernel: [1, 5], stride: [1, 2], pad: [0, 2], inSize: [1, 17], outSize: [1, 9] },
];

describe('maxPool2dWasm', () => {
  for (const g of GEOMETRIES) {
    it(`matches the reducer bit for bit: kernel ${g.kernel}, stride ${g.stride}, pad ${g.pad}, input ${g.inSize}`, () => {
      const planes = 3;
      const x = seededFloats(planes * g.inSize[0] * g.inSize[1], g.inSize[1]);
      x[5] = NaN;
      x[40] = -Infinity;
      for (let i = 60; i < x.length; i += 7) x[i] = i % 2 === 0 ? -0 : 0;
      x.fill(-0, 100, 110);
      const want = reference(x, planes, g);
      const got = new Float32Array(want.length).fill(3);
      expect(maxPool2dWasm(x, planes, g, got)).toBe(true);
      for (let i = 0; i < want.length; i++) {
        if (Number.isNaN(want[i])) expect(got[i], `output ${i}`).toBeNaN();
        else expect(Object.is(got[i], want[i]), `output ${i}: ${got[i]} vs ${want[i]}`).toBe(true);
      }
    });
  }
});
