import type { KernelTable, OpContext } from '../kernel.js';
import { makeFloat, type RtValue } from '../value.js';
import { maxPool2dWasm } from '../wasm-pool.js';
import { lift, resolvePads, spatialParam, spatialRank } from './window.js';

/** max_pool, avg_pool, l2_pool over 1–3 spatial dims. */

type PoolKind = 'max' | 'avg' | 'l2';

interface PoolWindow {
  kernel: number[];
  stride: number[];
  padBefore: number[];
  padAfter: number[];
  inSize: number[];
  outSize: number[];
}

function poolWindow(ctx: OpContext, inSize: number[]): PoolWindow {
  const s = inSize.length;
  const kernel = ctx.requiredInts('kernel_sizes');
  if (kernel.length !== s) ctx.fail(`kernel_sizes has ${kernel.length} values for ${s} spatial dims`);
  const stride = spatialParam(ctx, 'strides', s, 1);
  const padType = ctx.str('pad_type', 'valid');
  const { before, after } = resolvePads(ctx, padType, inSize, kernel, stride, new Array<number>(s).fill(1));
  const ceilMode = ctx.bool('ceil_mode', false) && (padType === 'valid' || padType === 'custom');
  const outSize = inSize.map((d, i) => {
    const span = d + before[i]! + after[i]! - kernel[i]!;
    let out = (ceilMode ? Math.ceil(span / stride[i]!) : Math.floor(span / stride[i]!)) + 1;
    // A window may not start in the trailing padding (the PyTorch/ONNX rule for ceil mode).
    if (ceilMode && (out - 1) * stride[i]! >= d + before[i]!) out--;
    return out;
  });
  if (outSize.some((d) => d <= 0)) ctx.fail(`kernel [${kernel.join(',')}] does not fit input [${inSize.join(',')}]`);
  return { kernel, stride, padBefore: before, padAfter: after, inSize, outSize };
}

/** Reduces the window [dLo, dHi) × [hLo, hHi) × [wLo, wHi) of the plane at `base`. */
type WindowReducer = (src: Float32Array, base: number, IH: number, IW: number, dLo: number, dHi: number, hLo: number, hHi: number, wLo: number, wHi: number) => number;

/** One function per kind, so each inner loop stays monomorphic (max_pool follows ResNet's stem). */
const WINDOW_REDUCERS: Record<PoolKind, WindowReducer> = {
  max: (src, base, IH, IW, dLo, dHi, hLo, hHi, wLo, wHi) => {
    let acc = -Infinity;
    for (let d = dLo; d < dHi; d++) {
      for (let h = hLo; h < hHi; h++) {
        const row = base + (d * IH + h) * IW;
        for (let i = wLo; i < wHi; i++) {
          const v = src[row + i]!;
          acc = v > acc || Number.isNaN(v) ? v : acc;
        }
      }
    }
    return acc;
  },
  avg: (src, base, IH, IW, dLo, dHi, hLo, hHi, wLo, wHi) => sumWindow(src, base, IH, IW, dLo, dHi, hLo, hHi, wLo, wHi, false),
  l2: (src, base, IH, IW, dLo, dHi, hLo, hHi, wLo, wHi) => sumWindow(src, base, IH, IW, dLo, dHi, hLo, hHi, wLo, wHi, true),
};

function sumWindow(src: Float32Array, base: number, IH: number, IW: number, dLo: number, dHi: number, hLo: number, hHi: number, wLo: number, wHi: number, squares: boolean): number {
  let acc = 0;
  for (let d = dLo; d < dHi; d++) {
    for (let h = hLo; h < hHi; h++) {
      const row = base + (d * IH + h) * IW;
      for (let i = wLo; i < wHi; i++) {
        const v = src[row + i]!;
        acc += squares ? v * v : v;
      }
    }
  }
  return acc;
}

function pool(kind: PoolKind) {
  return (ctx: OpContext): RtValue[] => {
    const x = ctx.float('x');
    spatialRank(ctx, x); // fails unless x has 1 to 3 spatial dims
    const w = poolWindow(ctx, x.shape.slice(2));
    const excludePad = kind === 'avg' && ctx.bool('exclude_padding_from_average', false);
    const [ID, IH, IW] = lift(w.inSize, 1);
    const [KD, KH, KW] = lift(w.kernel, 1);
    const [SD, SH, SW] = lift(w.stride, 1);
    const [PD, PH, PW] = lift(w.padBefore, 0);
    const [AD, AH, AW] = lift(w.padAfter, 0);
    const [OD, OH, OW] = lift(w.outSize, 1);
    const reduce = WINDOW_REDUCERS[kind];
    const planes = x.shape[0]! * x.shape[1]!;
    const out = makeFloat(x.dtype, [x.shape[0]!, x.shape[1]!, ...w.outSize]);
    const planar = ID === 1 && KD === 1 && OD === 1 && PD === 0;
    const geometry2d = { kernel: [KH, KW], stride: [SH, SW], pad: [PH, PW], inSize: [IH, IW], outSize: [OH, OW] } as const satisfies Record<string, [number, number]>;
    if (kind === 'max' && planar && maxPool2dWasm(x.data, planes, geometry2d, out.data)) return [out];
    const inVol = ID * IH * IW;
    let o = 0;
    for (let p = 0; p < planes; p++) {
      const base = p * inVol;
      for (let od = 0; od < OD; od++) {
        const d0 = od * SD - PD;
        const dLo = Math.max(d0, 0), dHi = Math.min(d0 + KD, ID);
        for (let oh = 0; oh < OH; oh++) {
          const h0 = oh * SH - PH;
          const hLo = Math.max(h0, 0), hHi = Math.min(h0 + KH, IH);
          for (let ow = 0; ow < OW; ow++, o++) {
            const w0 = ow * SW - PW;
            const wLo = Math.max(w0, 0), wHi = Math.min(w0 + KW, IW);
            let acc = reduce(x.data, base, IH, IW, dLo, dHi, hLo, hHi, wLo, wHi);
            if (kind === 'l2') acc = Math.sqrt(acc);
            else if (kind === 'avg') {
              // Padding counts toward the divisor unless excluded; overhang beyond the padding never does.
              const count = excludePad
                ? (dHi - dLo) * (hHi - hLo) * (wHi - wLo)
                : (Math.min(d0 + KD, ID + AD) - d0) * (Math.min(h0 + KH, IH + AH) - h0) * (Math.min(w0 + KW, IW + AW) - w0);
              acc = count > 0 ? acc / count : 0;
            }
            out.data[o] = acc;
          }
        }
      }
    }
    return [out];
  };
}

export const poolKernels: KernelTable = { max_pool: pool('max'), avg_pool: pool('avg'), l2_pool: pool('l2') };
