import { describe, expect, it } from 'vitest';
import { f32, int, ints, runOp, str, values } from './build.js';
import { seededFloats } from '../helpers/seeded.js';

/**
 * conv and conv_transpose in the configurations Apple's conv tests pin
 * (iOS14/test_conv.py), whose expected outputs come from PyTorch: same,
 * same_lower (the PyTorch result on the input, kernel and output all
 * reversed) and valid padding at 1–3 spatial dims; transposed convolution
 * with custom padding, strides, dilations, groups, bias and output_shape.
 * The reference below is the direct sum those PyTorch layers compute.
 */

const F = (shape: number[]) => ({ dtype: 'float32' as const, shape });
const prod = (a: readonly number[]) => a.reduce((p, d) => p * d, 1);
/** Row-major multi-index of `flat` in `shape`. */
const unravel = (flat: number, shape: readonly number[]) => {
  const idx = new Array<number>(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = flat % shape[i]!;
    flat = Math.floor(flat / shape[i]!);
  }
  return idx;
};
const ravel = (idx: readonly number[], shape: readonly number[]) => idx.reduce((o, v, i) => o * shape[i]! + v, 0);

interface Geometry { stride: number[]; dilation: number[]; padBefore: number[]; groups: number }

/** PyTorch Conv: out[n, o, p] = Σ_{c in o's group, k} x[n, c, p·s + k·d − pad] · w[o, c mod group, k]. */
function refConv(x: Float32Array, xs: number[], w: Float32Array, ws: number[], g: Geometry, outSpatial: number[]): number[] {
  const [n, cin] = xs as [number, number];
  const [cout, cinG] = ws as [number, number];
  const kShape = ws.slice(2);
  const out = new Array<number>(n * cout * prod(outSpatial)).fill(0);
  const coutG = cout / g.groups;
  out.forEach((_, flat) => {
    const [b, o, ...p] = unravel(flat, [n, cout, ...outSpatial]);
    const grp = Math.floor(o! / coutG);
    let acc = 0;
    for (let c = 0; c < cinG; c++) {
      for (let kf = 0; kf < prod(kShape); kf++) {
        const k = unravel(kf, kShape);
        const at = p.map((pi, i) => pi * g.stride[i]! + k[i]! * g.dilation[i]! - g.padBefore[i]!);
        if (at.some((a, i) => a < 0 || a >= xs[i + 2]!)) continue;
        acc += x[ravel([b!, grp * cinG + c, ...at], xs)]! * w[ravel([o!, c, ...k], ws)]!;
      }
    }
    out[flat] = acc;
  });
  expect(cin).toBe(cinG * g.groups);
  return out;
}

/** PyTorch ConvTranspose: each x[n, c, i] · w[c, o mod group, k] lands on out[n, o, i·s + k·d − pad]. */
function refConvTranspose(x: Float32Array, xs: number[], w: Float32Array, ws: number[], g: Geometry, outSpatial: number[], bias?: number[]): number[] {
  const [n, cin] = xs as [number, number];
  const coutG = ws[1]!;
  const cout = coutG * g.groups;
  const cinG = cin / g.groups;
  const kShape = ws.slice(2);
  const outShape = [n, cout, ...outSpatial];
  const out = new Array<number>(prod(outShape)).fill(0);
  for (let flat = 0; flat < x.length; flat++) {
    const [b, c, ...i] = unravel(flat, xs);
    const grp = Math.floor(c! / cinG);
    for (let o = 0; o < coutG; o++) {
      for (let kf = 0; kf < prod(kShape); kf++) {
        const k = unravel(kf, kShape);
        const at = i.map((ii, d) => ii * g.stride[d]! + k[d]! * g.dilation[d]! - g.padBefore[d]!);
        if (at.some((a, d) => a < 0 || a >= outSpatial[d]!)) continue;
        out[ravel([b!, grp * coutG + o, ...at], outShape)]! += x[flat]! * w[ravel([c!, o, ...k], ws)]!;
      }
    }
  }
  if (bias) out.forEach((v, flat) => { out[flat] = v + bias[unravel(flat, outShape)[1]!]!; });
  return out;
}

const close = (got: number[], want: number[]) => {
  expect(got.length).toBe(want.length);
  want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 4));
};

