import { describe, expect, it } from 'vitest';
import { f32, flag, i32, int, ints, runOp, scalar, str, values } from './build.js';
import { seededFloats } from '../helpers/seeded.js';

/**
 * crop, crop_resize and affine as Apple's image-resizing tests
 * (iOS14/iOS15/iOS17 test_image_resizing.py) pin them down, checked here on
 * images whose expected samples follow from a formula.
 */

const F = (shape: number[]) => ({ dtype: 'float32' as const, shape });

/** A 5 × 6 image whose value at (h, w) is 2 + 5h + 0.5w, so bilinear samples inside it are exact. */
const H = 5;
const W = 6;
const plane = (h: number, w: number) => 2 + 5 * h + 0.5 * w;
const image = f32([1, 1, H, W], Array.from({ length: H * W }, (_, k) => plane(Math.floor(k / W), k % W)));

describe('crop', () => {
  it('drops [top, bottom] rows and [left, right] columns of the last two dims', () => {
    const x = seededFloats(2 * 3 * H * W, 5);
    const [out] = runOp('crop', { x: f32([2, 3, H, W], x), crop_height: ints([1, 2]), crop_width: ints([2, 1]) }, F([2, 3, 2, 3]));
    const expected: number[] = [];
    for (let p = 0; p < 6; p++) for (let h = 1; h < H - 2; h++) for (let w = 2; w < W - 1; w++) expected.push(x[(p * H + h) * W + w]!);
    expect(values(out!)).toEqual(expected);
  });
});

