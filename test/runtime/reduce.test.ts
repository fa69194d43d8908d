import { describe, expect, it } from 'vitest';
import { f32, flag, int, ints, runOp, values } from './build.js';

const x = f32([2, 3], [1, 2, 3, 4, 5, 6]);
const reduce = (op: string, params: Record<string, ReturnType<typeof f32>>, shape: number[]) =>
  values(runOp(op, { x, ...params }, { dtype: 'float32', shape })[0]!);

describe('reductions', () => {
  it('reduce over listed axes, with and without keep_dims', () => {
    expect(reduce('reduce_sum', { axes: ints([1]) }, [2])).toEqual([6, 15]);
    expect(reduce('reduce_sum', { axes: ints([0]), keep_dims: flag(true) }, [1, 3])).toEqual([5, 7, 9]);
    expect(reduce('reduce_mean', { axes: ints([-1]) }, [2])).toEqual([2, 5]);
  });

  it('omitted axes reduce over everything', () => {
    expect(reduce('reduce_max', {}, [])).toEqual([6]);
    expect(reduce('reduce_prod', { keep_dims: flag(true) }, [1, 1])).toEqual([720]);
  });

  it('norm-like and log reductions', () => {
    expect(reduce('reduce_min', { axes: ints([1]) }, [2])).toEqual([1, 4]);
    expect(reduce('reduce_l1_norm', { axes: ints([0]) }, [3])).toEqual([5, 7, 9]);
    expect(reduce('reduce_sum_square', { axes: ints([1]) }, [2])).toEqual([14, 77]);
    expect(reduce('reduce_l2_norm', { axes: ints([1]) }, [2])[0]).toBeCloseTo(Math.sqrt(14), 5);
    expect(reduce('reduce_log_sum', { axes: ints([1]) }, [2])[0]).toBeCloseTo(Math.log(6), 6);
  });

  it('reduce_log_sum_exp stays finite for large inputs', () => {
    const big = f32([2], [1000, 1000]);
    const [out] = runOp('reduce_log_sum_exp', { x: big }, { dtype: 'float32', shape: [] });
    expect(values(out!)[0]).toBeCloseTo(1000 + Math.log(2), 3);
  });

  it('argmax and argmin return int32 indices of the first extreme', () => {
    const t = f32([2, 3], [1, 9, 9, 7, 0, 7]);
    const [amax] = runOp('reduce_argmax', { x: t, axis: int(1) }, { dtype: 'int32', shape: [2] });
    expect(amax!.dtype).toBe('int32');
    expect(values(amax!)).toEqual([1, 0]);
    const [amin] = runOp('reduce_argmin', { x: t, axis: int(0), keep_dims: flag(true) }, { dtype: 'int32', shape: [1, 3] });
    expect(values(amin!)).toEqual([0, 1, 1]);
  });

  it('argsort gives the indices that sort along the axis, descending unless ascending', () => {
    const x = f32([2, 3], [3, 1, 2, 0, 5, 4]);
    expect(values(runOp('argsort', { x, axis: int(-1) }, { dtype: 'int32', shape: [2, 3] })[0]!)).toEqual([0, 2, 1, 1, 2, 0]);
    expect(values(runOp('argsort', { x, axis: int(-1), ascending: flag(true) }, { dtype: 'int32', shape: [2, 3] })[0]!)).toEqual([1, 2, 0, 0, 2, 1]);
  });
});
