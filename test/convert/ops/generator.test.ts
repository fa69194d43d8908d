import { describe, expect, it } from 'vitest';
import { ConversionError } from '../../../src/errors.js';
import { makeTensor } from '../../../src/tensor/tensor.js';
import { node, valueInfo } from '../../helpers/onnx-graph.js';
import { convertGraph } from './elementwise-helpers.js';
import { compareTypedWithOrt, int64Input } from './ort-typed.js';

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

describe('window functions', () => {
  const window = (op: string, attrs: Record<string, number>, size?: number) =>
    convertGraph({
      nodes: [node(op, ['n'], ['w'], attrs)],
      inputs: size === undefined ? [valueInfo('n', 'int64', [])] : [],
      outputs: [valueInfo('w', 'float32', [size ?? 'n'])],
      initializers: size === undefined ? {} : { n: makeTensor('int64', [], BigInt64Array.from([BigInt(size)])) },
    });

  it('a constant size gives the periodic Hann window as a constant', () => {
    const c = window('HannWindow', {}, 4);
    expect(c.types.filter((t) => t !== 'identity')).toEqual([]);
    c.run({})['w']!.forEach((v, i) => expect(v).toBeCloseTo([0, 0.5, 1, 0.5][i]!, 6));
  });

  it('a symmetric window divides by size − 1, so it ends where it starts', () => {
    const y = window('HammingWindow', { periodic: 0 }, 5).run({})['w']!;
    expect(y[0]).toBeCloseTo(25 / 46 - 21 / 46, 6);
    expect(y[4]).toBeCloseTo(y[0]!, 6);
    expect(y[2]).toBeCloseTo(1, 6);
  });

  it('a run-time size builds the window from range_1d and cos', () => {
    const c = window('BlackmanWindow', {});
    expect(c.types).toEqual(expect.arrayContaining(['range_1d', 'cos', 'real_div']));
    const y = c.run({ n: makeTensor('int32', [1], Int32Array.from([4])) })['w']!;
    [0, 0.34, 1, 0.34].forEach((v, i) => expect(y[i]).toBeCloseTo(i === 0 ? 0 : v, 5));
  });

  it.each([
    ['HannWindow', 1],
    ['HammingWindow', 0],
    ['BlackmanWindow', 0],
  ])('%s (periodic %i) matches onnxruntime', async (op, periodic) => {
    const verdicts = await compareTypedWithOrt(node(op, ['n'], ['w'], { periodic }), { n: int64Input([], [10]) }, ['float32']);
    expect(verdicts[0]?.pass, verdicts[0]?.reason).toBe(true);
  });
});
