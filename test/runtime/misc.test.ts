import { describe, expect, it } from 'vitest';
import { bool, f16, f32, flag, i32, int, ints, runOp, scalar, str, values } from './build.js';

describe('cast', () => {
  it('float to int truncates toward zero; to bool tests non-zero', () => {
    const x = f32([4], [1.7, -1.7, 0, 2.5]);
    const [i] = runOp('cast', { x, dtype: str('int32') }, { dtype: 'int32', shape: [4] });
    expect(Array.from(i!.data as Int32Array)).toEqual([1, -1, 0, 2]);
    const [b] = runOp('cast', { x, dtype: str('bool') }, { dtype: 'bool', shape: [4] });
    expect(Array.from(b!.data as Uint8Array)).toEqual([1, 1, 0, 1]);
  });

  it('fp32 to fp16 rounds to the nearest half and returns half bits', () => {
    const [h] = runOp('cast', { x: f32([2], [1 / 3, 70000]), dtype: str('fp16') }, { dtype: 'float16', shape: [2] });
    expect(h!.dtype).toBe('float16');
    expect(h!.data).toBeInstanceOf(Uint16Array);
    expect(values(h!)).toEqual([0.333251953125, Infinity]);
  });

  it('fp16 to fp32 is exact, and int8/uint8 casts wrap like the storage type', () => {
    expect(values(runOp('cast', { x: f16([1], [0.1]), dtype: str('fp32') }, { dtype: 'float32', shape: [1] })[0]!)).toEqual([0.0999755859375]);
    const [u] = runOp('cast', { x: i32([2], [255, 256]), dtype: str('uint8') }, { dtype: 'uint8', shape: [2] }, 'CoreML7');
    expect(Array.from(u!.data as Uint8Array)).toEqual([255, 0]);
  });

  it('rejects an unknown dtype name', () => {
    expect(() => runOp('cast', { x: f32([1], [1]), dtype: str('fp8') }, { dtype: 'float32', shape: [1] })).toThrow(/unknown dtype 'fp8'/);
  });
});

describe('tensor construction and utility ops', () => {
  it('fill, range_1d and one_hot', () => {
    expect(values(runOp('fill', { shape: ints([2, 2]), value: scalar(3) }, { dtype: 'float32', shape: [2, 2] })[0]!)).toEqual([3, 3, 3, 3]);
    expect(values(runOp('range_1d', { start: scalar(1), end: scalar(2), step: scalar(0.25) }, { dtype: 'float32', shape: [4] })[0]!)).toEqual([1, 1.25, 1.5, 1.75]);
    const [oh] = runOp('one_hot', { indices: i32([2], [2, 0]), one_hot_vector_size: int(3), axis: int(-1), on_value: scalar(5), off_value: scalar(0) }, { dtype: 'float32', shape: [2, 3] });
    expect(values(oh!)).toEqual([0, 0, 5, 5, 0, 0]);
  });

  it('cumsum supports exclusive and reverse', () => {
    const x = f32([4], [1, 2, 3, 4]);
    const F = { dtype: 'float32' as const, shape: [4] };
    expect(values(runOp('cumsum', { x, axis: int(0) }, F)[0]!)).toEqual([1, 3, 6, 10]);
    expect(values(runOp('cumsum', { x, axis: int(0), exclusive: flag(true) }, F)[0]!)).toEqual([0, 1, 3, 6]);
    expect(values(runOp('cumsum', { x, axis: int(0), reverse: flag(true) }, F)[0]!)).toEqual([10, 9, 7, 4]);
  });

  it('band_part keeps the requested diagonals', () => {
    const x = f32([3, 3], [1, 1, 1, 1, 1, 1, 1, 1, 1]);
    const [out] = runOp('band_part', { x, lower: int(0), upper: int(1) }, { dtype: 'float32', shape: [3, 3] });
    expect(values(out!)).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 1]);
  });

  it('topk returns sorted values and their indices', () => {
    const [v, i] = runOp('topk', { x: f32([5], [3, 9, 1, 9, 4]), k: int(3) }, [{ dtype: 'float32', shape: [3] }, { dtype: 'int32', shape: [3] }]);
    expect(values(v!)).toEqual([9, 9, 4]);
    expect(values(i!)).toEqual([1, 3, 4]);
  });

  it('non_zero lists coordinates of non-zero elements', () => {
    const [out] = runOp('non_zero', { x: bool([2, 2], [0, 1, 1, 0]) }, { dtype: 'int32', shape: [null, 2] });
    expect(values(out!)).toEqual([0, 1, 1, 0]);
  });

  it('identity passes its input through', () => {
    expect(values(runOp('identity', { x: f32([2], [1, 2]) }, { dtype: 'float32', shape: [2] })[0]!)).toEqual([1, 2]);
  });
});
