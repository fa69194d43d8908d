import { describe, expect, it } from 'vitest';
import { makeTensor } from '../../../src/tensor/tensor.js';
import { node, valueInfo } from '../../helpers/onnx-graph.js';
import { convertGraph } from './elementwise-helpers.js';
import { compareWithOrt, seededTensor } from './ort-parity.js';

const f32 = (shape: number[], name: string) => valueInfo(name, 'float32', shape);
const floats = (shape: number[], values: number[]) => makeTensor('float32', shape, Float32Array.from(values));

describe('Hardmax', () => {
  const hardmax = (attrs: Record<string, number>, opset: number, shape = [2, 3]) =>
    convertGraph({ nodes: [node('Hardmax', ['x'], ['y'], attrs)], inputs: [f32(shape, 'x')], outputs: [f32(shape, 'y')], opset });

  it('compares reduce_argmax with the class positions and casts the match to x dtype', () => {
    const c = hardmax({}, 13);
    expect(c.types).toEqual(['reduce_argmax', 'equal', 'cast']);
    expect(c.run({ x: floats([2, 3], [1, 5, 2, 7, 0, 7]) })['y']).toEqual([0, 1, 0, 1, 0, 0]);
  });

  it('picks the first of tied maxima along a leading axis', () => {
    const c = hardmax({ axis: 0 }, 13);
    expect(c.run({ x: floats([2, 3], [3, 3, 0, 3, 1, 2]) })['y']).toEqual([1, 1, 0, 0, 0, 1]);
  });

  it('before opset 13, flattens at axis and takes one maximum over the whole trailing block', () => {
    const c = hardmax({ axis: 1 }, 11, [2, 2, 2]);
    expect(c.types).toContain('reshape');
    const y = c.run({ x: floats([2, 2, 2], [0, 1, 9, 2, 5, 4, 3, 2]) })['y'];
    expect(y).toEqual([0, 0, 1, 0, 1, 0, 0, 0]);
  });

  it.each([
    [{ axis: -1 }, 13],
    [{ axis: 1 }, 13],
    [{ axis: 1 }, 11],
  ])('matches onnxruntime (%j, opset %i)', async (attrs, opset) => {
    const verdicts = await compareWithOrt(node('Hardmax', ['x'], ['y'], attrs), { x: seededTensor([2, 3, 4], 3) }, {}, { opset });
    expect(verdicts[0]?.pass, verdicts[0]?.reason).toBe(true);
  });
});

describe('Shrink', () => {
  const shrink = (attrs: Record<string, number>, dtype: 'float32' | 'int32' = 'float32') =>
    convertGraph({
      nodes: [node('Shrink', ['x'], ['y'], attrs, ['lambd', 'bias'])],
      inputs: [valueInfo('x', dtype, [5])],
      outputs: [valueInfo('y', dtype, [5])],
    });

  it('adds bias below -lambd, subtracts it above lambd and zeroes the band between', () => {
    const c = shrink({ lambd: 1.5, bias: 0.5 });
    expect(c.types).toEqual(['less', 'add', 'select', 'greater', 'sub', 'select']);
    expect(c.run({ x: floats([5], [-2, -1, 0, 1, 2]) })['y']).toEqual([-1.5, 0, 0, 0, 1.5]);
  });

  it('defaults to lambd 0.5 (hard shrink) and computes integers in fp32', () => {
    const c = shrink({}, 'int32');
    expect(c.run({ x: makeTensor('int32', [5], Int32Array.from([-2, -1, 0, 1, 2])) })['y']).toEqual([-2, -1, 0, 1, 2]);
    expect(shrink({ lambd: 1 }, 'int32').run({ x: makeTensor('int32', [5], Int32Array.from([-2, -1, 0, 1, 2])) })['y']).toEqual([-2, 0, 0, 0, 2]);
  });

  it('matches onnxruntime (soft shrink)', async () => {
    const n = node('Shrink', ['x'], ['y'], { lambd: 0.3, bias: 0.3 }, ['lambd', 'bias']);
    const verdicts = await compareWithOrt(n, { x: seededTensor([3, 7], 9) });
    expect(verdicts[0]?.pass, verdicts[0]?.reason).toBe(true);
  });
});
