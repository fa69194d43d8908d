import { describe, expect, it } from 'vitest';
import { makeTensor } from '../../../src/tensor/tensor.js';
import { node } from '../../helpers/onnx-graph.js';
import { convertNode, f32 } from './harness.js';
import { compareWithOrt, seededTensor } from './ort-parity.js';

async function expectParity(...args: Parameters<typeof compareWithOrt>): Promise<void> {
  const verdicts = await compareWithOrt(...args);
  for (const v of verdicts) expect(v.pass, `${v.reason ?? ''} max abs ${v.metrics.maxAbsError}`).toBe(true);
}

/** A grid reaching past [-1, 1] so every padding rule is exercised. */
function wideGrid(shape: number[], seed: number) {
  const t = seededTensor(shape, seed);
  return makeTensor('float32', shape, (t.data as Float32Array).map((v) => v * 1.6));
}

describe('GridSample converter', () => {
  it('emits resample with normalized coordinates, constant padding for zeros and the align_corners flag', () => {
    const r = convertNode(node('GridSample', ['x', 'g'], ['y'], { align_corners: 1 }), { x: f32(1, 3, 5, 6), g: f32(1, 4, 2, 2) }, {}, { opset: 16 });
    const op = r.op('resample');
    expect(r.paramValues(op, 'sampling_mode')).toEqual(['bilinear']);
    expect(r.paramValues(op, 'padding_mode')).toEqual(['constant']);
    expect(r.paramValues(op, 'coordinates_mode')).toEqual(['normalized_minus_one_to_one']);
    expect(r.paramValues(op, 'align_corners')).toEqual([1]);
    expect(r.outType()).toEqual(f32(1, 3, 4, 2));
  });

  it('maps reflection to MIL reflection with align_corners and to symmetric without', () => {
    for (const [align, expected] of [[1, 'reflection'], [0, 'symmetric']] as const) {
      const n = node('GridSample', ['x', 'g'], ['y'], { align_corners: align, padding_mode: 'reflection' });
      const r = convertNode(n, { x: f32(1, 1, 4, 4), g: f32(1, 2, 2, 2) }, {}, { opset: 16 });
      expect(r.paramValues(r.op('resample'), 'padding_mode')).toEqual([expected]);
    }
  });

  it('accepts opset-20 mode names and refuses cubic sampling and 5-D inputs', () => {
    const linear = convertNode(node('GridSample', ['x', 'g'], ['y'], { mode: 'linear' }), { x: f32(1, 1, 4, 4), g: f32(1, 2, 2, 2) }, {}, { opset: 20 });
    expect(linear.paramValues(linear.op('resample'), 'sampling_mode')).toEqual(['bilinear']);
    const cubic = node('GridSample', ['x', 'g'], ['y'], { mode: 'bicubic' });
    expect(() => convertNode(cubic, { x: f32(1, 1, 4, 4), g: f32(1, 2, 2, 2) }, {}, { opset: 16 })).toThrow(/bicubic/);
    const volume = node('GridSample', ['x', 'g'], ['y'], {});
    expect(() => convertNode(volume, { x: f32(1, 1, 2, 4, 4), g: f32(1, 2, 2, 2, 3) }, {}, { opset: 20 })).toThrow(/rank 5/);
  });

  for (const mode of ['bilinear', 'nearest']) {
    for (const padding of ['zeros', 'border', 'reflection']) {
      for (const align of [0, 1]) {
        it(`matches onnxruntime: ${mode}, ${padding} padding, align_corners ${align}`, async () => {
          const n = node('GridSample', ['x', 'g'], ['y'], { mode, padding_mode: padding, align_corners: align });
          await expectParity(n, { x: seededTensor([2, 3, 5, 4], 3), g: wideGrid([2, 6, 7, 2], 11) }, {}, { opset: 16 });
        });
      }
    }
  }
});

