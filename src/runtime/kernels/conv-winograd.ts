import { affineRun, type ChannelAffine } from '../affine.js';
import { gemm, matrix, packConstantA, packingConstantsPerCall } from '../gemm.js';
import { wasmGemmKernel } from '../wasm-gemm.js';
import { inputBand, outputBand } from '../wasm-winograd.js';

/**
 * Winograd F(2×2, 3×3) for float32 3×3, stride-1, undilated 2-D convs with
 * one group. Each 4×4 input tile d (overlapping by 2) becomes Bᵀ·d·B, each
 * 3×3 filter g becomes G·g·Gᵀ, and the 16 positions of the transformed tiles
 * are 16 independent products U[p] (cout × cin) · V[p] (cin × tiles), run by
 * the SIMD GEMM; Aᵀ·M·A turns each 4×4 product tile into a 2×2 output tile.
 * That is 16 multiply-adds per 2×2 outputs and input channel instead of 36.
 * Transforms are computed in double precision and rounded to float32 once.
 * The sums are regrouped, so results differ from the direct conv by float32
 * rounding only (test/runtime/conv-winograd.test.ts bounds the difference).
 */

/** 'auto' picks Winograd where it measured faster; tests and benchmarks force either path. */
export const winogradPolicy: { mode: 'auto' | 'never' | 'always' } = { mode: 'auto' };

/**
 * Below these sizes the direct conv was as fast or faster (measured on the
 * ResNet-50 shapes): the 16 products get too thin for the GEMM's blocking and
 * the transforms stop being negligible next to them.
 */
const MIN_CHANNELS = 64;
const MIN_TILES = 16;

/** A 2-D conv in the shape Winograd handles, with its pads before (top, left) and output size. */
export interface WinogradConv {
  batch: number;
  cin: number;
  cout: number;
  inH: number;
  inW: number;
  padTop: number;
  padLeft: number;
  outH: number;
  outW: number;
}

/** Whether to run a 3×3 stride-1 undilated single-group float32 conv of this shape as Winograd. */
export function prefersWinograd(c: WinogradConv): boolean {
  if (winogradPolicy.mode === 'never' || !wasmGemmKernel()) return false;
  if (winogradPolicy.mode === 'always') return true;
  const tiles = c.batch * Math.ceil(c.outH / 2) * Math.ceil(c.outW / 2);
  return Math.min(c.cin, c.cout) >= MIN_CHANNELS && tiles >= MIN_TILES;
}

/**
 * Transformed filters of constant weights, each position's cout × cin matrix
 * packed for the GEMM, kept as long as the weight array (like gemm's packed
 * panels of the direct conv's weights, which then are never made).
 */
const transformedWeights = new WeakMap<Float32Array, Float32Array[]>();

/**
 * U[p·cout·cin + oc·cin + ic] = (G·g·Gᵀ)[p] for filter g = w[oc, ic], with
 * G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]].
 */
function transformWeights(w: Float32Array, cout: number, cin: number): Float32Array {
  const u = new Float32Array(16 * cout * cin);
  const plane = cout * cin;
  const t = new Float64Array(12);
  for (let f = 0; f < plane; f++) {
    const g = f * 9;
    // t = G·g (4×3).
    for (let j = 0; j < 3; j++) {
      const g0 = w[g + j]!;
      const g1 = w[g + 3 + j]!;
      const g2 = w[g + 6 + j]!;
      t[j] = g0;
      t[3 + j] = (g0 + g1 + g2) / 2;
      t[6 + j] = (g0 - g1 + g2) / 2;
      t[9 + j] = g2;
    }
    // U = t·Gᵀ (4×4).
    for (let i = 0; i < 4; i++) {
      const t0 = t[i * 3]!;
      const t1 = t[i * 3 + 1]!;
      const t2 = t[i * 3 + 2]!;
      const at = i * 4 * plane + f;
      u[at] = t0;
      u[at + plane] = (t0 + t1 + t2) / 2;
      u[at + 2 * plane] = (t0 - t1 + t2) / 2;
      u[at + 3 * plane] = t2;
    }
  }
  return u;
}