describe('crop_resize', () => {
  const sampleBox = (box: number[], th: number, tw: number, pad: number) => {
    const out: number[] = [];
    for (let i = 0; i < th; i++) {
      for (let j = 0; j < tw; j++) {
        const h = box[0]! + (i * (box[2]! - box[0]!)) / (th - 1);
        const w = box[1]! + (j * (box[3]! - box[1]!)) / (tw - 1);
        out.push(h < 0 || h > H - 1 || w < 0 || w > W - 1 ? pad : plane(h, w));
      }
    }
    return out;
  };

  it('iOS17 boxes: ALIGN_CORNERS grid per box, normalized by (H − 1, W − 1), pad_value outside the image', () => {
    const boxes = [[0.25, 0.2, 0.75, 1.0], [0.5, 0.9, 1.2, 0.1]];
    const [out] = runOp('crop_resize', {
      x: image, boxes: f32([2, 4], boxes.flat()), box_indices: i32([2], [0, 0]), target_height: int(3), target_width: int(2),
      normalized_coordinates: flag(true), box_coordinate_mode: str('CORNERS_HEIGHT_FIRST'), sampling_mode: str('ALIGN_CORNERS'), pad_value: scalar(-7),
    }, F([2, 1, 3, 2]), 'CoreML7');
    const inPixels = boxes.map(([a, b, c, d]) => [a! * (H - 1), b! * (W - 1), c! * (H - 1), d! * (W - 1)]);
    const got = values(out!);
    const expected = inPixels.flatMap((b) => sampleBox(b, 3, 2, -7));
    got.forEach((v, k) => expect(v).toBeCloseTo(expected[k]!, 4));
    expect(expected).toContain(-7);
  });

  it('iOS15 roi [N, 1, 4, 1, 1] in pixels crops every image of the batch: [N, B, C, th, tw]', () => {
    const two = f32([2, 1, H, W], [...values(image), ...values(image).map((v) => -v)]);
    const [out] = runOp('crop_resize', {
      x: two, roi: f32([1, 1, 4, 1, 1], [1, 4, 3, 1]), target_height: int(2), target_width: int(2),
      box_coordinate_mode: str('CORNERS_HEIGHT_FIRST'), sampling_mode: str('ALIGN_CORNERS'),
    }, F([1, 2, 1, 2, 2]));
    const first = sampleBox([1, 4, 3, 1], 2, 2, 0);
    expect(values(out!)).toEqual([...first, ...first.map((v) => -v)]);
  });

  it('iOS14: Apple\'s five ALIGN_CORNERS crops of a 4 × 4 ramp (2 × 2, 4 × 4, a 1 × 1 centre, normalized, inverted)', () => {
    const ramp = (h: number, w: number) => 4 * h + w + 1;
    const x = f32([1, 1, 4, 4], Array.from({ length: 16 }, (_, k) => ramp(Math.floor(k / 4), k % 4)));
    const align = (s: number, e: number, i: number, n: number) => (n === 1 ? (s + e) / 2 : s + (i * (e - s)) / (n - 1));
    const cases: [number[], number, boolean][] = [[[1, 1, 2, 2], 2, false], [[1, 1, 2, 2], 4, false], [[1, 1, 2, 2], 1, false], [[0, 0, 0, 1 / 3, 1 / 3], 2, true], [[2, 2, 1, 1], 2, false]];
    for (const [roi, n, normalized] of cases) {
      const [out] = runOp('crop_resize', {
        x, roi: f32([1, 1, roi.length, 1, 1], roi), target_height: int(n), target_width: int(n),
        normalized_coordinates: flag(normalized), box_coordinate_mode: str('CORNERS_HEIGHT_FIRST'), sampling_mode: str('ALIGN_CORNERS'),
      }, F([1, 1, 1, n, n]));
      const [h0, w0, h1, w1] = roi.slice(-4).map((c) => (normalized ? c * 3 : c)) as [number, number, number, number];
      const want: number[] = [];
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) want.push(ramp(align(h0, h1, i, n), align(w0, w1, j, n)));
      values(out!).forEach((v, k) => expect(v).toBeCloseTo(want[k]!, 4));
    }
  });

  it('iOS16 roi [N, 1, 5, 1, 1]: Apple\'s three normalized ALIGN_CORNERS boxes on a 4 × 4 ramp, pad_value where a sample leaves the image', () => {
    const ramp = (h: number, w: number) => 4 * h + w + 1;
    const x = f32([1, 1, 4, 4], Array.from({ length: 16 }, (_, k) => ramp(Math.floor(k / 4), k % 4)));
    const rois = [[0.1, 0.3, 1.3, 1], [0.5, 1.8, 1.0, 0.3], [0.0, 0.4, 0.6, 0.7]];
    for (const pad of [0, 1, 10]) {
      const [out] = runOp('crop_resize', {
        x, roi: f32([3, 1, 5, 1, 1], rois.flatMap((r) => [0, ...r])), target_height: int(2), target_width: int(2),
        normalized_coordinates: flag(true), box_coordinate_mode: str('CORNERS_HEIGHT_FIRST'), sampling_mode: str('ALIGN_CORNERS'), pad_value: scalar(pad),
      }, F([3, 1, 1, 2, 2]));
      const want = rois.flatMap((r) => {
        const [h0, w0, h1, w1] = r.map((c) => c * 3) as [number, number, number, number];
        return [[h0, w0], [h0, w1], [h1, w0], [h1, w1]].map(([h, w]) => (h! < 0 || h! > 3 || w! < 0 || w! > 3 ? pad : ramp(h!, w!)));
      });
      values(out!).forEach((v, k) => expect(v).toBeCloseTo(want[k]!, 4));
      expect(want.filter((v) => v === pad).length).toBeGreaterThanOrEqual(3);
    }
  });

  /**
   * The resize_bilinear grids of the op definitions (the ones Apple's iOS14/iOS15
   * resize_bilinear tests pin), for `x` pixels resized to `n`.
   */
  const RESIZE_GRID: Record<string, (i: number, x: number, n: number) => number> = {
    DEFAULT: (i, x, n) => (n === 1 ? 0 : Math.min(x - 1, (i * (x - x / n)) / (n - 1))),
    OFFSET_CORNERS: (i, x, n) => Math.min(x - 1, 0.5 * (Math.max(1, x - 1) / n) + i * (Math.max(1, x - 1) / n)),
    UNALIGN_CORNERS: (i, x, n) => Math.min(x - 1, Math.max(0, i * (x / n) + 0.5 * (x / n) - 0.5)),
  };
  /** The same grid inside a box of pixels [start, end]: the box's end − start + 1 pixels play the image. */
  const inBox = (mode: string, start: number, end: number, i: number, n: number) => start + RESIZE_GRID[mode]!(i, end - start + 1, n);
  const cropResize = (x: ReturnType<typeof f32>, box: number[], th: number, tw: number, mode: string, normalized = false) =>
    values(runOp('crop_resize', {
      x, boxes: f32([1, 4], box), target_height: int(th), target_width: int(tw),
      normalized_coordinates: flag(normalized), box_coordinate_mode: str('CORNERS_HEIGHT_FIRST'), sampling_mode: str(mode),
    }, F([1, 1, th, tw]), 'CoreML7')[0]!);

  for (const mode of Object.keys(RESIZE_GRID)) {
    it(`${mode}: a box over the whole image resizes it as resize_bilinear does (Apple's 2 → 5 grids)`, () => {
      const row = f32([1, 1, 1, 2], [0, 1]);
      const want = [0, 1, 2, 3, 4].map((i) => RESIZE_GRID[mode]!(i, 2, 5));
      expect(cropResize(row, [0, 0, 0, 1], 1, 5, mode).map((v) => Math.fround(v))).toEqual(want.map((v) => Math.fround(v)));
      const [resized] = runOp('resize_bilinear', { x: f32([1, 1, 2], [0, 1]), target_size_height: int(1), target_size_width: int(5), sampling_mode: str(mode) }, F([1, 1, 5]));
      expect(cropResize(row, [0, 0, 0, 1], 1, 5, mode)).toEqual(values(resized!));
    });

    it(`${mode}: a box inside the image samples the box as resize_bilinear samples that crop of the image`, () => {
      for (const [box, th, tw] of [[[1, 1, 3, 4], 3, 4], [[0, 2, 4, 5], 2, 7], [[2, 0, 2, 3], 1, 1]] as const) {
        const got = cropResize(image, [...box], th, tw, mode);
        const want: number[] = [];
        for (let i = 0; i < th; i++) for (let j = 0; j < tw; j++) want.push(plane(inBox(mode, box[0], box[2], i, th), inBox(mode, box[1], box[3], j, tw)));
        got.forEach((v, k) => expect(v).toBeCloseTo(want[k]!, 4));
        // The crop as its own image, resized with the same grid.
        const [rows, cols] = [box[2] - box[0] + 1, box[3] - box[1] + 1];
        const crop = f32([1, 1, rows, cols], Array.from({ length: rows * cols }, (_, k) => plane(box[0] + Math.floor(k / cols), box[1] + (k % cols))));
        const [resized] = runOp('resize_bilinear', { x: crop, target_size_height: int(th), target_size_width: int(tw), sampling_mode: str(mode) }, F([1, 1, th, tw]));
        got.forEach((v, k) => expect(v).toBeCloseTo(values(resized!)[k]!, 4));
      }
    });
  }

  it('normalized boxes scale by (H − 1, W − 1) in every grid', () => {
    const got = cropResize(image, [0.25, 0.2, 1, 0.8], 2, 3, 'OFFSET_CORNERS', true);
    const [h0, w0, h1, w1] = [0.25 * (H - 1), 0.2 * (W - 1), 1 * (H - 1), 0.8 * (W - 1)];
    const want: number[] = [];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) want.push(plane(inBox('OFFSET_CORNERS', h0, h1, i, 2), inBox('OFFSET_CORNERS', w0, w1, j, 3)));
    got.forEach((v, k) => expect(v).toBeCloseTo(want[k]!, 4));
  });

  it('refuses, in those grids, boxes that are inverted or leave the image: no Apple test pins them (its one UNALIGN_CORNERS case, an inverted box past 1, gives the whole image resized)', () => {
    const x = f32([1, 1, 4, 4], Array.from({ length: 16 }, (_, k) => k + 1));
    expect(() => cropResize(x, [2, 2, 1, 1], 2, 2, 'UNALIGN_CORNERS', true)).toThrow(/UNALIGN_CORNERS sampling of box \[6, 6, 3, 3\].*only boxes inside the 4×4 image with start ≤ end/);
    expect(() => cropResize(x, [0, 0, 3, 4], 2, 2, 'DEFAULT')).toThrow(/DEFAULT sampling of box/);
    expect(() => cropResize(x, [1, 1, 2, 2], 2, 2, 'NEAREST')).toThrow(/unknown sampling_mode 'NEAREST'/);
  });
});

