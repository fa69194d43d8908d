import { describe, expect, it } from 'vitest';
import { classAgreement, classScoreLayout } from '../../src/parity/top-k.js';

describe('classScoreLayout', () => {
  it('treats [N, C] and [C] after dropping unit axes as class scores', () => {
    expect(classScoreLayout([1, 10])).toEqual({ rows: 1, classes: 10 });
    expect(classScoreLayout([4, 10])).toEqual({ rows: 4, classes: 10 });
    expect(classScoreLayout([1, 1, 1000, 1])).toEqual({ rows: 1, classes: 1000 });
    expect(classScoreLayout([7])).toEqual({ rows: 1, classes: 7 });
  });

  it('does not treat feature maps, single values or one-class columns as class scores', () => {
    expect(classScoreLayout([1, 3, 32, 32])).toBeNull();
    expect(classScoreLayout([1])).toBeNull();
    expect(classScoreLayout([])).toBeNull();
  });
});

describe('classAgreement', () => {
  const scores = (v: number[]) => Float64Array.from(v);

  it('counts rows whose arg-max class agrees', () => {
    const ref = scores([1, 2, 3, 3, 2, 1]);
    const act = scores([1, 2, 3, 1, 2, 3]);
    expect(classAgreement([2, 3], ref, act)).toEqual({ top1: 0.5, top5: null });
  });

  it('counts top-5 agreement when the reference winner is among the five highest actual scores', () => {
    const ref = scores([9, 1, 2, 3, 4, 5, 6, 7]);
    const inTopFive = scores([5, 1, 2, 3, 4, 6, 7, 8]);
    const sixth = scores([3, 1, 2, 4, 5, 6, 7, 8]);
    expect(classAgreement([8], ref, inTopFive)).toEqual({ top1: 0, top5: 1 });
    expect(classAgreement([8], ref, sixth)).toEqual({ top1: 0, top5: 0 });
  });

  it('makes a NaN score win the arg-max, so NaN in the actual disagrees', () => {
    const ref = scores([0, 1, 0]);
    const act = scores([NaN, 1, 0]);
    expect(classAgreement([3], ref, act).top1).toBe(0);
  });

  it('returns null for outputs that are not class scores', () => {
    expect(classAgreement([2, 2, 2], new Float64Array(8), new Float64Array(8))).toEqual({ top1: null, top5: null });
  });
});
