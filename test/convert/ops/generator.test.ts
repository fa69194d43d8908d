import { describe, expect, it } from 'vitest';
import { ConversionError } from '../../../src/errors.js';
import { makeTensor } from '../../../src/tensor/tensor.js';
import { node, valueInfo } from '../../helpers/onnx-graph.js';
import { convertGraph } from './elementwise-helpers.js';

describe('EyeLike', () => {
  const eye = (shape: (number | string)[], attrs: Record<string, number> = {}, outDType: 'float32' | 'int32' = 'float32') =>
    convertGraph({
      nodes: [node('EyeLike', ['x'], ['y'], attrs)],
      inputs: [valueInfo('x', 'float32', shape)],
      outputs: [valueInfo('y', outDType, shape)],
    });
  const x = (rows: number, cols: number) => makeTensor('float32', [rows, cols], new Float32Array(rows * cols));

  it('folds a static shape to a constant identity, the diagonal shifted by k', () => {
    const c = eye([3, 4], { k: 1 });
    expect(c.types.filter((t) => t !== 'identity')).toEqual([]);
    expect(c.run({ x: x(3, 4) })['y']).toEqual([0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  });

  it('takes the dtype attribute (int64 held as int32) and negative k', () => {
    const c = eye([3, 2], { k: -1, dtype: 7 }, 'int32');
    expect(c.typeOf('y').dtype).toBe('int32');
    expect(c.run({ x: x(3, 2) })['y']).toEqual([0, 0, 1, 0, 0, 1]);
  });

  it('builds a dynamic shape from range_1d of each dim, compared row + k == column', () => {
    const c = eye(['r', 'c'], { k: -1 });
    expect(c.types).toEqual(['shape', 'gather', 'range_1d', 'expand_dims', 'add', 'gather', 'range_1d', 'equal', 'cast']);
    expect(c.run({ x: x(3, 3) })['y']).toEqual([0, 0, 0, 1, 0, 0, 0, 1, 0]);
  });

  it('refuses inputs that are not 2-D', () => {
    expect(() => eye([2, 2, 2])).toThrow(ConversionError);
  });
});
