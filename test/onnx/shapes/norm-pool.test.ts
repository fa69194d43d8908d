import { describe, expect, it } from 'vitest';
import { node } from '../../helpers/onnx-graph.js';
import { f32, infer } from './nn-helpers.js';

describe('normalization shape inference', () => {
  it('keeps the input type for BatchNormalization', () => {
    expect(infer(node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y']), [f32(1, 4, 2, 2)])[0]).toEqual(f32(1, 4, 2, 2));
  });
  it('gives LayerNormalization statistics 1s from axis on', () => {
    const [y, mean] = infer(node('LayerNormalization', ['x', 's'], ['y', 'm', 'r'], { axis: 1 }), [f32(2, 5, 16)]);
    expect(y).toEqual(f32(2, 5, 16));
    expect(mean).toEqual(f32(2, 1, 1));
  });
});

describe('pooling shape inference', () => {
  it('uses ceil_mode and drops a window starting in the end padding', () => {
    const n = node('MaxPool', ['x'], ['y'], { kernel_shape: [2], strides: [2], pads: [1, 1], ceil_mode: 1 });
    expect(infer(n, [f32(1, 1, 4)])[0]).toEqual(f32(1, 1, 3));
  });
  it('floors without ceil_mode', () => {
    const n = node('AveragePool', ['x'], ['y'], { kernel_shape: [3, 3], strides: [2, 2] });
    expect(infer(n, [f32(1, 2, 8, 8)])[0]).toEqual(f32(1, 2, 3, 3));
  });
  it('reduces the spatial dims to 1 for global pooling', () => {
    expect(infer(node('GlobalAveragePool', ['x'], ['y']), [f32('N', 8, 7, 7)])).toEqual([f32('N', 8, 1, 1)]);
  });
});