/** The 16 positions' cout × cin matrices of the transformed filters, each packed for the GEMM. */
function packWeights(w: Float32Array, cout: number, cin: number): Float32Array[] {
  const u = transformWeights(w, cout, cin);
  return Array.from({ length: 16 }, (_, p) => packConstantA(matrix(u, p * cout * cin, cin), cout, cin));
}

/** packWeights, once per constant weight array (per call in a program run once, as gemm packs its constants then). */
function packedWeights(w: Float32Array, constant: boolean, cout: number, cin: number): Float32Array[] {
  if (!constant || packingConstantsPerCall()) return packWeights(w, cout, cin);
  let packed = transformedWeights.get(w);
  if (!packed) {
    packed = packWeights(w, cout, cin);
    transformedWeights.set(w, packed);
  }
  return packed;
}

/** A band of tile rows [ty0, ty1) of image n: the unit the transforms and the 16 products work on. */
export interface Band {
  n: number;
  ty0: number;
  ty1: number;
  tilesW: number;
}

/**
 * Scratch reused across calls: the transformed input and products of one band
 * (at most about BAND_FLOATS each, see bandRows) and the padded rows of one
 * channel. Fresh arrays of this size cost more in first-touch page faults than
 * the transforms themselves.
 */
const scratch: { v: Float32Array; m: Float32Array; plane: Float32Array; cols: Float64Array } = { v: new Float32Array(0), m: new Float32Array(0), plane: new Float32Array(0), cols: new Float64Array(0) };
const BAND_FLOATS = 1 << 20;

function grown(have: Float32Array, floats: number): Float32Array {
  return have.length >= floats ? have : new Float32Array(floats);
}

/** Tile rows per band: the 16 transformed matrices of a band stay within BAND_FLOATS (at least one row). */
function bandRows(c: WinogradConv, tilesW: number): number {
  return Math.max(1, Math.floor(BAND_FLOATS / (16 * Math.max(c.cin, c.cout) * tilesW)));
}

/**
 * Copies the input rows band b reads (padded rows 2·ty0 … 2·ty1 + 1) of
 * channel ch into `plane`, width 2·tilesW + 2, zeros outside the image.
 */
function fillPlane(x: Float32Array, c: WinogradConv, b: Band, ch: number, plane: Float32Array): void {
  const pw = 2 * b.tilesW + 2;
  const rows = 2 * (b.ty1 - b.ty0) + 2;
  plane.fill(0, 0, rows * pw);
  const src = (b.n * c.cin + ch) * c.inH * c.inW;
  const width = Math.min(c.inW, pw - c.padLeft);
  for (let r = 0; r < rows; r++) {
    const ih = 2 * b.ty0 + r - c.padTop;
    if (ih < 0 || ih >= c.inH) continue;
    const from = src + ih * c.inW;
    plane.set(x.subarray(from, from + width), r * pw + c.padLeft);
  }
}

/**
 * V[p·stride + c·T + t] = (Bᵀ·d·B)[p] for the 4×4 tile d of input channel c
 * at tile t of the band, Bᵀ = [[1, 0, −1, 0], [0, 1, 1, 0], [0, −1, 1, 0],
 * [0, 1, 0, −1]]. Bᵀ·d is computed once per plane column of a tile row
 * (neighbouring tiles share two columns), then ·B per tile.
 */
