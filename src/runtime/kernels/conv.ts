import type { KernelTable, OpContext } from '../kernel.js';
import { affineRun, type ChannelAffine } from '../affine.js';
import { gemm, gemmPacked, INDEX_TABLE_FLOATS, matrix, paddedColumns, type ColumnRuns, type GemmOptions, type PackB } from '../gemm.js';
import { makeFloat, makeFloatToOverwrite, type RtFloatValue, type RtValue } from '../value.js';
import { prefersWinograd, winogradConv, type WinogradConv } from './conv-winograd.js';
import { lift, resolvePads, spatialParam, spatialRank, type Triple } from './window.js';

/**
 * conv and conv_transpose over 1–3 spatial dims. Spatial dims are lifted to
 * three (leading 1s) so one code path serves all ranks. conv runs as
 * im2col + GEMM (or straight GEMM for unpadded stride-1 1×1 convs); depthwise-like
 * convs with few output channels per group run as a direct loop; float32 3×3
 * stride-1 convs with enough channels run as Winograd (conv-winograd.ts).
 */

interface Geometry {
  /** Input spatial size, kernel, stride, dilation, pad before/after, output size; each as depth, height, width. */
  inSize: Triple;
  kernel: Triple;
  stride: Triple;
  dilation: Triple;
  padBefore: Triple;
  padAfter: Triple;
  outSize: Triple;
}

/** The spatial parameters conv and conv_transpose read the same way. */
interface SpatialParams {
  /** Number of spatial dims (1–3). */
  s: number;
  inSize: number[];
  kernel: number[];
  stride: number[];
  dilation: number[];
}

function spatialParams(ctx: OpContext, s: number, x: RtFloatValue, w: RtFloatValue): SpatialParams {
  return {
    s, inSize: x.shape.slice(2), kernel: w.shape.slice(2),
    stride: spatialParam(ctx, 'strides', s, 1), dilation: spatialParam(ctx, 'dilations', s, 1),
  };
}

function liftGeometry(p: SpatialParams, before: readonly number[], after: readonly number[], outSize: readonly number[]): Geometry {
  return {
    inSize: lift(p.inSize, 1), kernel: lift(p.kernel, 1), stride: lift(p.stride, 1), dilation: lift(p.dilation, 1),
    padBefore: lift(before, 0), padAfter: lift(after, 0), outSize: lift(outSize, 1),
  };
}

function convGeometry(ctx: OpContext, x: RtFloatValue, w: RtFloatValue): Geometry {
  const s = spatialRank(ctx, x);
  if (w.shape.length !== s + 2) ctx.fail(`weight rank ${w.shape.length} does not match x rank ${x.shape.length}`);
  const p = spatialParams(ctx, s, x, w);
  const { inSize, kernel, stride, dilation } = p;
  const pads = resolvePads(ctx, ctx.str('pad_type', 'valid'), inSize, kernel, stride, dilation);
  const outSize = inSize.map((d, i) => Math.floor((d + pads.before[i]! + pads.after[i]! - (kernel[i]! - 1) * dilation[i]! - 1) / stride[i]!) + 1);
  if (outSize.some((d) => d <= 0)) ctx.fail(`kernel [${kernel.join(',')}] does not fit input [${inSize.join(',')}]`);
  return liftGeometry(p, pads.before, pads.after, outSize);
}

function volume([d, h, w]: Triple): number {
  return d * h * w;
}

/** First and one-past-last output index o with 0 ≤ o·stride − pad + offset < size. */
function validRange(outLen: number, stride: number, pad: number, offset: number, size: number): [number, number] {
  const lo = Math.max(0, Math.ceil((pad - offset) / stride));
  const hi = Math.min(outLen, Math.floor((size - 1 + pad - offset) / stride) + 1);
  return [lo, Math.max(lo, hi)];
}

