import type { KernelTable, OpContext } from '../kernel.js';
import { makeFloat, type RtFloatValue, type RtNumericValue, type RtValue } from '../value.js';
import { nonMaximumSuppression } from './nms.js';

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
  const [, channels, h, w] = x.shape as [number, number, number, number];
  return [sampleAt(ctx, x, ctx.numeric('coordinates'), channels, h, w)];
}

/** Samples x at coordinates [B, H2, W2, 2] ((x, y) pairs) with the op's sampling, padding and coordinates modes. */
function sampleAt(ctx: OpContext, x: RtFloatValue, coords: RtNumericValue, channels: number, h: number, w: number): RtFloatValue {
  const batch = x.shape[0]!;
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
  return out;
}

/** crop: drops crop_height [top, bottom] rows and crop_width [left, right] columns of the last two dims. */
function crop(ctx: OpContext): RtValue[] {
  const x = ctx.float('x');
  const rank = x.shape.length;
  if (rank < 3) ctx.fail(`x must have rank ≥ 3, got ${rank}`);
  const [top, bottom] = ctx.requiredInts('crop_height') as [number, number];
  const [left, right] = ctx.requiredInts('crop_width') as [number, number];
  const h = x.shape[rank - 2]!;
  const w = x.shape[rank - 1]!;
  const outH = h - top - bottom;
  const outW = w - left - right;
  if (outH < 0 || outW < 0) ctx.fail(`crops ${top}+${bottom} × ${left}+${right} exceed ${h} × ${w}`);
  const planes = x.data.length / (h * w);
  const out = makeFloat(x.dtype, [...x.shape.slice(0, -2), outH, outW]);
  let o = 0;
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < outH; i++) {
      const row = (p * h + top + i) * w + left;
      for (let j = 0; j < outW; j++) out.data[o++] = x.data[row + j]!;
    }
  }
  return [out];
}

/** A box as [h_start, w_start, h_end, w_end] from one of the four box_coordinate_mode layouts. */
const BOX_LAYOUT: Record<string, (b: number[]) => [number, number, number, number]> = {
  CORNERS_HEIGHT_FIRST: ([a, b, c, d]) => [a!, b!, c!, d!],
  CORNERS_WIDTH_FIRST: ([a, b, c, d]) => [b!, a!, d!, c!],
  CENTER_SIZE_HEIGHT_FIRST: ([hc, wc, hs, ws]) => [hc! - hs! / 2, wc! - ws! / 2, hc! + hs! / 2, wc! + ws! / 2],
  CENTER_SIZE_WIDTH_FIRST: ([wc, hc, ws, hs]) => [hc! - hs! / 2, wc! - ws! / 2, hc! + hs! / 2, wc! + ws! / 2],
};

/**
 * Position of output i of n in a box from start to end (pixels). The corner-aligned
 * grids are the ones Apple's crop_resize tests pin, inverted boxes included. The
 * others are resize_bilinear's grids with the box in place of the image: the box
 * spans L = end − start pixel steps, X = L + 1 pixels, and a grid point never
 * passes its end; for a box covering the image they are resize_bilinear's, as
 * Apple's resize_bilinear tests pin them.
 */
const BOX_GRID: Record<string, (start: number, end: number, i: number, n: number) => number> = {
  ALIGN_CORNERS: (s, e, i, n) => (n === 1 ? (s + e) / 2 : s + (i * (e - s)) / (n - 1)),
  STRICT_ALIGN_CORNERS: (s, e, i, n) => (n === 1 ? s : s + (i * (e - s)) / (n - 1)),
  DEFAULT: (s, e, i, n) => (n === 1 ? s : s + Math.min(e - s, (i * (e - s + 1) * (1 - 1 / n)) / (n - 1))),
  OFFSET_CORNERS: (s, e, i, n) => s + Math.min(e - s, ((i + 0.5) * Math.max(1, e - s)) / n),
  UNALIGN_CORNERS: (s, e, i, n) => s + Math.min(e - s, Math.max(0, ((i + 0.5) * (e - s + 1)) / n - 0.5)),
};

