import type { KernelTable, OpContext } from '../kernel.js';
import { makeFloat, type RtValue } from '../value.js';

/**
 * resample: x [B, C, H, W] sampled at coordinates [B, H2, W2, 2] ((x, y)
 * pairs). Coordinates are mapped to pixel positions by coordinates_mode and
 * align_corners (true: the extremes are the centres of the corner pixels;
 * false: their outer edges). The image is taken as padded by padding_mode
 * (constant value, replicated border, reflection without the edge pixel,
 * symmetric reflection with it), and read with bilinear weights or at the
 * nearest pixel. A position exactly halfway between two pixels takes the
 * upper one, as Apple's tests (iOS15/test_image_resizing.py, TestResample)
 * expect.
 */

type ToPixel = (c: number, size: number, alignCorners: boolean) => number;

const TO_PIXEL: Record<string, ToPixel> = {
  unnormalized: (c) => c,
  normalized_minus_one_to_one: (c, n, align) => (align ? ((c + 1) / 2) * (n - 1) : ((c + 1) * n - 1) / 2),
  normalized_zero_to_one: (c, n, align) => (align ? c * (n - 1) : c * n - 0.5),
};

/** Source index for padded index i of a dim of size n, or -1 for the constant padding value. */
type PadRule = (i: number, n: number) => number;

const PAD: Record<string, PadRule> = {
  constant: (i, n) => (i >= 0 && i < n ? i : -1),
  border: (i, n) => Math.min(n - 1, Math.max(0, i)),
  reflection: (i, n) => {
    if (n === 1) return 0;
    const period = 2 * (n - 1);
    const m = ((Math.abs(i) % period) + period) % period;
    return m >= n ? period - m : m;
  },
  symmetric: (i, n) => {
    const period = 2 * n;
    const m = ((i % period) + period) % period;
    return m >= n ? period - 1 - m : m;
  },
};

const roundHalfUp = (v: number): number => Math.floor(v + 0.5);

interface Sampler {
  plane: Float32Array | ArrayLike<number>;
  base: number;
  h: number;
  w: number;
  pad: PadRule;
  fill: number;
}

function tap(s: Sampler, yi: number, xi: number): number {
  const y = s.pad(yi, s.h);
  const x = s.pad(xi, s.w);
  return y < 0 || x < 0 ? s.fill : s.plane[s.base + y * s.w + x]!;
}

function bilinearAt(s: Sampler, py: number, px: number): number {
  const y0 = Math.floor(py);
  const x0 = Math.floor(px);
  const fy = py - y0;
  const fx = px - x0;
  const top = tap(s, y0, x0) * (1 - fx) + tap(s, y0, x0 + 1) * fx;
  const bottom = tap(s, y0 + 1, x0) * (1 - fx) + tap(s, y0 + 1, x0 + 1) * fx;
  return top * (1 - fy) + bottom * fy;
}

function resample(ctx: OpContext): RtValue[] {
  const x = ctx.float('x');
  const coords = ctx.numeric('coordinates');
  const [batch, channels, h, w] = x.shape as [number, number, number, number];
  const [cb, outH, outW] = coords.shape as [number, number, number, number];
  if (cb !== batch) ctx.fail(`coordinates batch ${cb} differs from x batch ${batch}`);
  const toPixel = TO_PIXEL[ctx.str('coordinates_mode')];
  const pad = PAD[ctx.str('padding_mode')];
  const mode = ctx.str('sampling_mode');
  if (!toPixel || !pad || (mode !== 'bilinear' && mode !== 'nearest')) ctx.fail('unknown sampling, padding or coordinates mode');
  const align = ctx.bool('align_corners', false);
  const fill = ctx.str('padding_mode') === 'constant' ? ctx.num('padding_value') : 0;
  const out = makeFloat(x.dtype, [batch, channels, outH, outW]);
  const points = outH * outW;
  for (let b = 0; b < batch; b++) {
    for (let p = 0; p < points; p++) {
      const k = (b * points + p) * 2;
      const px = toPixel(Number(coords.data[k]), w, align);
      const py = toPixel(Number(coords.data[k + 1]), h, align);
      for (let c = 0; c < channels; c++) {
        const s: Sampler = { plane: x.data, base: (b * channels + c) * h * w, h, w, pad, fill };
        let v: number;
        if (!Number.isFinite(px) || !Number.isFinite(py)) v = fill;
        else if (mode === 'bilinear') v = bilinearAt(s, py, px);
        else v = tap(s, roundHalfUp(py), roundHalfUp(px));
        out.data[(b * channels + c) * points + p] = v;
      }
    }
  }
  return [out];
}

export const visionKernels: KernelTable = {
  resample,
};