/**
 * A grid whose every point lies exactly halfway between two pixels (positions
 * j + 0.5, j from -2 to n): onnxruntime rounds those to the even pixel, Core ML's
 * resample rounds them up, so the converter has to round them itself.
 */
function tieGrid(n: number, align: boolean, seed: number) {
  const toGrid = (p: number) => (align ? (2 * p) / (n - 1) - 1 : (2 * p + 1) / n - 1);
  const ties = Array.from({ length: n + 3 }, (_, k) => toGrid(k - 2 + 0.5));
  const pick = seededTensor([2 * 5 * 6 * 2], seed).data as Float32Array;
  return makeTensor('float32', [2, 5, 6, 2], pick.map((v) => ties[Math.floor(((v + 1) / 2) * ties.length)]!));
}

describe('GridSample nearest at exact halves', () => {
  for (const padding of ['zeros', 'border', 'reflection']) {
    for (const align of [0, 1]) {
      it(`rounds them to even like onnxruntime: ${padding} padding, align_corners ${align}`, async () => {
        const n = node('GridSample', ['x', 'g'], ['y'], { mode: 'nearest', padding_mode: padding, align_corners: align });
        const size = align ? 5 : 4;
        for (const seed of [21, 22]) await expectParity(n, { x: seededTensor([2, 3, size, size], seed), g: tieGrid(size, align === 1, seed) }, {}, { opset: 16 });
      });
    }
  }
  it('hands resample whole pixel positions', () => {
    const r = convertNode(node('GridSample', ['x', 'g'], ['y'], { mode: 'nearest' }), { x: f32(1, 3, 5, 6), g: f32(1, 4, 2, 2) }, {}, { opset: 16 });
    expect(r.paramValues(r.op('resample'), 'coordinates_mode')).toEqual(['unnormalized']);
    expect(r.ops.map((o) => o.type)).toContain('floor');
  });
});

describe('MaxUnpool converter', () => {
  const i64 = (shape: number[], v: number[]) => makeTensor('int64', shape, BigInt64Array.from(v.map(BigInt)));

  it('scatters X into fill(0) of the unpooled size at the flat indices and reshapes', () => {
    const n = node('MaxUnpool', ['x', 'i'], ['y'], { kernel_shape: [2, 2], strides: [2, 2] });
    const r = convertNode(n, { x: f32(1, 1, 2, 2) }, { i: i64([1, 1, 2, 2], [5, 7, 13, 15]) }, { opset: 11 });
    expect(r.ops.map((o) => o.type)).toEqual(['reshape', 'fill', 'reshape', 'scatter', 'reshape']);
    expect(r.paramValues(r.op('fill'), 'shape')).toEqual([16]);
    expect(r.paramValues(r.op('scatter'), 'mode')).toEqual(['update']);
    expect(r.outType()).toEqual(f32(1, 1, 4, 4));
  });

  it('takes a constant output_shape, and a run-time one through reduce_prod and a dynamic reshape', () => {
    const n = node('MaxUnpool', ['x', 'i', 's'], ['y'], { kernel_shape: [2, 2], strides: [2, 2] });
    const idx = i64([1, 1, 2, 2], [5, 7, 13, 15]);
    const r = convertNode(n, { x: f32(1, 1, 2, 2) }, { i: idx, s: i64([4], [1, 1, 5, 5]) }, { opset: 11 });
    expect(r.outType()).toEqual(f32(1, 1, 5, 5));
    const dyn = convertNode(n, { x: f32(1, 1, 2, 2), s: { dtype: 'int32', shape: [4] } }, { i: idx }, { opset: 11 });
    expect(dyn.ops.map((o) => o.type)).toEqual(['reduce_prod', 'reshape', 'fill', 'reshape', 'scatter', 'reshape']);
    expect(dyn.outType()).toEqual(f32(null, null, null, null));
  });

  it('matches onnxruntime with pads and an explicit output_shape', async () => {
    // Indices of a 2x2/stride-2 max pool over a 2x2x5x5 input (one per window, flat over the whole tensor).
    const idx: number[] = [];
    for (let plane = 0; plane < 4; plane++) for (const [r, c] of [[0, 1], [1, 3], [3, 0], [2, 2]]) idx.push(plane * 25 + r * 5 + c);
    const n = node('MaxUnpool', ['x', 'i', 's'], ['y'], { kernel_shape: [2, 2], strides: [2, 2] });
    await expectParity(n, { x: seededTensor([2, 2, 2, 2], 5) }, { i: i64([2, 2, 2, 2], idx), s: i64([4], [2, 2, 5, 5]) }, { opset: 11 });
    const padded = node('MaxUnpool', ['x', 'i'], ['y'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 0, 0] });
    await expectParity(padded, { x: seededTensor([1, 1, 2, 2], 6) }, { i: i64([1, 1, 2, 2], [0, 3, 8, 10]) }, { opset: 11 });
  });
});

