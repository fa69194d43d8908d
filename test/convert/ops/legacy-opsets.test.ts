import { describe, expect, it } from 'vitest';
import { ConversionError } from '../../../src/errors.js';
import { makeTensor } from '../../../src/tensor/tensor.js';
import { node, valueInfo } from '../../helpers/onnx-graph.js';
import { convertGraph } from './elementwise-helpers.js';

const f32 = (shape: number[], name: string) => valueInfo(name, 'float32', shape);
const floats = (shape: number[], values: number[]) => makeTensor('float32', shape, Float32Array.from(values));

function legacyBinary(op: string, bShape: number[], attrs: Record<string, number>, opset = 6) {
  return convertGraph({
    nodes: [node(op, ['a', 'b'], ['y'], attrs)],
    inputs: [f32([2, 3], 'a'), f32(bShape, 'b')],
    outputs: [f32([2, 3], 'y')],
    opset,
  });
}

describe('binary ops before opset 7 (broadcast and axis attributes)', () => {
  const a = floats([2, 3], [1, 2, 3, 4, 5, 6]);

  it('broadcast=1 without axis matches trailing dims, as NumPy does', () => {
    const c = legacyBinary('Add', [3], { broadcast: 1 });
    expect(c.types).toEqual(['add']);
    expect(c.run({ a, b: floats([3], [10, 20, 30]) })['y']).toEqual([11, 22, 33, 14, 25, 36]);
  });

  it('axis=0 aligns B with the leading dim by appending size-1 dims to B', () => {
    const c = legacyBinary('Mul', [2], { broadcast: 1, axis: 0 });
    expect(c.types).toEqual(['expand_dims', 'mul']);
    expect(c.typeOf('y')).toEqual({ dtype: 'float32', shape: [2, 3] });
    expect(c.run({ a, b: floats([2], [10, 100]) })['y']).toEqual([10, 20, 30, 400, 500, 600]);
  });

  it.each([
    ['Sub', [10, 100], [-9, -8, -7, -96, -95, -94]],
    ['Div', [10, 100], [0.1, 0.2, 0.3, 0.04, 0.05, 0.06]],
    ['Pow', [2, 3], [1, 4, 9, 64, 125, 216]],
  ])('%s honours axis the same way', (op, b, expected) => {
    const c = legacyBinary(op, [2], { broadcast: 1, axis: 0 });
    const y = c.run({ a, b: floats([2], b) })['y']!;
    y.forEach((v, i) => expect(v / expected[i]!).toBeCloseTo(1, 5));
  });

  it('refuses a B that does not fit A at axis', () => {
    expect(() => legacyBinary('Add', [2, 3], { broadcast: 1, axis: 1 })).toThrow(ConversionError);
  });

  it('opset 7 ignores the attributes and broadcasts NumPy-style', () => {
    expect(legacyBinary('Add', [3], {}, 7).types).toEqual(['add']);
  });

  it('Max, Min, Sum and Mean accept opset 6, where inputs share one shape', () => {
    for (const [op, expected] of [['Max', [4, 5, 6]], ['Min', [1, 2, 3]], ['Sum', [5, 7, 9]], ['Mean', [2.5, 3.5, 4.5]]] as const) {
      const c = convertGraph({ nodes: [node(op, ['a', 'b'], ['y'])], inputs: [f32([3], 'a'), f32([3], 'b')], outputs: [f32([3], 'y')], opset: 6 });
      expect(c.run({ a: floats([3], [1, 2, 3]), b: floats([3], [4, 5, 6]) })['y']).toEqual(expected);
    }
  });
});

describe('PRelu before opset 7', () => {
  const x = floats([1, 2, 2], [-1, 2, -3, 4]);
  const prelu = (slope: number[], constant: boolean) =>
    convertGraph({
      nodes: [node('PRelu', ['x', 's'], ['y'])],
      inputs: constant ? [f32([1, 2, 2], 'x')] : [f32([1, 2, 2], 'x'), f32([slope.length], 's')],
      outputs: [f32([1, 2, 2], 'y')],
      initializers: constant ? { s: floats([slope.length], slope) } : {},
      opset: 6,
    });

  it('applies a 1-D slope of C values per channel (axis 1), not along the last axis', () => {
    const c = prelu([0.5, 0.25], true);
    expect(c.types).toEqual(['prelu']);
    expect(c.run({ x })['y']).toEqual([-0.5, 2, -0.75, 4]);
  });

  it('a computed per-channel slope gets trailing size-1 dims', () => {
    const c = prelu([0.5, 0.25], false);
    expect(c.types).toContain('expand_dims');
    expect(c.run({ x, s: floats([2], [0.5, 0.25]) })['y']).toEqual([-0.5, 2, -0.75, 4]);
  });

  it('a single slope value is shared by every channel', () => {
    const c = prelu([0.1], true);
    expect(c.types).toEqual(['leaky_relu']);
    expect(c.run({ x })['y'].map((v) => Math.round(v * 100) / 100)).toEqual([-0.1, 2, -0.3, 4]);
  });
});