/** The grids whose reading of a box outside the image, or inverted, no Apple test pins: such boxes are refused there. */
const INSIDE_BOXES_ONLY = new Set(['DEFAULT', 'OFFSET_CORNERS', 'UNALIGN_CORNERS']);

interface CropBox {
  image: number;
  /** [h_start, w_start, h_end, w_end] in pixels. */
  box: [number, number, number, number];
}

/**
 * crop_resize: each box of x is sampled bilinearly on a th × tw grid. Normalized
 * coordinates scale by (H − 1, W − 1); a sample outside the image reads
 * pad_value (iOS16; 0 before), as Apple's tests (iOS14, iOS16 and iOS17
 * test_image_resizing.py, TestCropResize) expect of the corner-aligned grids.
 */
function cropResize(ctx: OpContext): RtValue[] {
  const x = ctx.float('x');
  if (x.shape.length !== 4) ctx.fail(`x must have rank 4, got ${x.shape.length}`);
  const [batch, channels, h, w] = x.shape as [number, number, number, number];
  const th = ctx.num('target_height', 1);
  const tw = ctx.num('target_width', 1);
  const layout = BOX_LAYOUT[ctx.str('box_coordinate_mode', 'CORNERS_HEIGHT_FIRST')];
  const mode = ctx.str('sampling_mode', 'DEFAULT');
  const grid = BOX_GRID[mode];
  if (!layout) ctx.fail(`unknown box_coordinate_mode '${ctx.str('box_coordinate_mode')}'`);
  if (!grid) ctx.fail(`unknown sampling_mode '${mode}' (expected one of ${Object.keys(BOX_GRID).join(', ')})`);
  const scale = ctx.bool('normalized_coordinates', false) ? [h - 1, w - 1] : [ctx.num('spatial_scale', 1), ctx.num('spatial_scale', 1)];
  const toPixels = (b: number[]) => layout(b).map((v, k) => v * scale[k % 2]!) as CropBox['box'];
  const crops = ctx.has('roi') ? roiCrops(ctx, batch, toPixels) : boxCrops(ctx, batch, toPixels);
  if (INSIDE_BOXES_ONLY.has(mode)) for (const { box } of crops) checkInside(ctx, mode, box, h, w);
  const fill = ctx.num('pad_value', 0);
  const out = makeFloat(x.dtype, [crops.length, channels, th, tw]);
  let o = 0;
  for (const { image, box } of crops) {
    for (let c = 0; c < channels; c++) {
      const s: Sampler = { plane: x.data, base: (image * channels + c) * h * w, h, w, pad: PAD.constant!, fill };
      for (let i = 0; i < th; i++) {
        const py = grid(box[0], box[2], i, th);
        for (let j = 0; j < tw; j++) {
          const px = grid(box[1], box[3], j, tw);
          out.data[o++] = py < 0 || py > h - 1 || px < 0 || px > w - 1 ? fill : bilinearAt(s, py, px);
        }
      }
    }
  }
  if (!ctx.has('roi')) return [out];
  // iOS15 returns [N, B, C, th, tw] for four-number rois (every image) and [N, 1, C, th, tw] for five.
  const perRoi = ctx.float('roi').shape[2] === 4 ? batch : 1;
  return [{ ...out, shape: [crops.length / perRoi, perRoi, channels, th, tw] }];
}

function checkInside(ctx: OpContext, mode: string, [h0, w0, h1, w1]: CropBox['box'], h: number, w: number): void {
  if (h0 <= h1 && w0 <= w1 && h0 >= 0 && w0 >= 0 && h1 <= h - 1 && w1 <= w - 1) return;
  ctx.fail(`${mode} sampling of box [${[h0, w0, h1, w1].join(', ')}] (pixels, height first): only boxes inside the ${h}×${w} image with start ≤ end have a grid Core ML is known to use`);
}

