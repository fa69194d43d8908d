import { describe, expect, it } from 'vitest';
import { makeTensor } from '../../../src/tensor/tensor.js';
import { node } from '../../helpers/onnx-graph.js';
import { f32, infer } from './nn-helpers.js';

const i64 = (...v: number[]) => makeTensor('int64', [v.length], BigInt64Array.from(v.map(BigInt)));
const fl = (...v: number[]) => makeTensor('float32', [v.length], Float32Array.from(v));

describe('Pad shape inference', () => {
  it('reads pads from the input from opset 11, begins before ends', () => {
    const n = node('Pad', ['x', 'p'], ['y']);
    expect(infer(n, [f32(1, 3, 4, 4)], { 1: i64(0, 0, 1, 2, 0, 0, 3, 4) })).toEqual([f32(1, 3, 8, 10)]);
  });
  it('reads pads from the attribute before opset 11', () => {
    const n = node('Pad', ['x'], ['y'], { pads: [0, 1, 0, 1] });
    expect(infer(n, [f32(2, 3)], {}, 10)).toEqual([f32(2, 5)]);
  });
  it('applies opset-18 axes', () => {
    const n = node('Pad', ['x', 'p', '', 'a'], ['y']);
    expect(infer(n, [f32(2, 3, 4)], { 1: i64(1, 2), 3: i64(-1) }, 18)).toEqual([f32(2, 3, 7)]);
  });
});

describe('Resize and Upsample shape inference', () => {
  it('floors in * scale', () => {
    const n = node('Resize', ['x', '', 's'], ['y'], { mode: 'nearest' });
    expect(infer(n, [f32(1, 3, 5, 5)], { 2: fl(1, 1, 1.5, 2) })).toEqual([f32(1, 3, 7, 10)]);
  });
  it('takes sizes over scales', () => {
    const n = node('Resize', ['x', '', '', 'sz'], ['y']);
    expect(infer(n, [f32(1, 3, 5, 5)], { 3: i64(1, 3, 9, 4) })).toEqual([f32(1, 3, 9, 4)]);
  });
  it('honours keep_aspect_ratio_policy not_larger', () => {
    const n = node('Resize', ['x', '', '', 'sz'], ['y'], { axes: [2, 3], keep_aspect_ratio_policy: 'not_larger' });
    expect(infer(n, [f32(1, 1, 4, 8)], { 3: i64(8, 8) }, 18)).toEqual([f32(1, 1, 4, 8)]);
  });
  it('reads Upsample scales from the attribute in opset 7', () => {
    const n = node('Upsample', ['x'], ['y'], { scales: [1, 1, 2, 2] }, ['scales']);
    expect(infer(n, [f32(1, 2, 3, 4)], {}, 7)).toEqual([f32(1, 2, 6, 8)]);
  });
});

describe('LSTM shape inference', () => {
  it('gives Y [T, D, B, H] and states [D, B, H]', () => {
    const n = node('LSTM', ['x', 'w', 'r'], ['y', 'yh', 'yc'], { hidden_size: 6 });
    expect(infer(n, [f32(10, 2, 8)])).toEqual([f32(10, 1, 2, 6), f32(1, 2, 6), f32(1, 2, 6)]);
  });
  it('puts the batch first with layout 1', () => {
    const n = node('LSTM', ['x', 'w', 'r'], ['y', 'yh'], { hidden_size: 6, layout: 1, direction: 'bidirectional' });
    expect(infer(n, [f32(2, 10, 8)])).toEqual([f32(2, 10, 2, 6), f32(2, 2, 6)]);
  });
});
