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

  it('refuses the sampling modes the tests do not pin down', () => {
    expect(() => runOp('crop_resize', { x: image, boxes: f32([1, 4], [0, 0, 1, 1]), sampling_mode: str('OFFSET_CORNERS') }, F([1, 1, 1, 1]), 'CoreML7')).toThrow(/not implemented/);
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