/**
 * Writes rows [k0, k0+kc) of one image's unfolded matrix, row k = (channel,
 * kd, kh, kw) and column p = output position, to dst with row k at
 * at + (k−k0)·rowStride. Every element of a row's outVol columns is written
 * (zeros where the window lies in the padding).
 */
function unfoldRows(src: Float32Array, srcOffset: number, g: Geometry, k0: number, kc: number, dst: Float32Array, at: number, rowStride: number): void {
  const [ID, IH, IW] = g.inSize;
  const [KD, KH, KW] = g.kernel;
  const [OD, OH, OW] = g.outSize;
  const [sd, sh, sw] = g.stride;
  const [dd, dh, dw] = g.dilation;
  const [pd, ph, pw] = g.padBefore;
  for (let row = k0; row < k0 + kc; row++) {
    const kw = row % KW;
    const kh = Math.floor(row / KW) % KH;
    const kd = Math.floor(row / (KW * KH)) % KD;
    const c = Math.floor(row / (KW * KH * KD));
    const cBase = srcOffset + c * ID * IH * IW;
    const rowAt = at + (row - k0) * rowStride;
    const [owLo, owHi] = validRange(OW, sw, pw, kw * dw, IW);
    for (let od = 0; od < OD; od++) {
      const id = od * sd - pd + kd * dd;
      for (let oh = 0; oh < OH; oh++) {
        const ih = oh * sh - ph + kh * dh;
        const o = rowAt + (od * OH + oh) * OW;
        if (id < 0 || id >= ID || ih < 0 || ih >= IH) {
          dst.fill(0, o, o + OW);
          continue;
        }
        const inRow = cBase + (id * IH + ih) * IW - pw + kw * dw;
        for (let ow = 0; ow < owLo; ow++) dst[o + ow] = 0;
        if (sw === 1) for (let ow = owLo; ow < owHi; ow++) dst[o + ow] = src[inRow + ow]!;
        else for (let ow = owLo; ow < owHi; ow++) dst[o + ow] = src[inRow + ow * sw]!;
        for (let ow = owHi; ow < OW; ow++) dst[o + ow] = 0;
      }
    }
  }
}

/** Unfolds `channels` channels of one image, starting at `srcOffset`, into col[(c·kvol + kidx), outVol]. */
function im2col(src: Float32Array, srcOffset: number, channels: number, g: Geometry, col: Float32Array): void {
  const outVol = volume(g.outSize);
  unfoldRows(src, srcOffset, g, 0, channels * volume(g.kernel), col, 0, outVol);
}

/** A scratch buffer allocated only if some path needs it. */
class LazyBuffer {
  private buffer: Float32Array | undefined;
  constructor(private readonly size: number) {}
  get(): Float32Array {
    this.buffer ??= new Float32Array(this.size);
    return this.buffer;
  }
}

/** im2col written straight into the GEMM's row layout in wasm memory, a K panel at a time. */
function im2colPacker(src: Float32Array, srcOffset: number, g: Geometry): PackB {
  return {
    layout: 'rows',
    write: (mem, at, k0, kc, n) => {
      const nPad = paddedColumns(n);
      unfoldRows(src, srcOffset, g, k0, kc, mem, at, nPad);
      if (nPad > n) for (let k = 0; k < kc; k++) mem.fill(0, at + k * nPad + n, at + (k + 1) * nPad);
    },
  };
}

/**
 * A stride-1, undilated 2-D conv needs no im2col: over the input padded to
 * Hp × Wp, row (c, kh, kw) of the unfolded matrix is the padded channel c
 * read from offset kh·Wp + kw, if output (oh, ow) is taken as column
 * oh·Wp + ow. The GEMM then computes Wp − OW padding columns per output row,
 * which are not stored.
 */
function readsShiftedWindows(g: Geometry): boolean {
  return readsPhaseWindows(g) && g.stride.every((s) => s === 1);
}

