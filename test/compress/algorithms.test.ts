import { describe, expect, it } from 'vitest';
import { dequantizeLinear, quantizeBlockwise, quantizeLinear } from '../../src/compress/quantize.js';
import { depalettize, palettize } from '../../src/compress/palettize.js';
import { pruneByMagnitude, unprune } from '../../src/compress/prune.js';

function seededNormal(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
  return out;
}

function snrDb(ref: Float32Array, approx: Float32Array): number {
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < ref.length; i++) {
    signal += ref[i]! * ref[i]!;
    noise += (ref[i]! - approx[i]!) ** 2;
  }
  return 10 * Math.log10(signal / noise);
}

describe('linear quantization', () => {
  const w = seededNormal(64 * 128, 1);

  it('int8 per-channel symmetric keeps zero points at 0 and reaches high SNR', () => {
    const q = quantizeLinear(w, [64, 128], { dtype: 'int8', symmetric: true, perChannel: true });
    expect(q.groups).toBe(64);
    expect([...q.zeroPoint].every((z) => z === 0)).toBe(true);
    expect(snrDb(w, dequantizeLinear(q))).toBeGreaterThan(38);
  });

  it('uint8 asymmetric maps the range onto 0..255', () => {
    const q = quantizeLinear(w, [64, 128], { dtype: 'uint8', symmetric: false, perChannel: false });
    expect(q.groups).toBe(1);
    expect(Math.max(...q.data)).toBeLessThanOrEqual(255);
    expect(snrDb(w, dequantizeLinear(q))).toBeGreaterThan(35);
  });

  it('per-channel beats per-tensor when channel scales differ', () => {
    const scaled = w.map((v, i) => v * (1 + Math.floor(i / 128)));
    const perTensor = quantizeLinear(scaled, [64, 128], { dtype: 'int8', symmetric: true, perChannel: false });
    const perChannel = quantizeLinear(scaled, [64, 128], { dtype: 'int8', symmetric: true, perChannel: true });
    expect(snrDb(scaled, dequantizeLinear(perChannel))).toBeGreaterThan(snrDb(scaled, dequantizeLinear(perTensor)) + 3);
  });

  it('is never worse than plain max-abs scaling', () => {
    const q = quantizeLinear(w, [64, 128], { dtype: 'int4', symmetric: true, perChannel: true });
    const plain = new Float32Array(w.length);
    for (let c = 0; c < 64; c++) {
      const row = w.subarray(c * 128, (c + 1) * 128);
      const s = Math.max(...row.map(Math.abs)) / 7;
      row.forEach((v, i) => (plain[c * 128 + i] = Math.max(-8, Math.min(7, Math.round(v / s))) * s));
    }
    expect(snrDb(w, dequantizeLinear(q))).toBeGreaterThanOrEqual(snrDb(w, plain));
  });

  it('blockwise int4 gives one scale per output channel and block', () => {
    const b = quantizeBlockwise(w, [64, 128], 'int4', 32);
    expect(b.scaleShape).toEqual([64, 4]);
    expect(b.scale.length).toBe(256);
    expect(Math.min(...b.data)).toBeGreaterThanOrEqual(-8);
    expect(Math.max(...b.data)).toBeLessThanOrEqual(7);
  });
});

describe('palettization', () => {
  const w = seededNormal(32 * 3 * 3 * 16, 7);

  it('4-bit palette has 16 ascending entries and indices below 16', () => {
    const p = palettize(w, [32, 16, 3, 3], { nbits: 4 });
    expect(p.lut.length).toBe(16);
    for (let i = 1; i < 16; i++) expect(p.lut[i]!).toBeGreaterThanOrEqual(p.lut[i - 1]!);
    expect(Math.max(...p.indices)).toBeLessThan(16);
    expect(snrDb(w, depalettize(p))).toBeGreaterThan(18);
  });

  it('more bits give higher fidelity', () => {
    const snrs = ([2, 4, 6, 8] as const).map((nbits) => snrDb(w, depalettize(palettize(w, [32, 144], { nbits }))));
    for (let i = 1; i < snrs.length; i++) expect(snrs[i]!).toBeGreaterThan(snrs[i - 1]!);
  });

  it('is deterministic', () => {
    const a = palettize(w, [32, 144], { nbits: 3 });
    const b = palettize(w, [32, 144], { nbits: 3 });
    expect(a.lut).toEqual(b.lut);
    expect(a.indices).toEqual(b.indices);
  });

  it('a tensor with few distinct values is represented exactly', () => {
    const few = Float32Array.from({ length: 1000 }, (_, i) => [0.5, -1.25, 2][i % 3]!);
    expect(depalettize(palettize(few, [1000], { nbits: 2 }))).toEqual(few);
  });

  it('grouped channels get one table per group', () => {
    const p = palettize(w, [32, 144], { nbits: 2, channelGroupSize: 8 });
    expect(p.groups).toBe(4);
    expect(p.lut.length).toBe(16);
  });
});

describe('magnitude pruning', () => {
  it('zeroes exactly the requested fraction, smallest magnitudes first', () => {
    const w = seededNormal(1000, 3);
    const p = pruneByMagnitude(w, 0.5);
    expect(p.nonzero.length).toBe(500);
    const dense = unprune(p);
    const keptMin = Math.min(...p.nonzero.map(Math.abs));
    for (let i = 0; i < w.length; i++) if (dense[i] === 0) expect(Math.abs(w[i]!)).toBeLessThanOrEqual(keptMin);
  });

  it('rejects a sparsity outside [0, 1)', () => {
    expect(() => pruneByMagnitude(new Float32Array(4), 1)).toThrow(RangeError);
  });
});
