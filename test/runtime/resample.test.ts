import { describe, expect, it } from 'vitest';
import { f32, flag, int, ints, runOp, scalar, str, values } from './build.js';
import { seededFloats } from '../helpers/seeded.js';
import { maxAbsDiff, runOnnxNode } from './ort.js';

const F = (shape: number[]) => ({ dtype: 'float32' as const, shape });
const x = f32([1, 1, 2, 2], [1, 2, 3, 4]);

/** ONNX Resize on onnxruntime with explicit output sizes. */
async function onnxResize(input: ReturnType<typeof f32>, sizes: number[], attrs: Record<string, string>): Promise<Float32Array> {
  return runOnnxNode('Resize', { x: input }, { roi: f32([0], []), scales: f32([0], []), sizes: { dtype: 'int64', shape: [4], data: BigInt64Array.from(sizes.map(BigInt)) } }, attrs, 13);
}

describe('resampling', () => {
  it('upsample_nearest_neighbor repeats pixels', () => {
    const [out] = runOp('upsample_nearest_neighbor', { x, scale_factor_height: scalar(2), scale_factor_width: scalar(1) }, F([1, 1, 4, 2]));
    expect(values(out!)).toEqual([1, 2, 1, 2, 3, 4, 3, 4]);
  });

  it('upsample_bilinear with align_corners interpolates between corner-aligned samples', () => {
    const [out] = runOp('upsample_bilinear', { x: f32([1, 1, 1, 2], [0, 3]), scale_factor_height: scalar(1), scale_factor_width: scalar(2), align_corners: flag(true) }, F([1, 1, 1, 4]));
    expect(values(out!)).toEqual([0, 1, 2, 3]);
  });

  it('upsample_bilinear without align_corners uses half-pixel centers (PyTorch align_corners=False)', async () => {
    const input = f32([1, 2, 3, 4], seededFloats(24, 31));
    const ref = await onnxResize(input, [1, 2, 6, 8], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' });
    const [out] = runOp('upsample_bilinear', { x: input, scale_factor_height: scalar(2), scale_factor_width: scalar(2), align_corners: flag(false) }, F([1, 2, 6, 8]));
    expect(maxAbsDiff(values(out!), ref)).toBeLessThan(1e-6);
  });

  it('resize_bilinear sampling modes match their ONNX coordinate transforms', async () => {
    const input = f32([1, 1, 3, 5], seededFloats(15, 32));
    const cases = [
      ['STRICT_ALIGN_CORNERS', 'align_corners'],
      ['UNALIGN_CORNERS', 'half_pixel'],
      ['DEFAULT', 'asymmetric'],
    ] as const;
    for (const [mil, onnx] of cases) {
      const ref = await onnxResize(input, [1, 1, 7, 4], { mode: 'linear', coordinate_transformation_mode: onnx });
      const [out] = runOp('resize_bilinear', { x: input, target_size_height: int(7), target_size_width: int(4), sampling_mode: str(mil) }, F([1, 1, 7, 4]));
      expect(maxAbsDiff(values(out!), ref), mil).toBeLessThan(1e-6);
    }
  });

  it('resize_nearest_neighbor picks floor(i·in/out)', () => {
    const [out] = runOp('resize_nearest_neighbor', { x, target_size_height: int(1), target_size_width: int(4) }, F([1, 1, 1, 4]));
    expect(values(out!)).toEqual([1, 1, 2, 2]);
  });

  it('resize (iOS17) NEAREST_NEIGHBOR picks the grid point of the sampling mode, rounded (Apple: 2 → 3 rows read [0, 1, 1])', () => {
    const column = f32([1, 1, 2, 1], [-6.5, 9.25]);
    const [out] = runOp('resize', { x: column, shape: ints([3, 2]), resized_dims: int(2), interpolation_mode: str('NEAREST_NEIGHBOR'), sampling_mode: str('DEFAULT') }, F([1, 1, 3, 2]), 'CoreML7');
    expect(values(out!)).toEqual([-6.5, -6.5, 9.25, 9.25, 9.25, 9.25]);
    // 4 → 6 on the DEFAULT grid i·(4 − 4/6)/5 = 0, 0.67, 1.33, 2, 2.67, 3.33 reads [0, 1, 1, 2, 3, 3].
    const row = f32([1, 4], [10, 20, 30, 40]);
    const [wide] = runOp('resize', { x: row, shape: ints([6]), resized_dims: int(1), interpolation_mode: str('NEAREST_NEIGHBOR'), sampling_mode: str('DEFAULT') }, F([1, 6]), 'CoreML7');
    expect(values(wide!)).toEqual([10, 20, 20, 30, 40, 40]);
  });

  it('resize (iOS17) resizes the trailing dims, 0 keeping a dim', () => {
    const [out] = runOp('resize', { x, shape: ints([0, 3]), resized_dims: int(2), interpolation_mode: str('LINEAR'), sampling_mode: str('STRICT_ALIGN_CORNERS') }, F([1, 1, 2, 3]), 'CoreML7');
    expect(values(out!)).toEqual([1, 1.5, 2, 3, 3.5, 4]);
  });
});
