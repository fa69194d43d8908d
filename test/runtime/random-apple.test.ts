import { describe, expect, it } from 'vitest';
import { runProgram } from '../../src/runtime/interpreter.js';
import { mulberry32 } from '../../src/tensor/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { f32, i32, int, ints, op, program, runOp, scalar, str, v, values } from './build.js';

/**
 * The random ops on what Apple's iOS14/test_random.py pins on a device: the
 * degenerate distributions (bernoulli with prob 1 or 0, normal with stddev 0,
 * uniform with low = high) give known values of the asked shape, static or
 * read at run time, and random_categorical's class frequencies over 50,000
 * draws are the softmax of its logits (or the given probabilities) within
 * 0.01. Values drawn otherwise come from this interpreter's own generator.
 */

const F = (shape: (number | null)[]) => ({ dtype: 'float32' as const, shape });
const fill = (shape: number[], value: number) => new Array<number>(shape.reduce((p, d) => p * d, 1)).fill(value);

/** The op with a constant shape, and again with the shape read from a program input (the tests' dynamic case). */
function bothShapes(type: string, shape: number[], params: Record<string, Tensor>): Tensor[] {
  const [constant] = runOp(type, { shape: ints(shape), ...params }, F(shape));
  const prog = program([v('dyn_shape', 'int32', [shape.length])], [op(type, { shape: 'dyn_shape', ...params }, [v('y', 'float32', shape.map(() => null))])], ['y']);
  return [constant!, runProgram(prog, { dyn_shape: i32([shape.length], shape) })['y']!];
}

describe('the random ops\' degenerate distributions, as Apple\'s smoke and stress tests pin them', () => {
  const rand = mulberry32(3);
  const shapes = [[2, 1, 3], [3, 1, 2], ...[1, 2, 3, 4, 5].map((rank) => Array.from({ length: rank }, () => 1 + Math.floor(rand() * 3)))];

  it('random_bernoulli with prob 1 is all ones and with prob 0 all zeros', () => {
    for (const shape of shapes) {
      for (const prob of [1, 0]) {
        for (const out of bothShapes('random_bernoulli', shape, { prob: scalar(prob) })) {
          expect(out.shape).toEqual(shape);
          expect(values(out)).toEqual(fill(shape, prob));
        }
      }
    }
  });

  it('random_normal with stddev 0 is its mean; random_uniform with low = high is that value', () => {
    for (const shape of shapes) {
      for (const mean of [1, 0]) {
        for (const out of bothShapes('random_normal', shape, { mean: scalar(mean), stddev: scalar(0) })) expect(values(out)).toEqual(fill(shape, mean));
      }
      for (const bound of [0, 1]) {
        for (const out of bothShapes('random_uniform', shape, { low: scalar(bound), high: scalar(bound) })) expect(values(out)).toEqual(fill(shape, bound));
      }
    }
  });

  it('random_categorical over one logit (the 1 Apple feeds its fp32 input) always draws class 0, once or size times', () => {
    const [one] = runOp('random_categorical', { x: f32([1], [1]), seed: int(1) }, F([1]));
    const [four] = runOp('random_categorical', { x: f32([1], [1]), seed: int(1), size: int(4) }, F([4]));
    expect(values(one!)).toEqual([0]);
    expect(values(four!)).toEqual([0, 0, 0, 0]);
  });
});

describe('random_categorical\'s frequencies, as Apple\'s stress test pins them', () => {
  const draws = 50_000;
  const softmax = (row: number[]) => {
    const e = row.map((x) => Math.exp(x - Math.max(...row)));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / sum);
  };

  for (const classes of [2, 10, 20]) {
    it(`two rows of ${classes} logits, and the same as probabilities: each class drawn at its probability ± 0.01`, () => {
      const rand = mulberry32(classes);
      const logits = Array.from({ length: 2 * classes }, () => rand());
      const probs = [softmax(logits.slice(0, classes)), softmax(logits.slice(classes))];
      for (const [mode, x] of [['logits', logits], ['probs', probs.flat()]] as const) {
        const [out] = runOp('random_categorical', { x: f32([2, classes], x), size: int(draws), mode: str(mode) }, F([2, draws]));
        const picks = values(out!);
        for (const row of [0, 1]) {
          const counts = new Array<number>(classes).fill(0);
          for (const c of picks.slice(row * draws, (row + 1) * draws)) counts[c]!++;
          counts.forEach((n, c) => expect(Math.abs(n / draws - probs[row]![c]!)).toBeLessThan(0.01));
        }
      }
    });
  }
});