/**
 * Strided convs read shifted windows too once the padded image is split into
 * phases (row mod stride, column mod stride): row (c, kh, kw) is phase
 * (kh mod sh, kw mod sw) of channel c read from offset ⌊kh/sh⌋·Wq + ⌊kw/sw⌋,
 * Wq the phase planes' width, output (oh, ow) being column oh·Wq + ow. The
 * products and their order are im2col's, so the values are the same.
 */
function readsPhaseWindows(g: Geometry): boolean {
  return g.kernel[0] === 1 && g.inSize[0] === 1 && g.padBefore[0] === 0 && g.padAfter[0] === 0 && g.dilation.every((d) => d === 1);
}

/** The padded image of `channels` channels split into phases, and each K panel's row offsets into it (see readsPhaseWindows). */
function shiftedWindowPacker(src: Float32Array, srcOffset: number, channels: number, g: Geometry): { packB: PackB; n: number; runs: ColumnRuns } {
  const [, IH, IW] = g.inSize;
  const [, KH, KW] = g.kernel;
  const [, sh, sw] = g.stride;
  const [, ph, pw] = g.padBefore;
  const Hq = Math.ceil((IH + ph + g.padAfter[1]) / sh);
  const Wq = Math.ceil((IW + pw + g.padAfter[2]) / sw);
  const plane = Hq * Wq;
  const phases = sh * sw;
  // The last strip reads up to a row and a window past the last plane.
  const dataFloats = channels * phases * plane + Wq + KW + 8;
  const write = (mem: Float32Array, at: number, k0: number, kc: number): void => {
    const data = at + INDEX_TABLE_FLOATS;
    if (k0 === 0) {
      mem.fill(0, data, data + dataFloats);
      for (let c = 0; c < channels; c++) {
        for (let ih = 0; ih < IH; ih++) {
          const from = srcOffset + (c * IH + ih) * IW;
          const Y = ih + ph;
          // Phases no window row reads (a kernel shorter than its stride) are left out.
          if (Y % sh >= KH) continue;
          const rowAt = data + (c * phases + (Y % sh) * sw) * plane + Math.floor(Y / sh) * Wq;
          if (sw === 1) {
            mem.set(src.subarray(from, from + IW), rowAt + pw);
            continue;
          }
          // Padded column X = iw + pw goes to phase X mod sw, column ⌊X / sw⌋; phases no window column reads are left out.
          for (let phase = 0; phase < Math.min(sw, KW); phase++) {
            const first = (((phase - pw) % sw) + sw) % sw;
            let to = rowAt + phase * plane + (first + pw - phase) / sw;
            for (let iw = first; iw < IW; iw += sw) mem[to++] = src[from + iw]!;
          }
        }
      }
    }
    const table = new Int32Array(mem.buffer, mem.byteOffset + at * 4, kc);
    for (let k = 0; k < kc; k++) {
      const row = k0 + k;
      const kw = row % KW;
      const kh = Math.floor(row / KW) % KH;
      const c = Math.floor(row / (KW * KH));
      table[k] = ((c * phases + (kh % sh) * sw + (kw % sw)) * plane + Math.floor(kh / sh) * Wq + Math.floor(kw / sw)) * 4;
    }
  };
  const [, OH, OW] = g.outSize;
  return { packB: { layout: 'indexed', dataFloats, write }, n: OH * Wq, runs: { runs: OH, stride: Wq, width: OW } };
}

/** conv of one image group as a GEMM whose B is read from the image in wasm memory; false when the SIMD kernel is unavailable. */
function convPacked(
  coutG: number, kRows: number, weights: ReturnType<typeof matrix>, src: Float32Array, srcOffset: number, cinG: number, g: Geometry,
  out: Float32Array, outOffset: number, options: Omit<GemmOptions, 'accumulate'>,
): boolean {
  const outVol = volume(g.outSize);
  if (readsPhaseWindows(g)) {
    const { packB, n, runs } = shiftedWindowPacker(src, srcOffset, cinG, g);
    return gemmPacked(coutG, n, kRows, weights, packB, out, outOffset, outVol, { ...options, columnRuns: runs });
  }
  return gemmPacked(coutG, outVol, kRows, weights, im2colPacker(src, srcOffset, g), out, outOffset, outVol, options);
}

