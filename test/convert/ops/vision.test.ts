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
