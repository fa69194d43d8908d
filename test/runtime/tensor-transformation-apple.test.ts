import { describe, expect, it } from 'vitest';
import type { MilOpset } from '../../src/mil/ir.js';
import { bool, f32, flag, i32, int, ints, runOp, uint, values, type Arg } from './build.js';

/**
 * Tensor transformations on the cases Apple's MIL op tests pin
 * (iOS14/test_tensor_transformation.py, iOS15 and iOS17 reshape with 0), the
 * expected values derived from those tests' numpy and torch formulas.
 */

const F = (shape: number[]) => ({ dtype: 'float32' as const, shape });
const run = (op: string, inputs: Record<string, Arg>, shape: number[], opset?: MilOpset) => values(runOp(op, inputs, F(shape), opset)[0]!);

describe('slice_by_index on x = arange(24) as [2, 3, 4]', () => {
  const x = f32([2, 3, 4], Array.from({ length: 24 }, (_, i) => i));
  // [begin, end, stride, begin_mask, end_mask, squeeze_mask] → (shape, values), each line the numpy slice it mirrors.
  const cases: [string, number[], number[], number[], boolean[], boolean[], boolean[], number[], number[]][] = [
    ['x[1:2, 1:2, 1:2]', [1, 1, 1], [2, 2, 2], [1, 1, 1], [], [], [], [1, 1, 1], [17]],
    ['x[1:2, 1:3, 1:4:2]', [1, 1, 1], [2, 3, 4], [1, 1, 2], [], [], [], [1, 2, 2], [17, 19, 21, 23]],
    ['x[-3:-1, -3:-1, -3:-1]', [-3, -3, -3], [-1, -1, -1], [1, 1, 1], [], [], [], [1, 2, 2], [1, 2, 5, 6]],
    ['x[0:-1, 0:-2, -3:-2]', [0, 0, -3], [-1, -2, -2], [1, 1, 1], [], [], [], [1, 1, 1], [1]],
    ['x[-1:0:-2, -1:1:-1, -1:-3:-3]', [-1, -1, -1], [0, 1, -3], [-2, -1, -3], [], [], [], [1, 1, 1], [23]],
    ['x[:2, 1:3, :4:2]', [1, 1, 1], [2, 3, 4], [1, 1, 2], [true, false, true], [], [], [2, 2, 2], [4, 6, 8, 10, 16, 18, 20, 22]],
    ['x[:, 1:, :4:2]', [1, 1, 1], [2, 3, 4], [1, 1, 2], [true, false, true], [true, true, false], [], [2, 2, 2], [4, 6, 8, 10, 16, 18, 20, 22]],
    ['x[1::1, 1, :3:2]', [1, 1, 1], [2, 3, 3], [1, 1, 2], [false, false, true], [true, false, false], [false, true, false], [1, 2], [16, 18]],
    ['x[1:2, 1:2, 1]', [1, 1, 1], [2, 2, 0], [1, 1, 1], [], [], [false, false, true], [1, 1], [17]],
    ['x[..., 1]', [0, 0, 1], [0, 0, 0], [1, 1, 1], [true, true, false], [true, true, false], [false, false, true], [2, 3], [1, 5, 9, 13, 17, 21]],
    ['x[0, 0, :]', [0, 0, 0], [0, 0, 0], [1, 1, 1], [false, false, true], [false, false, true], [true, true, false], [4], [0, 1, 2, 3]],
    ['x[1:2, ..., 1:2]', [1, 0, 1], [2, 0, 2], [1, 1, 1], [false, true, false], [false, true, false], [], [1, 3, 1], [13, 17, 21]],
  ];
  const mask = (m: boolean[]) => (m.length ? bool([m.length], m.map(Number)) : bool([3], [0, 0, 0]));
  for (const [name, begin, end, stride, bm, em, sm, shape, want] of cases) {
    it(name, () => {
      const got = run('slice_by_index', { x, begin: ints(begin), end: ints(end), stride: ints(stride), begin_mask: mask(bm), end_mask: mask(em), squeeze_mask: mask(sm) }, shape);
      expect(got).toEqual(want);
    });
  }
  it('a reverse slice of a size-1 dim from −1 to −2 keeps its one element', () => {
    const y = f32([1, 3, 2], [0, 1, 2, 3, 4, 5]);
    const got = run('slice_by_index', {
      x: y, begin: ints([-1, 0, 0]), end: ints([-2, 0, 0]), stride: ints([-1, 1, 1]),
      begin_mask: mask([false, true, true]), end_mask: mask([false, true, true]),
    }, [1, 3, 2]);
    expect(got).toEqual([0, 1, 2, 3, 4, 5]);
  });
  it('squeezing every dim leaves a scalar', () => {
    expect(run('slice_by_index', { x: f32([1], [2]), begin: ints([0]), end: ints([0]), squeeze_mask: mask([true]) }, [])).toEqual([2]);
    const y = f32([1, 1, 2, 1], [1, 3]);
    const all = mask([true, true, true, true]);
    expect(run('slice_by_index', { x: y, begin: ints([0, 0, 0, 0]), end: ints([0, 0, 0, 0]), squeeze_mask: all }, [])).toEqual([1]);
  });
  it('slice_by_size: begin [1, 1, 1] size [1, 2, 2] (−1 runs to the end)', () => {
    expect(run('slice_by_size', { x, begin: ints([1, 1, 1]), size: ints([1, 2, 2]) }, [1, 2, 2])).toEqual([17, 18, 21, 22]);
    expect(run('slice_by_size', { x, begin: ints([1, 1, 1]), size: ints([-1, 2, -1]) }, [1, 2, 3])).toEqual([17, 18, 19, 21, 22, 23]);
  });
});