/** Direct convolution of one input channel into one output channel (depthwise shape). */
function directChannel(
  src: Float32Array, srcOffset: number, w: Float32Array, wOffset: number, g: Geometry, out: Float32Array, outOffset: number,
): void {
  const [ID, IH, IW] = g.inSize;
  const [KD, KH, KW] = g.kernel;
  const [OD, OH, OW] = g.outSize;
  const [sd, sh, sw] = g.stride;
  const [dd, dh, dw] = g.dilation;
  const [pd, ph, pw] = g.padBefore;
  for (let kd = 0; kd < KD; kd++) {
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const wv = w[wOffset + (kd * KH + kh) * KW + kw]!;
        const [owLo, owHi] = validRange(OW, sw, pw, kw * dw, IW);
        for (let od = 0; od < OD; od++) {
          const id = od * sd - pd + kd * dd;
          if (id < 0 || id >= ID) continue;
          for (let oh = 0; oh < OH; oh++) {
            const ih = oh * sh - ph + kh * dh;
            if (ih < 0 || ih >= IH) continue;
            const inRow = srcOffset + (id * IH + ih) * IW - pw + kw * dw;
            const o = outOffset + (od * OH + oh) * OW;
            for (let ow = owLo; ow < owHi; ow++) out[o + ow]! += wv * src[inRow + ow * sw]!;
          }
        }
      }
    }
  }
}

function addBias(out: Float32Array, bias: Float32Array | undefined, batches: number, channels: number, vol: number): void {
  if (!bias) return;
  for (let n = 0; n < batches; n++) {
    for (let c = 0; c < channels; c++) {
      const b = bias[c]!;
      const start = (n * channels + c) * vol;
      for (let i = start; i < start + vol; i++) out[i]! += b;
    }
  }
}

/** The conv as Winograd sees it, when it is a float32 3×3 stride-1 undilated 2-D conv with one group. */
function winogradShape(g: Geometry, x: RtFloatValue, cout: number, groups: number): WinogradConv | undefined {
  if (groups !== 1 || x.dtype !== 'float32' || !readsShiftedWindows(g) || g.kernel[1] !== 3 || g.kernel[2] !== 3) return undefined;
  const [batch, cin] = x.shape as [number, number];
  return {
    batch, cin, cout, inH: g.inSize[1], inW: g.inSize[2], padTop: g.padBefore[1], padLeft: g.padBefore[2], outH: g.outSize[1], outW: g.outSize[2],
  };
}

function isPointwise(g: Geometry): boolean {
  return [0, 1, 2].every((i) => g.kernel[i] === 1 && g.stride[i] === 1 && g.padBefore[i] === 0 && g.padAfter[i] === 0);
}

function conv(ctx: OpContext): RtValue[] {
  return [convThenNorm(ctx)];
}

/** The channels [from, to) of a per-channel affine map. */
function affineSlice(affine: ChannelAffine, from: number, to: number): ChannelAffine {
  return { scale: affine.scale.subarray(from, to), shift: affine.shift.subarray(from, to), relu: affine.relu };
}

/**
 * conv, then `affine` (a following batch_norm, and relu, as one multiply-add
 * per output channel) applied as each channel is stored, with the rounding the
 * separate ops give: the interpreter fuses conv → batch_norm (→ relu) this way
 * (see fusion.ts).
 */
