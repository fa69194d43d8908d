import { describe, expect, it } from 'vitest';
import { runProgram } from '../../src/runtime/interpreter.js';
import { f32, flag, i32, int, ints, op, program, runOp, scalar, str, v, values } from './build.js';
import { seededFloats } from '../helpers/seeded.js';
import { maxAbsDiff } from './ort.js';

const F = (shape: number[]) => ({ dtype: 'float32' as const, shape });

/** Reference einsum for "nchw,nwhu->nchu" written as plain loops. */
function batchedMatmul(a: Float32Array, b: Float32Array, [n, c, h, w, u]: number[], bn: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n!; i++) {
    for (let ci = 0; ci < c!; ci++) {
      for (let hi = 0; hi < h!; hi++) {
        for (let ui = 0; ui < u!; ui++) {
          let s = 0;
          for (let wi = 0; wi < w!; wi++) s += a[((i * c! + ci) * h! + hi) * w! + wi]! * b[(((bn === 1 ? 0 : i) * w! + wi) * h! + hi) * u! + ui]!;
          out.push(s);
        }
      }
    }
  }
  return out;
}

describe('einsum (Apple: test_linear.py TestEinsum)', () => {
  it('"nchw,nwhu->nchu" contracts w for every n, c, h', () => {
    const dims = [2, 3, 4, 5, 2];
    const a = seededFloats(2 * 3 * 4 * 5, 1);
    const b = seededFloats(2 * 5 * 4 * 2, 2);
    const [out] = runOp('einsum', { values: [f32([2, 3, 4, 5], a), f32([2, 5, 4, 2], b)], equation: str('nchw,nwhu->nchu') }, F([2, 3, 4, 2]));
    expect(maxAbsDiff(values(out!), batchedMatmul(a, b, dims, 2))).toBeLessThan(1e-5);
  });
  it('broadcasts a batch dim of size 1', () => {
    const a = seededFloats(2 * 3 * 4 * 5, 3);
    const b = seededFloats(5 * 4 * 2, 4);
    const [out] = runOp('einsum', { values: [f32([2, 3, 4, 5], a), f32([1, 5, 4, 2], b)], equation: str('nchw,nwhu->nchu') }, F([2, 3, 4, 2]));
    expect(maxAbsDiff(values(out!), batchedMatmul(a, b, [2, 3, 4, 5, 2], 1))).toBeLessThan(1e-5);
  });
  it('sums every letter missing from the output ("ij,ij->" is a dot product)', () => {
    const [out] = runOp('einsum', { values: [f32([2, 2], [1, 2, 3, 4]), f32([2, 2], [5, 6, 7, 8])], equation: str('ij,ij->') }, F([]));
    expect(values(out!)).toEqual([70]);
  });
});

describe('reshape_like (iOS16)', () => {
  it('takes ref_i.shape[begin_i:end_i] (to the end with end_mask) and concatenates them', () => {
    const x = f32([24], Array.from({ length: 24 }, (_, k) => k));
    const [out] = runOp('reshape_like', {
      x, ref_tensors: [f32([2, 9], new Array(18).fill(0)), f32([7, 3, 4], new Array(84).fill(0))],
      begins: [int(0), int(1)], ends: [int(1), int(0)], end_masks: [flag(false), flag(true)],
    }, F([2, 3, 4]), 'CoreML6');
    expect(out!.shape).toEqual([2, 3, 4]);
    expect(values(out!)).toEqual(values(x));
  });
});

describe('random ops (non-deterministic on a device; seeded here)', () => {
  it('random_uniform is reproducible per seed, within [low, high), and changes with the seed', () => {
    const run = (seed: number) => values(runOp('random_uniform', { shape: ints([4, 250]), low: scalar(-2), high: scalar(3), seed: int(seed) }, F([4, 250]))[0]!);
    const a = run(7);
    expect(run(7)).toEqual(a);
    expect(run(8)).not.toEqual(a);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...a)).toBeLessThan(3);
    expect(a.reduce((s, v) => s + v, 0) / a.length).toBeGreaterThan(0.2);
  });
  it('random_normal has about the asked mean and deviation; random_bernoulli draws 0 and 1 at about prob', () => {
    const n = values(runOp('random_normal', { shape: ints([4000]), mean: scalar(1.5), stddev: scalar(0.5), seed: int(3) }, F([4000]))[0]!);
    const mean = n.reduce((s, v) => s + v, 0) / n.length;
    const sd = Math.sqrt(n.reduce((s, v) => s + (v - mean) ** 2, 0) / n.length);
    expect(Math.abs(mean - 1.5)).toBeLessThan(0.05);
    expect(Math.abs(sd - 0.5)).toBeLessThan(0.05);
    const b = values(runOp('random_bernoulli', { shape: ints([4000]), prob: scalar(0.2), seed: int(4) }, F([4000]))[0]!);
    expect(new Set(b)).toEqual(new Set([0, 1]));
    expect(Math.abs(b.reduce((s, v) => s + v, 0) / b.length - 0.2)).toBeLessThan(0.03);
  });
  it('random_categorical draws class indices, almost always the dominant logit', () => {
    const [out] = runOp('random_categorical', { x: f32([2, 3], [0, 12, 0, 12, 0, 0]), size: int(5), seed: int(9) }, { dtype: 'float32', shape: [2, 5] });
    expect(values(out!)).toEqual([1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
  });
});

describe('fill with a run-time shape', () => {
  it('runs when the program declares its output of unknown rank', () => {
    const out = { name: 'y', type: { dtype: 'float32' as const, shape: [null], anyRank: true } };
    const prog = program([v('s', 'int32', [null])], [op('fill', { shape: 's', value: scalar(2.5) }, [out])], ['y']);
    const y = runProgram(prog, { s: i32([3], [2, 1, 3]) })['y']!;
    expect(y.shape).toEqual([2, 1, 3]);
    expect(values(y)).toEqual(new Array(6).fill(2.5));
  });
});