/** iOS15 roi [N, 1, 4 or 5, 1, 1]: four numbers crop every image; five start with the image index. */
function roiCrops(ctx: OpContext, batch: number, toPixels: (b: number[]) => CropBox['box']): CropBox[] {
  const roi = ctx.float('roi');
  const [n, , k] = roi.shape as [number, number, number];
  if (k !== 4 && k !== 5) ctx.fail(`roi must be [N, 1, 4 or 5, 1, 1], got ${roi.shape.join('×')}`);
  const crops: CropBox[] = [];
  for (let r = 0; r < n; r++) {
    const v = Array.from(roi.data.subarray(r * k, (r + 1) * k));
    if (k === 5) crops.push({ image: v[0]!, box: toPixels(v.slice(1)) });
    else for (let b = 0; b < batch; b++) crops.push({ image: b, box: toPixels(v) });
  }
  return crops;
}

/** iOS17 boxes [N, 4] with box_indices [N] (default: box i crops image i). */
function boxCrops(ctx: OpContext, batch: number, toPixels: (b: number[]) => CropBox['box']): CropBox[] {
  const boxes = ctx.float('boxes');
  const n = boxes.shape[0]!;
  const indices = ctx.ints('box_indices') ?? Array.from({ length: n }, (_, i) => i);
  return indices.map((image, r) => {
    if (image < 0 || image >= batch) ctx.fail(`box_indices[${r}] = ${image} is outside the batch of ${batch}`);
    return { image, box: toPixels(Array.from(boxes.data.subarray(r * 4, r * 4 + 4))) };
  });
}

/**
 * affine: output pixel (j, i) sits at normalized (x, y) in [-1, 1] of the
 * output image (corner pixel centres with align_corners, edges without); it
 * reads x at (a0·x + a1·y + a2, b0·x + b1·y + b2), with resample's sampling.
 * Apple's test (iOS15/test_image_resizing.py TestAffine) pins the
 * align_corners, bilinear, constant-padding case.
 */
function affine(ctx: OpContext): RtValue[] {
  const x = ctx.float('x');
  const m = ctx.float('transform_matrix');
  const [batch, channels, h, w] = x.shape as [number, number, number, number];
  const outH = ctx.num('output_height');
  const outW = ctx.num('output_width');
  const mode = ctx.str('coordinates_mode');
  if (mode !== 'normalized_minus_one_to_one') ctx.fail(`coordinates_mode '${mode}' is not implemented`);
  if (m.shape[0] !== 1 && m.shape[0] !== batch) ctx.fail(`transform_matrix must have 1 or ${batch} rows, got ${m.shape[0]}`);
  const align = ctx.bool('align_corners', true);
  const axis = (i: number, n: number) => (align ? (n === 1 ? 0 : -1 + (2 * i) / (n - 1)) : -1 + (2 * i + 1) / n);
  const coords = new Float32Array(batch * outH * outW * 2);
  for (let b = 0; b < batch; b++) {
    const [a0, a1, a2, b0, b1, b2] = m.data.subarray((m.shape[0] === 1 ? 0 : b) * 6) as unknown as number[];
    for (let i = 0; i < outH; i++) {
      for (let j = 0; j < outW; j++) {
        const k = ((b * outH + i) * outW + j) * 2;
        coords[k] = a0! * axis(j, outW) + a1! * axis(i, outH) + a2!;
        coords[k + 1] = b0! * axis(j, outW) + b1! * axis(i, outH) + b2!;
      }
    }
  }
  return [sampleAt(ctx, x, { dtype: 'float32', shape: [batch, outH, outW, 2], data: coords }, channels, h, w)];
}

export const visionKernels: KernelTable = {
  resample,
  crop,
  crop_resize: cropResize,
  affine,
  non_maximum_suppression: nonMaximumSuppression,
};