export function convThenNorm(ctx: OpContext, affine?: ChannelAffine): RtFloatValue {
  const x = ctx.float('x');
  const w = ctx.float('weight');
  const bias = ctx.optionalFloat('bias')?.data;
  const groups = ctx.num('groups', 1);
  const weightIsConstant = ctx.isConstant('weight');
  const g = convGeometry(ctx, x, w);
  const [batch, cin] = x.shape as [number, number];
  const cout = w.shape[0]!;
  if (cin % groups !== 0 || cout % groups !== 0 || w.shape[1]! * groups !== cin) {
    ctx.fail(`x has ${cin} channels, weight [${w.shape.join(',')}] and groups=${groups} do not fit`);
  }
  if (bias && bias.length !== cout) ctx.fail(`bias has ${bias.length} values for ${cout} output channels`);
  const cinG = cin / groups;
  const coutG = cout / groups;
  const kvol = volume(g.kernel);
  const inVol = volume(g.inSize);
  const outVol = volume(g.outSize);
  const pointwise = isPointwise(g);
  const direct = coutG * cinG <= 4 && !pointwise;
  // The direct loop accumulates into the result; GEMM writes every element of it.
  const outShape = [batch, cout, ...g.outSize.slice(3 - (x.shape.length - 2))];
  const out = direct ? makeFloat(x.dtype, outShape) : makeFloatToOverwrite(x.dtype, outShape);
  const winograd = direct ? undefined : winogradShape(g, x, cout, groups);
  if (winograd && prefersWinograd(winograd)) {
    winogradConv(x.data, w.data, weightIsConstant, winograd, bias, affine, out.data);
    return out;
  }
  const col = pointwise || direct ? undefined : new LazyBuffer(cinG * kvol * outVol);
  for (let n = 0; n < batch; n++) {
    for (let grp = 0; grp < groups; grp++) {
      const inOffset = (n * cin + grp * cinG) * inVol;
      const outOffset = (n * cout + grp * coutG) * outVol;
      const rowBias = bias?.subarray(grp * coutG, (grp + 1) * coutG);
      const rowAffine = affine && affineSlice(affine, grp * coutG, (grp + 1) * coutG);
      if (direct) {
        for (let oc = 0; oc < coutG; oc++) {
          const at = outOffset + oc * outVol;
          if (rowBias) out.data.fill(rowBias[oc]!, at, at + outVol);
          for (let ic = 0; ic < cinG; ic++) {
            const wOffset = ((grp * coutG + oc) * cinG + ic) * kvol;
            directChannel(x.data, inOffset + ic * inVol, w.data, wOffset, g, out.data, at);
          }
          if (rowAffine) affineRun(out.data, at, at + outVol, out.data, at, rowAffine.scale[oc]!, rowAffine.shift[oc]!, rowAffine.relu);
        }
        continue;
      }
      const weights = matrix(w.data, grp * coutG * cinG * kvol, cinG * kvol);
      const options = { constantA: weightIsConstant, rowBias, rowAffine };
      if (col && convPacked(coutG, cinG * kvol, weights, x.data, inOffset, cinG, g, out.data, outOffset, options)) continue;
      if (col) im2col(x.data, inOffset, cinG, g, col.get());
      const b = col ? matrix(col.get(), 0, outVol) : matrix(x.data, inOffset, inVol);
      gemm(coutG, outVol, cinG * kvol, weights, b, out.data, outOffset, outVol, options);
    }
  }
  return out;
}

/** Scatter-adds col[(c·kvol + kidx), inVol] into one output image (the adjoint of im2col). */
function col2im(col: Float32Array, channels: number, g: Geometry, out: Float32Array, outOffset: number): void {
  const [ID, IH, IW] = g.inSize;
  const [KD, KH, KW] = g.kernel;
  const [OD, OH, OW] = g.outSize;
  const [sd, sh, sw] = g.stride;
  const [dd, dh, dw] = g.dilation;
  const [pd, ph, pw] = g.padBefore;
  const inVol = ID * IH * IW;
  let row = 0;
  for (let c = 0; c < channels; c++) {
    const cBase = outOffset + c * OD * OH * OW;
    for (let kd = 0; kd < KD; kd++) {
      for (let kh = 0; kh < KH; kh++) {
        for (let kw = 0; kw < KW; kw++, row++) {
          // Input position i lands on output position i·stride − pad + k·dilation.
          const [iwLo, iwHi] = validRange(IW, sw, pw, kw * dw, OW);
          for (let id = 0; id < ID; id++) {
            const od = id * sd - pd + kd * dd;
            if (od < 0 || od >= OD) continue;
            for (let ih = 0; ih < IH; ih++) {
              const oh = ih * sh - ph + kh * dh;
              if (oh < 0 || oh >= OH) continue;
              const src = row * inVol + (id * IH + ih) * IW;
              const dst = cBase + (od * OH + oh) * OW - pw + kw * dw;
              for (let iw = iwLo; iw < iwHi; iw++) out[dst + iw * sw]! += col[src + iw]!;
            }
          }
        }
      }
    }
  }
}

