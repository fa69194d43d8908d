import { describe, expect, it } from 'vitest';
import { makeTensor } from '../../src/tensor/tensor.js';
import { f32, runOp, values } from './build.js';

describe('classify', () => {
  it('predicts the class with the highest probability (the first on ties) and keeps every probability', () => {
    const classes = makeTensor('string', [3], ['cat', 'dog', 'owl']);
    const [label, probabilities] = runOp('classify', { probabilities: f32([1, 3], [0.2, 0.5, 0.5]), classes }, [
      { dtype: 'string', shape: [] },
      { dtype: 'float32', shape: [3] },
    ]);
    expect(label!.data).toEqual(['dog']);
    expect(values(probabilities!)).toEqual([0.2, 0.5, 0.5].map((p) => Math.fround(p)));
  });
});