describe('depth and space rearrangements', () => {
  const depth4 = f32([1, 4, 1, 1], [9, 5, 1, 3]);
  it('depth_to_space and pixel_shuffle of [1, 4, 1, 1] with block 2', () => {
    expect(run('depth_to_space', { x: depth4, block_size: int(2) }, [1, 1, 2, 2])).toEqual([9, 5, 1, 3]);
    expect(run('pixel_shuffle', { x: depth4, upscale_factor: int(2) }, [1, 1, 2, 2])).toEqual([9, 5, 1, 3]);
  });
  it('space_to_depth of [1, 1, 2, 2] with block 2', () => {
    expect(run('space_to_depth', { x: f32([1, 1, 2, 2], [7, 9, 4, 6]), block_size: int(2) }, [1, 4, 1, 1])).toEqual([7, 9, 4, 6]);
  });
  for (const [shape, r] of [[[1, 16, 1, 1], 2], [[2, 16, 3, 3], 2], [[2, 16, 3, 3], 4], [[1, 32, 1, 1], 4]] as const) {
    it(`pixel_shuffle is torch's PixelShuffle: [${shape.join(', ')}] by ${r}`, () => {
      const [n, c, h, w] = shape;
      const data = Array.from({ length: n * c * h * w }, (_, i) => i);
      const oc = c / (r * r);
      const got = run('pixel_shuffle', { x: f32([...shape], data), upscale_factor: int(r) }, [n, oc, h * r, w * r]);
      got.forEach((v, i) => {
        const ow = i % (w * r);
        const oh = Math.floor(i / (w * r)) % (h * r);
        const ch = Math.floor(i / (w * r * h * r)) % oc;
        const b = Math.floor(i / (w * r * h * r * oc));
        const src = (((b * c + ch * r * r + (oh % r) * r + (ow % r)) * h + Math.floor(oh / r)) * w) + Math.floor(ow / r);
        expect(v).toBe(src);
      });
    });
  }
  const batch = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
  const spread = [0, 1, 3, 0, 9, 11, 0, 2, 4, 0, 10, 12, 0, 5, 7, 0, 13, 15, 0, 6, 8, 0, 14, 16];
  it('space_to_batch with block [2, 2] and paddings [[0, 0], [2, 0]]', () => {
    expect(run('space_to_batch', { x: f32([2, 1, 2, 4], batch), block_shape: ints([2, 2]), paddings: i32([2, 2], [0, 0, 2, 0]) }, [8, 1, 1, 3])).toEqual(spread);
  });
  it('batch_to_space with the same block and crops inverts it', () => {
    expect(run('batch_to_space', { x: f32([8, 1, 1, 3], spread), block_shape: ints([2, 2]), crops: i32([2, 2], [0, 0, 2, 0]) }, [2, 1, 2, 4])).toEqual(batch);
  });
});