describe('conv padding modes on input [1, 1, 4, 5, 6] and kernel [2, 4, 3] (their first n dims)', () => {
  for (const s of [1, 2, 3]) {
    const inSpatial = [4, 5, 6].slice(0, s);
    const kernel = [2, 4, 3].slice(0, s);
    const xs = [1, 1, ...inSpatial];
    const ws = [1, 1, ...kernel];
    const x = seededFloats(prod(xs), 11 + s);
    const w = seededFloats(prod(ws), 23 + s);
    const ones = kernel.map(() => 1);
    it(`${s}-d valid`, () => {
      const outSpatial = inSpatial.map((d, i) => d - kernel[i]! + 1);
      const got = values(runOp('conv', { x: f32(xs, x), weight: f32(ws, w), pad_type: str('valid') }, F([1, 1, ...outSpatial]))[0]!);
      close(got, refConv(x, xs, w, ws, { stride: ones, dilation: ones, padBefore: kernel.map(() => 0), groups: 1 }, outSpatial));
    });
    it(`${s}-d same: an odd total padding puts the extra element after`, () => {
      const got = values(runOp('conv', { x: f32(xs, x), weight: f32(ws, w), pad_type: str('same') }, F(xs))[0]!);
      close(got, refConv(x, xs, w, ws, { stride: ones, dilation: ones, padBefore: kernel.map((k) => Math.floor((k - 1) / 2)), groups: 1 }, inSpatial));
    });
    it(`${s}-d same_lower: the extra element goes before`, () => {
      const got = values(runOp('conv', { x: f32(xs, x), weight: f32(ws, w), pad_type: str('same_lower') }, F(xs), 'CoreML6')[0]!);
      close(got, refConv(x, xs, w, ws, { stride: ones, dilation: ones, padBefore: kernel.map((k) => Math.ceil((k - 1) / 2)), groups: 1 }, inSpatial));
    });
  }
});

describe('conv with custom padding, strides, dilations and groups', () => {
  it('2-d, groups 2, stride 2, dilation 2, asymmetric pads, bias', () => {
    const xs = [1, 4, 7, 6];
    const ws = [6, 2, 3, 2];
    const x = seededFloats(prod(xs), 5);
    const w = seededFloats(prod(ws), 6);
    const bias = [0.5, -1, 2, 0, 0.25, -0.75];
    const [stride, dilation, pad] = [[2, 1], [2, 2], [1, 0, 2, 1]];
    const outSpatial = [Math.floor((7 + 1 + 0 - 2 * 2 - 1) / 2) + 1, Math.floor((6 + 2 + 1 - 2 * 1 - 1) / 1) + 1];
    const got = values(runOp('conv', {
      x: f32(xs, x), weight: f32(ws, w), bias: f32([6], bias), strides: ints(stride), dilations: ints(dilation), pad_type: str('custom'), pad: ints(pad), groups: int(2),
    }, F([1, 6, ...outSpatial]))[0]!);
    const ref = refConv(x, xs, w, ws, { stride, dilation, padBefore: [1, 2], groups: 2 }, outSpatial);
    close(got, ref.map((v, i) => v + bias[Math.floor(i / prod(outSpatial)) % 6]!));
  });
});

describe('conv_transpose configurations of the Apple test (PyTorch ConvTranspose with symmetric padding)', () => {
  const configs = [
    { padding: [1, 2, 3], size: [10, 12, 14], kernel: [3, 2, 4], stride: [2, 1, 1], dilation: [1, 1, 1], bias: false, groups: 1, outputShape: true },
    { padding: [2, 2, 2], size: [10, 12, 14], kernel: [3, 2, 4], stride: [2, 2, 2], dilation: [2, 1, 1], bias: false, groups: 2, outputShape: false },
    { padding: [1, 2, 3], size: [7, 7, 7], kernel: [2, 2, 2], stride: [2, 2, 2], dilation: [2, 1, 1], bias: true, groups: 1, outputShape: false },
    { padding: [2, 2, 2], size: [7, 7, 7], kernel: [2, 2, 2], stride: [2, 1, 1], dilation: [1, 1, 1], bias: true, groups: 2, outputShape: false },
  ];
  configs.forEach((c, n) => {
    for (const s of [1, 2, 3]) {
      it(`config ${n + 1}, ${s}-d`, () => {
        // The test takes H for 1-d, (H, W) for 2-d, (D, H, W) for 3-d; padding/stride/dilation their first n values.
        const pick = <T>(dhw: T[]) => (s === 1 ? [dhw[1]!] : s === 2 ? [dhw[1]!, dhw[2]!] : dhw);
        const size = pick(c.size);
        const kernel = pick(c.kernel);
        const [padding, stride, dilation] = [c.padding.slice(0, s), c.stride.slice(0, s), c.dilation.slice(0, s)];
        const [cin, cout] = [c.groups, 2 * c.groups];
        const xs = [1, cin, ...size];
        const ws = [cin, cout / c.groups, ...kernel];
        const x = seededFloats(prod(xs), 40 + n * 3 + s);
        const w = seededFloats(prod(ws), 60 + n * 3 + s);
        const bias = c.bias ? Array.from(seededFloats(cout, 80 + n)) : undefined;
        const outSpatial = size.map((d, i) => (d - 1) * stride[i]! - 2 * padding[i]! + dilation[i]! * (kernel[i]! - 1) + 1);
        const got = values(runOp('conv_transpose', {
          x: f32(xs, x), weight: f32(ws, w), pad_type: str('custom'), pad: ints(padding.flatMap((p) => [p, p])),
          strides: ints(stride), dilations: ints(dilation), groups: int(c.groups),
          ...(bias ? { bias: f32([cout], bias) } : {}),
          ...(c.outputShape ? { output_shape: ints([1, cout, ...outSpatial]) } : {}),
        }, F([1, cout, ...outSpatial]))[0]!);
        close(got, refConvTranspose(x, xs, w, ws, { stride, dilation, padBefore: padding, groups: c.groups }, outSpatial, bias));
      });
    }
  });
});