describe('RoiAlign converter', () => {
  const batches = (...v: number[]) => makeTensor('int64', [v.length], BigInt64Array.from(v.map(BigInt)));
  const rois = (...v: number[][]) => makeTensor('float32', [v.length, 4], Float32Array.from(v.flat()));

  it('builds per-axis sampling matrices and applies them with two matmuls over the gathered images', () => {
    const n = node('RoiAlign', ['x', 'r', 'b'], ['y'], { output_height: 3, output_width: 2, sampling_ratio: 2 });
    const r = convertNode(n, { x: f32(2, 4, 8, 8), r: f32(5, 4) }, { b: batches(0, 1, 1, 0, 1) }, { opset: 16 });
    const types = r.ops.map((o) => o.type);
    expect(types.filter((t) => t === 'matmul')).toHaveLength(2);
    expect(types).toContain('gather');
    expect(r.outType()).toEqual(f32(5, 4, 3, 2));
  });

  it('refuses max mode and adaptive sampling precisely', () => {
    const x = { x: f32(1, 1, 8, 8), r: f32(1, 4) };
    const max = node('RoiAlign', ['x', 'r', 'b'], ['y'], { mode: 'max', sampling_ratio: 2 });
    expect(() => convertNode(max, x, { b: batches(0) }, { opset: 16 })).toThrow(/mode "max"/);
    const adaptive = node('RoiAlign', ['x', 'r', 'b'], ['y'], {});
    expect(() => convertNode(adaptive, x, { b: batches(0) }, { opset: 16 })).toThrow(/sampling_ratio 0/);
  });

  const boxes = rois([0, 0, 9, 9], [0, 5, 4, 9], [5, 5, 9, 9], [-3, 2, 4.5, 12], [3.2, 1.1, 3.4, 1.6]);
  for (const mode of ['half_pixel', 'output_half_pixel']) {
    it(`matches onnxruntime with ${mode} coordinates, ROIs crossing the border and tiny ROIs`, async () => {
      const n = node('RoiAlign', ['x', 'r', 'b'], ['y'], { output_height: 4, output_width: 3, sampling_ratio: 2, spatial_scale: 0.9, coordinate_transformation_mode: mode }, ['spatial_scale']);
      await expectParity(n, { x: seededTensor([2, 3, 10, 9], 4), r: boxes }, { b: batches(0, 1, 1, 0, 1) }, { opset: 16 });
    });
  }

  it('matches onnxruntime at opset 10 (output_half_pixel by default) with three samples per bin', async () => {
    const n = node('RoiAlign', ['x', 'r', 'b'], ['y'], { output_height: 2, output_width: 5, sampling_ratio: 3 });
    await expectParity(n, { x: seededTensor([1, 2, 7, 11], 8), r: rois([1, 1, 8, 5], [0, 0, 10, 6]) }, { b: batches(0, 0) }, { opset: 10 });
  });
});