describe('sequence and window ops', () => {
  it('reverse_sequence reverses the first lengths[b] steps of each batch row', () => {
    const x = f32([4, 8], [1, 2, 3, 4, 5, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const got = run('reverse_sequence', { x, lengths: ints([7, 2, 3, 5]), seq_axis: int(1), batch_axis: int(0) }, [4, 8]);
    expect(got).toEqual([0, 0, 5, 4, 3, 2, 1, 0, 2, 1, 0, 0, 0, 0, 0, 0, 3, 2, 1, 4, 0, 0, 0, 0, 5, 4, 3, 2, 1, 6, 7, 8]);
  });
  it('sliding_windows along axis 1 with size 2', () => {
    expect(run('sliding_windows', { x: f32([1, 4, 1, 1], [9, 5, 1, 3]), axis: int(1), size: int(2) }, [1, 3, 2, 1, 1])).toEqual([9, 5, 5, 1, 1, 3]);
  });
  it('sliding_windows with stride 2 along a negative axis: (n − size) / stride + 1 windows', () => {
    const x = f32([2, 5], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(run('sliding_windows', { x, axis: int(-1), size: int(2), stride: int(2) }, [2, 2, 2])).toEqual([0, 1, 2, 3, 5, 6, 7, 8]);
  });
});

describe('split, concat, reshape', () => {
  const t = f32([3, 2], [1, 2, 3, 4, 5, 6]);
  it('split by num_splits and by split_sizes', () => {
    const halves = runOp('split', { x: t, num_splits: int(2), axis: int(1) }, [F([3, 1]), F([3, 1])]).map(values);
    expect(halves).toEqual([[1, 3, 5], [2, 4, 6]]);
    const parts = runOp('split', { x: t, split_sizes: ints([1, 2]), axis: int(0) }, [F([1, 2]), F([2, 2])]).map(values);
    expect(parts).toEqual([[1, 2], [3, 4, 5, 6]]);
  });
  it('concat with interleave takes one slice from each input in turn, at every axis', () => {
    const shape = [4, 2, 3];
    const [a, b] = [0, 100].map((o) => Array.from({ length: 24 }, (_, i) => i + o));
    for (let axis = -3; axis < 3; axis++) {
      const ax = (axis + 3) % 3;
      const outShape = shape.map((d, i) => (i === ax ? 2 * d : d));
      const got = run('concat', { values: [f32(shape, a!), f32(shape, b!)], axis: int(axis), interleave: flag(true) }, outShape);
      got.forEach((v, i) => {
        const idx = [Math.floor(i / (outShape[1]! * outShape[2]!)), Math.floor(i / outShape[2]!) % outShape[1]!, i % outShape[2]!];
        const from = idx[ax]! % 2;
        idx[ax] = Math.floor(idx[ax]! / 2);
        expect(v).toBe(idx[0]! * 6 + idx[1]! * 3 + idx[2]! + (from ? 100 : 0));
      });
    }
  });
  it('reshape: 0 copies the dim at the same position; from iOS17 the shapes align on the right', () => {
    const x = f32([2, 3], [1, 2, 3, 4, 5, 6]);
    for (const shape of [[0, -1], [0, 3], [-1, 0]]) expect(run('reshape', { x, shape: ints(shape) }, [2, 3])).toEqual([1, 2, 3, 4, 5, 6]);
    expect(run('reshape', { x, shape: ints([1, 0, -1, 0]) }, [1, 1, 2, 3], 'CoreML7')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => run('reshape', { x, shape: ints([1, 0, -1, 0]) }, [1, 1, 2, 3], 'CoreML6')).toThrow();
    expect(() => run('reshape', { x, shape: ints([4, 0, -1, 0]) }, [4, 1, 2, 3], 'CoreML7')).toThrow();
  });
});

describe('iOS18 slice_update writes update where slice_by_index would read, on x = arange(24) as [2, 3, 4]', () => {
  const x = f32([2, 3, 4], Array.from({ length: 24 }, (_, i) => i));
  const mask = (m: boolean[]) => bool([3], m.map(Number));
  const none = [false, false, false];
  // [numpy target, begin, end, stride, begin_mask, end_mask, squeeze_mask, update shape, result with update −1, −2, …]
  const cases: [string, number[], number[], number[], boolean[], boolean[], boolean[], number[], number[]][] = [
    ['x[1:2, 1:3, 1:3]', [1, 1, 1], [2, 3, 3], [1, 1, 1], none, none, none, [1, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, -1, -2, 19, 20, -3, -4, 23]],
    ['x[:2, 1:3, :4:2]', [1, 1, 1], [2, 3, 4], [1, 1, 2], [true, false, true], none, none, [2, 2, 2], [0, 1, 2, 3, -1, 5, -2, 7, -3, 9, -4, 11, 12, 13, 14, 15, -5, 17, -6, 19, -7, 21, -8, 23]],
    ['x[:, 1:, :4:2]', [1, 1, 1], [2, 3, 4], [1, 1, 2], [true, false, true], [true, true, false], none, [2, 2, 2], [0, 1, 2, 3, -1, 5, -2, 7, -3, 9, -4, 11, 12, 13, 14, 15, -5, 17, -6, 19, -7, 21, -8, 23]],
    ['x[1::1, 1, :3:2]', [1, 1, 1], [2, 3, 3], [1, 1, 2], [false, false, true], [true, false, false], [false, true, false], [1, 2], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, -1, 17, -2, 19, 20, 21, 22, 23]],
    ['x[-1:0:-2, -1:1:-1, -1:-3:-3]', [-1, -1, -1], [0, 1, -3], [-2, -1, -3], none, none, none, [1, 1, 1], [...Array.from({ length: 23 }, (_, i) => i), -1]],
  ];
  for (const [name, begin, end, stride, bm, em, sm, updateShape, want] of cases) {
    it(name, () => {
      const n = updateShape.reduce((p, d) => p * d, 1);
      const update = f32(updateShape, Array.from({ length: n }, (_, i) => -(i + 1)));
      const got = run('slice_update', {
        x, update, begin: ints(begin), end: ints(end), stride: ints(stride), begin_mask: mask(bm), end_mask: mask(em), squeeze_mask: mask(sm),
      }, [2, 3, 4], 'CoreML8');
      expect(got).toEqual(want);
    });
  }
});

describe('iOS16 pixel_unshuffle is torch.nn.PixelUnshuffle', () => {
  it('[1, 1, 2, 2] by 2', () => {
    const [out] = runOp('pixel_unshuffle', { x: f32([1, 1, 2, 2], [9, 5, 1, 3]), downscale_factor: uint(2) }, F([1, 4, 1, 1]), 'CoreML6');
    expect(values(out!)).toEqual([9, 5, 1, 3]);
  });
  for (const [shape, r] of [[[1, 2, 4, 4], 2], [[1, 2, 4, 4], 4], [[2, 1, 8, 4], 2], [[2, 1, 8, 4], 4]] as const) {
    it(`[${shape.join(', ')}] by ${r}: out[n, c·r² + i·r + j, h, w] = x[n, c, h·r + i, w·r + j]`, () => {
      const [n, c, h, w] = shape;
      const [oh, ow, oc] = [h / r, w / r, c * r * r];
      const x = Array.from({ length: n * c * h * w }, (_, i) => i);
      const got = run('pixel_unshuffle', { x: f32([...shape], x), downscale_factor: uint(r) }, [n, oc, oh, ow], 'CoreML6');
      got.forEach((v, o) => {
        const [b, ch, y, z] = [Math.floor(o / (oc * oh * ow)), Math.floor(o / (oh * ow)) % oc, Math.floor(o / ow) % oh, o % ow];
        const [src, i, j] = [Math.floor(ch / (r * r)), Math.floor((ch % (r * r)) / r), ch % r];
        expect(v).toBe(((b * c + src) * h + y * r + i) * w + z * r + j);
      });
    });
  }
});
