import { describe, expect, it } from 'vitest';
import { node } from '../../helpers/onnx-graph.js';
import { f32, infer } from './nn-helpers.js';

describe('Conv shape inference', () => {
  it('uses explicit pads, strides and dilations', () => {
    const n = node('Conv', ['x', 'w'], ['y'], { pads: [1, 0, 1, 0], strides: [2, 1], dilations: [1, 2] });
    expect(infer(n, [f32(1, 3, 9, 9), f32(8, 3, 3, 3)])).toEqual([f32(1, 8, 5, 5)]);
  });
  it('infers a missing kernel_shape from the weight', () => {
    const n = node('Conv', ['x', 'w'], ['y']);
    expect(infer(n, [f32('N', 2, 10), f32(4, 2, 5)])).toEqual([f32('N', 4, 6)]);
  });
  it('gives ceil(in / stride) for SAME_UPPER and SAME_LOWER', () => {
    for (const autoPad of ['SAME_UPPER', 'SAME_LOWER']) {
      const n = node('Conv', ['x', 'w'], ['y'], { auto_pad: autoPad, strides: [2, 2] });
      expect(infer(n, [f32(1, 1, 7, 8), f32(1, 1, 4, 4)])).toEqual([f32(1, 1, 4, 4)]);
    }
  });
  it('keeps unknown spatial dims unknown', () => {
    const n = node('Conv', ['x', 'w'], ['y'], { kernel_shape: [3, 3] });
    expect(infer(n, [f32(1, 3, 'H', 'W'), f32(2, 3, 3, 3)])).toEqual([f32(1, 2, null, null)]);
  });
});

describe('ConvTranspose shape inference', () => {
  it('adds output_padding and subtracts pads', () => {
    const n = node('ConvTranspose', ['x', 'w'], ['y'], { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] });
    // 2 * (5 - 1) + 1 + 3 - 2 = 10
    expect(infer(n, [f32(1, 4, 5, 5), f32(4, 3, 3, 3)])).toEqual([f32(1, 3, 10, 10)]);
  });
  it('multiplies the per-group output channels by group', () => {
    const n = node('ConvTranspose', ['x', 'w'], ['y'], { group: 2 });
    expect(infer(n, [f32(1, 4, 3), f32(4, 3, 2)])).toEqual([f32(1, 6, 4)]);
  });
  it('takes an explicit output_shape', () => {
    const n = node('ConvTranspose', ['x', 'w'], ['y'], { strides: [3, 3], output_shape: [10, 8] });
    expect(infer(n, [f32(1, 1, 3, 3), f32(1, 1, 3, 3)])).toEqual([f32(1, 1, 10, 8)]);
  });
});