function transposeGeometry(ctx: OpContext, x: RtFloatValue, w: RtFloatValue, coutTotal: number): Geometry {
  const p = spatialParams(ctx, spatialRank(ctx, x), x, w);
  const { s, inSize, kernel, stride, dilation } = p;
  const full = inSize.map((d, i) => (d - 1) * stride[i]! + (kernel[i]! - 1) * dilation[i]! + 1);
  const padType = ctx.str('pad_type', 'valid');
  const requested = ctx.ints('output_shape');
  let before: number[];
  let after: number[];
  if (padType === 'same' || padType === 'same_lower') {
    const total = full.map((f, i) => Math.max(f - inSize[i]! * stride[i]!, 0));
    const small = total.map((t) => Math.floor(t / 2));
    before = padType === 'same' ? small : total.map((t, i) => t - small[i]!);
    after = total.map((t, i) => t - before[i]!);
  } else {
    ({ before, after } = resolvePads(ctx, padType, inSize, kernel, stride, dilation));
  }
  let outSize = full.map((f, i) => f - before[i]! - after[i]!);
  if (requested) {
    const spatial = requested.length === s + 2 ? requested.slice(2) : requested;
    if (requested.length === s + 2 && requested[1] !== coutTotal) ctx.fail(`output_shape [${requested.join(',')}] disagrees with ${coutTotal} output channels`);
    if (spatial.length !== s) ctx.fail(`output_shape [${requested.join(',')}] does not match ${s} spatial dims`);
    outSize = spatial;
  }
  return liftGeometry(p, before, after, outSize);
}

function convTranspose(ctx: OpContext): RtValue[] {
  const x = ctx.float('x');
  const w = ctx.float('weight');
  const bias = ctx.optionalFloat('bias')?.data;
  const groups = ctx.num('groups', 1);
  const [batch, cin] = x.shape as [number, number];
  if (w.shape[0] !== cin || cin % groups !== 0) ctx.fail(`weight [${w.shape.join(',')}] does not fit x with ${cin} channels and groups=${groups}`);
  const cinG = cin / groups;
  const coutG = w.shape[1]!;
  const cout = coutG * groups;
  const g = transposeGeometry(ctx, x, w, cout);
  const s = x.shape.length - 2;
  const kvol = volume(g.kernel);
  const inVol = volume(g.inSize);
  const outVol = volume(g.outSize);
  const out = makeFloat(x.dtype, [batch, cout, ...g.outSize.slice(3 - s)]);
  const col = new Float32Array(coutG * kvol * inVol);
  for (let n = 0; n < batch; n++) {
    for (let grp = 0; grp < groups; grp++) {
      // col[(oc·kvol + k), i] = Σ_ic W[ic, oc, k] · x[ic, i]: Wᵀ read through strides.
      const wT = matrix(w.data, grp * cinG * coutG * kvol, 1, coutG * kvol);
      gemm(coutG * kvol, inVol, cinG, wT, matrix(x.data, (n * cin + grp * cinG) * inVol, inVol), col, 0, inVol);
      col2im(col, coutG, g, out.data, (n * cout + grp * coutG) * outVol);
    }
  }
  addBias(out.data, bias, batch, cout, outVol);
  return [out];
}

export const convKernels: KernelTable = { conv, conv_transpose: convTranspose };