export function transformInput(x: Float32Array, c: WinogradConv, b: Band, v: Float32Array, stride: number): void {
  const tileRows = b.ty1 - b.ty0;
  const tilesW = b.tilesW;
  const T = tileRows * tilesW;
  const pw = 2 * tilesW + 2;
  if (scratch.plane.length < (2 * tileRows + 2) * pw) scratch.plane = new Float32Array((2 * tileRows + 2) * pw);
  if (scratch.cols.length < 4 * pw) scratch.cols = new Float64Array(4 * pw);
  const { plane, cols } = scratch;
  for (let ch = 0; ch < c.cin; ch++) {
    fillPlane(x, c, b, ch, plane);
    for (let ty = 0; ty < tileRows; ty++) {
      const base = 2 * ty * pw;
      for (let j = 0; j < pw; j++) {
        const r0 = plane[base + j]!;
        const r1 = plane[base + pw + j]!;
        const r2 = plane[base + 2 * pw + j]!;
        const r3 = plane[base + 3 * pw + j]!;
        cols[j] = r0 - r2;
        cols[pw + j] = r1 + r2;
        cols[2 * pw + j] = r2 - r1;
        cols[3 * pw + j] = r1 - r3;
      }
      // Row i of Bᵀ·d gives positions 4i … 4i+3: four sequential streams at a time.
      for (let i = 0; i < 4; i++) {
        const row = i * pw;
        const o0 = ch * T + ty * tilesW + i * 4 * stride;
        const o1 = o0 + stride;
        const o2 = o1 + stride;
        const o3 = o2 + stride;
        for (let tx = 0; tx < tilesW; tx++) {
          const k = row + 2 * tx;
          const d0 = cols[k]!;
          const d1 = cols[k + 1]!;
          const d2 = cols[k + 2]!;
          const d3 = cols[k + 3]!;
          v[o0 + tx] = d0 - d2;
          v[o1 + tx] = d1 + d2;
          v[o2 + tx] = d2 - d1;
          v[o3 + tx] = d1 - d3;
        }
      }
    }
  }
}

/**
 * The band's output rows = Aᵀ·M·A (+ bias) per 2×2 tile, Aᵀ = [[1, 1, 1, 0],
 * [0, 1, −1, −1]], each value rounded to float32 as conv stores it; then the
 * fused affine per channel, as the direct conv applies it when storing a channel.
 */
export function transformOutput(
  m: Float32Array, stride: number, c: WinogradConv, b: Band, bias: Float32Array | undefined, affine: ChannelAffine | undefined, out: Float32Array,
): void {
  const T = (b.ty1 - b.ty0) * b.tilesW;
  const W = c.outW;
  const rowsFrom = 2 * b.ty0;
  const rowsTo = Math.min(c.outH, 2 * b.ty1);
  for (let oc = 0; oc < c.cout; oc++) {
    const bv = bias ? bias[oc]! : 0;
    const plane = (b.n * c.cout + oc) * c.outH * W;
    let at = oc * T;
    for (let oh = rowsFrom; oh < rowsTo; oh += 2) {
      const twoRows = oh + 1 < c.outH;
      for (let ow = 0; ow < W; ow += 2, at++) {
        const m0 = m[at]! + m[at + 4 * stride]! + m[at + 8 * stride]!;
        const m1 = m[at + stride]! + m[at + 5 * stride]! + m[at + 9 * stride]!;
        const m2 = m[at + 2 * stride]! + m[at + 6 * stride]! + m[at + 10 * stride]!;
        const m3 = m[at + 3 * stride]! + m[at + 7 * stride]! + m[at + 11 * stride]!;
        const o = plane + oh * W + ow;
        out[o] = m0 + m1 + m2 + bv;
        const twoCols = ow + 1 < W;
        if (twoCols) out[o + 1] = m1 - m2 - m3 + bv;
        if (!twoRows) continue;
        const n0 = m[at + 4 * stride]! - m[at + 8 * stride]! - m[at + 12 * stride]!;
        const n1 = m[at + 5 * stride]! - m[at + 9 * stride]! - m[at + 13 * stride]!;
        const n2 = m[at + 6 * stride]! - m[at + 10 * stride]! - m[at + 14 * stride]!;
        const n3 = m[at + 7 * stride]! - m[at + 11 * stride]! - m[at + 15 * stride]!;
        out[o + W] = n0 + n1 + n2 + bv;
        if (twoCols) out[o + W + 1] = n1 - n2 - n3 + bv;
      }
    }
    if (affine) {
      const from = plane + rowsFrom * W;
      affineRun(out, from, plane + rowsTo * W, out, from, affine.scale[oc]!, affine.shift[oc]!, affine.relu);
    }
  }
}

/**
 * V of a band: in WebAssembly memory by the SIMD transform (wasm-winograd.ts,
 * the same values), or by transformInput into scratch where it is unavailable.
 */