describe('affine', () => {
  /** Bilinear read of the image with zeros outside, at normalized (x, y) with align_corners. */
  function readAt(xn: number, yn: number): number {
    const px = ((xn + 1) / 2) * (W - 1);
    const py = ((yn + 1) / 2) * (H - 1);
    const at = (h: number, w: number) => (h < 0 || h >= H || w < 0 || w >= W ? 0 : plane(h, w));
    const [h0, w0] = [Math.floor(py), Math.floor(px)];
    const [fy, fx] = [py - h0, px - w0];
    const top = at(h0, w0) * (1 - fx) + at(h0, w0 + 1) * fx;
    const bottom = at(h0 + 1, w0) * (1 - fx) + at(h0 + 1, w0 + 1) * fx;
    return top * (1 - fy) + bottom * fy;
  }

  it('maps each output pixel\'s normalized (x, y) through [a0 a1 a2; b0 b1 b2] and samples bilinearly with zero padding', () => {
    const m = [0.8, -0.3, 0.1, 0.25, 1.1, -0.2];
    const [outH, outW] = [3, 4];
    const [out] = runOp('affine', {
      x: image, transform_matrix: f32([1, 6], m), output_height: int(outH), output_width: int(outW),
      sampling_mode: str('bilinear'), padding_mode: str('constant'), padding_value: scalar(0),
      coordinates_mode: str('normalized_minus_one_to_one'), align_corners: flag(true),
    }, F([1, 1, outH, outW]));
    const expected: number[] = [];
    for (let i = 0; i < outH; i++) {
      for (let j = 0; j < outW; j++) {
        const [x, y] = [-1 + (2 * j) / (outW - 1), -1 + (2 * i) / (outH - 1)];
        expected.push(readAt(m[0]! * x + m[1]! * y + m[2]!, m[3]! * x + m[4]! * y + m[5]!));
      }
    }
    values(out!).forEach((v, k) => expect(v).toBeCloseTo(expected[k]!, 4));
    expect(new Set(expected.map((v) => v.toFixed(3))).size).toBeGreaterThan(6);
  });
});
