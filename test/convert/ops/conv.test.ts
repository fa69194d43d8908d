import { describe, expect, it } from 'vitest';
import { ConversionError } from '../../../src/errors.js';
import { makeTensor } from '../../../src/tensor/tensor.js';
import { node } from '../../helpers/onnx-graph.js';
import { convertNode, f32 } from './harness.js';

const w = (...shape: number[]) => makeTensor('float32', shape, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i));

describe('Conv converter', () => {
  it('emits one conv with custom pads reordered to MIL before/after pairs', () => {
    const n = node('Conv', ['x', 'w', 'b'], ['y'], { pads: [1, 2, 3, 4], strides: [2, 1], group: 1 });
    const r = convertNode(n, { x: f32(1, 3, 16, 16) }, { w: w(8, 3, 3, 3), b: w(8) });
    expect(r.ops.map((o) => o.type)).toEqual(['conv']);
    const c = r.op('conv');
    expect(r.paramValues(c, 'pad_type')).toEqual(['custom']);
    expect(r.paramValues(c, 'pad')).toEqual([1, 3, 2, 4]);
    expect(r.paramValues(c, 'strides')).toEqual([2, 1]);
    expect(r.outType()).toEqual(f32(1, 8, 9, 20));
  });

  it('maps SAME_UPPER to pad_type same', () => {
    const n = node('Conv', ['x', 'w'], ['y'], { auto_pad: 'SAME_UPPER', strides: [2, 2] });
    const r = convertNode(n, { x: f32(1, 1, 7, 7) }, { w: w(2, 1, 4, 4) });
    expect(r.paramValues(r.op('conv'), 'pad_type')).toEqual(['same']);
    expect(r.outType().shape).toEqual([1, 2, 4, 4]);
  });

  it('turns SAME_LOWER into explicit pads on iOS15, extra pixel at the start', () => {
    const n = node('Conv', ['x', 'w'], ['y'], { auto_pad: 'SAME_LOWER' });
    const r = convertNode(n, { x: f32(1, 1, 6, 6) }, { w: w(1, 1, 2, 2) });
    const c = r.op('conv');
    expect(r.paramValues(c, 'pad_type')).toEqual(['custom']);
    expect(r.paramValues(c, 'pad')).toEqual([1, 0, 1, 0]);
    expect(r.outType().shape).toEqual([1, 1, 6, 6]);
  });

  it('uses same_lower for unknown sizes on iOS16 and refuses on iOS15', () => {
    const n = node('Conv', ['x', 'w'], ['y'], { auto_pad: 'SAME_LOWER' });
    const r = convertNode(n, { x: f32(1, 1, null, null) }, { w: w(1, 1, 2, 2) }, { target: 'iOS16' });
    expect(r.paramValues(r.op('conv'), 'pad_type')).toEqual(['same_lower']);
    expect(() => convertNode(n, { x: f32(1, 1, null, null) }, { w: w(1, 1, 2, 2) })).toThrow(ConversionError);
  });

  it('converts a depthwise 1-D conv with dilations and a kernel taken from the weight', () => {
    const n = node('Conv', ['x', 'w'], ['y'], { group: 4, dilations: [2] });
    const r = convertNode(n, { x: f32(1, 4, 10) }, { w: w(4, 1, 3) });
    const c = r.op('conv');
    expect(r.paramValues(c, 'groups')).toEqual([4]);
    expect(r.paramValues(c, 'dilations')).toEqual([2]);
    expect(r.paramValues(c, 'pad_type')).toEqual(['valid']);
    expect(r.outType().shape).toEqual([1, 4, 6]);
  });

  it('refuses a non-constant bias before iOS17', () => {
    const n = node('Conv', ['x', 'w', 'b'], ['y']);
    expect(() => convertNode(n, { x: f32(1, 2, 4, 4), b: f32(3) }, { w: w(3, 2, 1, 1) })).toThrow(/iOS17/);
  });
});

describe('ConvTranspose converter', () => {
  it('folds output_padding into a smaller end crop', () => {
    // PyTorch ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1): 5 → 10.
    const n = node('ConvTranspose', ['x', 'w', 'b'], ['y'], { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] });
    const r = convertNode(n, { x: f32(1, 4, 5, 5) }, { w: w(4, 3, 3, 3), b: w(3) });
    expect(r.ops.map((o) => o.type)).toEqual(['conv_transpose']);
    const c = r.op('conv_transpose');
    expect(r.paramValues(c, 'pad_type')).toEqual(['custom']);
    expect(r.paramValues(c, 'pad')).toEqual([1, 0, 1, 0]);
    expect(r.outType()).toEqual(f32(1, 3, 10, 10));
  });

  it('zero-extends the end and adds the bias afterwards when output_padding exceeds the pads', () => {
    const n = node('ConvTranspose', ['x', 'w', 'b'], ['y'], { strides: [2], output_padding: [1] });
    const r = convertNode(n, { x: f32(1, 2, 4) }, { w: w(2, 3, 3), b: w(3) });
    expect(r.ops.map((o) => o.type)).toEqual(['conv_transpose', 'pad', 'add']);
    expect(r.paramValues(r.op('pad'), 'pad')).toEqual([0, 1]);
    expect(r.param(r.op('conv_transpose'), 'bias')).toBeUndefined();
    expect(r.param(r.op('add'), 'y')?.shape).toEqual([3, 1]);
    expect(r.outType().shape).toEqual([1, 3, 10]);
  });

  it('derives pads from an explicit output_shape', () => {
    const n = node('ConvTranspose', ['x', 'w'], ['y'], { strides: [2, 2], output_shape: [9, 10] });
    const r = convertNode(n, { x: f32(1, 1, 5, 5) }, { w: w(1, 2, 3, 3) });
    // full size 11: total 2 → (1, 1) and total 1 → (1, 0) for NOTSET.
    expect(r.paramValues(r.op('conv_transpose'), 'pad')).toEqual([1, 1, 1, 0]);
    expect(r.outType().shape).toEqual([1, 2, 9, 10]);
  });

  it('keeps groups and gives C_out = groups * weight dim 1', () => {
    const n = node('ConvTranspose', ['x', 'w'], ['y'], { group: 2 });
    const r = convertNode(n, { x: f32(1, 4, 3, 3) }, { w: w(4, 3, 2, 2) });
    expect(r.paramValues(r.op('conv_transpose'), 'groups')).toEqual([2]);
    expect(r.outType().shape).toEqual([1, 6, 4, 4]);
  });
});
