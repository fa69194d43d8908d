import { describe, expect, it } from 'vitest';
import { f32, flag, runOp, scalar, str, values } from './build.js';

/** One row [1, 2, 3] sampled at unnormalized x positions (y = 0). */
function sampleRow(xs: number[], padding: string, sampling = 'bilinear', paddingValue = 0): number[] {
  const coords = f32([1, 1, xs.length, 2], xs.flatMap((x) => [x, 0]));
  const [out] = runOp(
    'resample',
    {
      x: f32([1, 1, 1, 3], [1, 2, 3]),
      coordinates: coords,
      sampling_mode: str(sampling),
      padding_mode: str(padding),
      padding_value: scalar(paddingValue),
      coordinates_mode: str('unnormalized'),
      align_corners: flag(true),
    },
    { dtype: 'float32', shape: [1, 1, 1, xs.length] },
  );
  return values(out!);
}

describe('resample', () => {
  it('pads with the constant value outside the image and blends it into bilinear taps', () => {
    expect(sampleRow([-1, -0.5, 0, 1.5, 3], 'constant', 'bilinear', 10)).toEqual([10, 5.5, 1, 2.5, 10]);
  });

  it('replicates the border, reflects without the edge pixel, and symmetric-reflects with it', () => {
    const xs = [-2, -1, 3, 4];
    expect(sampleRow(xs, 'border')).toEqual([1, 1, 3, 3]);
    expect(sampleRow(xs, 'reflection')).toEqual([3, 2, 2, 1]);
    expect(sampleRow(xs, 'symmetric')).toEqual([2, 1, 3, 2]);
  });

  it('nearest sampling takes the upper pixel at an exact half (Apple: iOS15/test_image_resizing.py TestResample)', () => {
    // Half-to-even would read pixels 0, 2, 1, 0; Core ML reads 1, 2, 1, 0 (and -0.5 rounds up to pixel 0).
    expect(sampleRow([0.5, 1.5, 1.49, -0.5], 'border', 'nearest')).toEqual([2, 3, 2, 1]);
  });
  it('nearest sampling rounds halves up before a symmetric pad mirrors them', () => {
    // Position 2.5 rounds to 3, which the symmetric pad of a 3-wide row maps back to pixel 2.
    expect(sampleRow([2.5, -1.5], 'symmetric', 'nearest')).toEqual([3, 1]);
  });

  it('maps normalized coordinates to pixel centres with align_corners and to pixel edges without', () => {
    const run = (align: boolean, xs: number[]) =>
      values(
        runOp(
          'resample',
          {
            x: f32([1, 1, 1, 2], [0, 4]),
            coordinates: f32([1, 1, xs.length, 2], xs.flatMap((x) => [x, 0])),
            sampling_mode: str('bilinear'),
            padding_mode: str('border'),
            padding_value: scalar(0),
            coordinates_mode: str('normalized_minus_one_to_one'),
            align_corners: flag(align),
          },
          { dtype: 'float32', shape: [1, 1, 1, xs.length] },
        )[0]!,
      );
    expect(run(true, [-1, 0, 1])).toEqual([0, 2, 4]);
    // Without align_corners, -1 and 1 are the outer edges: pixel positions -0.5 and 1.5, clamped by the border.
    expect(run(false, [-1, -0.5, 0, 0.5, 1])).toEqual([0, 0, 2, 4, 4]);
  });
});
