import { describe, expect, it } from 'vitest';
import { f32, flag, ints, runOp, str, values } from './build.js';

/**
 * Pooling on the inputs and expected outputs of Apple's MIL pooling tests
 * (iOS14/test_pool.py, run there on Core ML): valid and same padding with
 * kernel [1, 2, 3] / strides [2, 1, 3] (the first or last n of them for n
 * spatial dims), and same_lower on arange inputs.
 */

const F = (shape: number[]) => ({ dtype: 'float32' as const, shape });
type Params = { kernel: number[]; strides?: number[]; padType: string; exclude?: boolean };
function pool(op: string, x: number[], shape: number[], p: Params, outShape: number[]): number[] {
  const inputs = {
    x: f32(shape, x), kernel_sizes: ints(p.kernel), strides: ints(p.strides ?? p.kernel.map(() => 1)), pad_type: str(p.padType),
    ...(op === 'avg_pool' ? { exclude_padding_from_average: flag(p.exclude ?? false) } : {}),
  };
  return values(runOp(op, inputs, F(outShape))[0]!);
}
const close = (got: number[], want: number[]) => {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 4));
};

const line = [1, 2, 3, 4, 5, 6, 7];
const plane = [-10.80291205, -6.42076184, -7.07910997, 9.1913279, -3.18181497, 0.9132147, 11.9785544, 7.92449539];
const cube = [
  -1, -5, -1, -3, -3, 8, 2, 6, 2, -4, 7, -4, 4, 6, 7, 4, 4, 8, 5, -3, 5, 0, -5, 8, 1, 7, 2,
  7, -3, -5, 5, 4, 7, -2, -4, -3, -4, 3, -1, 6, -4, 4, 3, 6, 2, -1, 4, -4, -2, -1, -2, 3, 2, 8,
];
const cases = {
  1: { x: line, shape: [1, 1, 7], valid: [1, 1, 4], same: [1, 1, 3] },
  2: { x: plane, shape: [1, 2, 2, 2], valid: [1, 2, 1, 1], same: [1, 2, 2, 1] },
  3: { x: cube, shape: [2, 1, 3, 3, 3], valid: [2, 1, 2, 2, 1], same: [2, 1, 2, 3, 1] },
} as const;
const K = [1, 2, 3];
const S = [2, 1, 3];

describe('avg_pool', () => {
  const want = {
    1: { valid: [1, 3, 5, 7], same: [1.5, 4, 6.5] },
    2: { valid: [-8.611837, -1.1343001], same: [-3.7778642, 1.056109, 4.4086123, 9.951525] },
    3: {
      valid: [-0.8333334, 2, 1.6666667, 2.1666667, 2.5, 1.1666667, -1, 1.3333334],
      same: [-0.8333334, 2, 3.3333335, 1.6666667, 2.1666667, 3.3333335, 2.5, 1.1666667, -3, -1, 1.3333334, 4.3333335],
    },
  };
  for (const n of [1, 2, 3] as const) {
    const c = cases[n];
    it(`${n}-d: valid, and same with exclude_padding_from_average`, () => {
      close(pool('avg_pool', [...c.x], [...c.shape], { kernel: K.slice(0, n), strides: S.slice(0, n), padType: 'valid' }, [...c.valid]), want[n].valid);
      close(pool('avg_pool', [...c.x], [...c.shape], { kernel: K.slice(-n), strides: S.slice(-n), padType: 'same', exclude: true }, [...c.same]), want[n].same);
    });
  }
  it('same_lower puts the padding first and counts it in the average', () => {
    close(pool('avg_pool', [1, 2], [1, 1, 2], { kernel: [2], padType: 'same_lower' }, [1, 1, 2]), [0.5, 1.5]);
    close(pool('avg_pool', [1, 2, 3, 4], [1, 1, 2, 2], { kernel: [2, 2], padType: 'same_lower' }, [1, 1, 2, 2]), [0.25, 0.75, 1, 2.5]);
    const eight = [1, 2, 3, 4, 5, 6, 7, 8];
    close(pool('avg_pool', eight, [1, 1, 2, 2, 2], { kernel: [2, 2, 2], padType: 'same_lower' }, [1, 1, 2, 2, 2]), [0.125, 0.375, 0.5, 1.25, 0.75, 1.75, 2, 4.5]);
  });
});

describe('max_pool', () => {
  const want = {
    1: { valid: [1, 3, 5, 7], same: [2, 5, 7] },
    2: { valid: [-6.42076184, 0.9132147], same: [9.191328, 9.191328, 11.978555, 11.978555] },
    3: { valid: [8, 8, 8, 8, 7, 7, 4, 8], same: [8, 8, 6, 8, 8, 7, 7, 7, -2, 4, 8, 8] },
  };
  for (const n of [1, 2, 3] as const) {
    const c = cases[n];
    it(`${n}-d: valid and same`, () => {
      close(pool('max_pool', [...c.x], [...c.shape], { kernel: K.slice(0, n), strides: S.slice(0, n), padType: 'valid' }, [...c.valid]), want[n].valid);
      close(pool('max_pool', [...c.x], [...c.shape], { kernel: K.slice(-n), strides: S.slice(-n), padType: 'same' }, [...c.same]), want[n].same);
    });
  }
  it('same_lower on arange inputs returns the input (each window ends at its own element)', () => {
    for (const shape of [[1, 1, 2], [1, 1, 2, 2], [1, 1, 2, 2, 2]]) {
      const x = Array.from({ length: shape.slice(2).reduce((a, b) => a * b, 1) }, (_, i) => i + 1);
      close(pool('max_pool', x, shape, { kernel: shape.slice(2).map(() => 2), padType: 'same_lower' }, shape), x);
    }
  });
});

describe('l2_pool', () => {
  it('1-d valid and same', () => {
    close(pool('l2_pool', line, [1, 1, 7], { kernel: [1], strides: [2], padType: 'valid' }, [1, 1, 4]), [1, 3, 5, 7]);
    close(pool('l2_pool', line, [1, 1, 7], { kernel: [3], strides: [3], padType: 'same' }, [1, 1, 3]), [2.236068, 7.071068, 9.219544]);
  });
  it('2-d valid and same', () => {
    const x = [-10, -6, -7, 9, -3, 0, 11, 7];
    close(pool('l2_pool', x, [1, 2, 2, 2], { kernel: [1, 2], strides: [2, 1], padType: 'valid' }, [1, 2, 1, 1]), [11.66190338, 3]);
    close(pool('l2_pool', x, [1, 2, 2, 2], { kernel: [2, 3], strides: [1, 3], padType: 'same' }, [1, 2, 2, 1]), [16.309507, 11.401754, 13.379088, 13.038404]);
  });
  it('same_lower', () => {
    close(pool('l2_pool', [1, 2], [1, 1, 2], { kernel: [2], padType: 'same_lower' }, [1, 1, 2]), [1, 2.236068]);
    close(pool('l2_pool', [1, 2, 3, 4], [1, 1, 2, 2], { kernel: [2, 2], padType: 'same_lower' }, [1, 1, 2, 2]), [1, 2.236068, 3.162278, 5.477226]);
  });
});