export function transformedInput(x: Float32Array, c: WinogradConv, b: Band): { v: Float32Array; vStride: number } {
  const T = (b.ty1 - b.ty0) * b.tilesW;
  // The SIMD transform writes tiles in pairs: one float past a row's last tile.
  const vStride = positionStride(c.cin * T + 1);
  const band = inputBand({ channels: c.cin, tileRows: b.ty1 - b.ty0, tilesW: b.tilesW, T, vStride });
  if (!band) {
    scratch.v = grown(scratch.v, 16 * vStride);
    transformInput(x, c, b, scratch.v, vStride);
    return { v: scratch.v, vStride };
  }
  const planeFloats = (2 * (b.ty1 - b.ty0) + 2) * (2 * b.tilesW + 2);
  for (let ch = 0; ch < c.cin; ch++) fillPlane(x, c, b, ch, band.planes.subarray(ch * planeFloats, (ch + 1) * planeFloats));
  band.run();
  return { v: band.v, vStride };
}

/** The band's output rows from outputBand's `rows` (rowFloats apart, 2·tileRows per channel) into out. */
export function copyBandRows(rows: Float32Array, rowFloats: number, c: WinogradConv, b: Band, out: Float32Array): void {
  const W = c.outW;
  const rowsFrom = 2 * b.ty0;
  const rowsTo = Math.min(c.outH, 2 * b.ty1);
  const perChannel = 2 * (b.ty1 - b.ty0) * rowFloats;
  for (let oc = 0; oc < c.cout; oc++) {
    const plane = (b.n * c.cout + oc) * c.outH * W;
    if (rowFloats === W) {
      out.set(rows.subarray(oc * perChannel, oc * perChannel + (rowsTo - rowsFrom) * W), plane + rowsFrom * W);
      continue;
    }
    for (let oh = rowsFrom; oh < rowsTo; oh++) {
      const from = oc * perChannel + (oh - rowsFrom) * rowFloats;
      out.set(rows.subarray(from, from + W), plane + oh * W);
    }
  }
}

/**
 * Floats between the 16 positions' matrices: at least `floats`, and an odd
 * number of 64-byte lines, so the 16 streams a tile transform reads or writes
 * fall in different cache sets (a multiple of 4 KB, e.g. 64 channels × 784
 * tiles, made them evict each other).
 */
function positionStride(floats: number): number {
  const lines = Math.ceil(floats / 16);
  return (lines % 2 === 0 ? lines + 1 : lines) * 16;
}

/**
 * The conv of `c` with 3×3 filters w [cout, cin, 3, 3] (+ bias, then the fused
 * per-channel affine) into out [batch, cout, outH, outW], every element written.
 * `weightIsConstant` lets the transformed, packed filters be cached with the weight.
 */
export function winogradConv(
  x: Float32Array, w: Float32Array, weightIsConstant: boolean, c: WinogradConv,
  bias: Float32Array | undefined, affine: ChannelAffine | undefined, out: Float32Array,
): void {
  const tilesH = Math.ceil(c.outH / 2);
  const tilesW = Math.ceil(c.outW / 2);
  const packed = packedWeights(w, weightIsConstant, c.cout, c.cin);
  // The GEMM reads A from its packed form only.
  const unread = matrix(new Float32Array(0), 0, c.cin);
  const rows = bandRows(c, tilesW);
  for (let n = 0; n < c.batch; n++) {
    for (let ty0 = 0; ty0 < tilesH; ty0 += rows) {
      const band: Band = { n, ty0, ty1: Math.min(tilesH, ty0 + rows), tilesW };
      const T = (band.ty1 - ty0) * tilesW;
      const { v, vStride } = transformedInput(x, c, band);
      // The SIMD output transform reads tiles in pairs: one past a row's last tile.
      const mStride = positionStride(c.cout * T + 2);
      const output = outputBand({ channels: c.cout, tileRows: band.ty1 - ty0, tilesW, T, mStride, bias, affine });
      if (!output) scratch.m = grown(scratch.m, 16 * mStride);
      const m = output ? output.m : scratch.m;
      for (let p = 0; p < 16; p++) {
        gemm(c.cout, T, c.cin, unread, matrix(v, p * vStride, T), m, p * mStride, T, { packedA: packed[p]!, constantA: weightIsConstant });
      }
      if (output) {
        output.run();
        copyBandRows(output.rows, output.rowFloats, c, band, out);
      } else {
        transformOutput(m, mStride, c, band, bias, affine, out);
      }
    }
  }
}
