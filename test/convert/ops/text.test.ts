import { describe, expect, it } from 'vitest';
import { makeTensor } from '../../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../../helpers/onnx-graph.js';
import { compareModelWithOrt } from './ort-graph.js';

/** Seeded token ids in 0..5, so n-grams from the pool occur several times and in several rows. */
function tokens(shape: number[], seed: number) {
  let s = seed;
  const n = shape.reduce((a, b) => a * b, 1);
  return makeTensor('int64', shape, BigInt64Array.from({ length: n }, () => BigInt(((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 16) % 6)));
}

describe('TfIdfVectorizer against onnxruntime', () => {
  const pool = { ngram_counts: [0, 3, 9], ngram_indexes: [6, 0, 1, 2, 3, 4, 5, 7], pool_int64s: [1, 2, 3, 0, 1, 2, 2, 4, 4, 1, 2, 3, 5, 5, 0] };
  it.each([
    ['TF over unigrams to trigrams with skips, batched', { mode: 'TF', min_gram_length: 1, max_gram_length: 3, max_skip_count: 2 }, [3, 9]],
    ['IDF with weights over bigrams, one row', { mode: 'IDF', min_gram_length: 2, max_gram_length: 2, max_skip_count: 1, weights: [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4] }, [10]],
    ['TFIDF with weights, batched', { mode: 'TFIDF', min_gram_length: 1, max_gram_length: 2, max_skip_count: 3, weights: [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4] }, [2, 12]],
  ] as const)('%s', async (_title, attrs, shape) => {
    const m = model({
      nodes: [node('TfIdfVectorizer', ['x'], ['y'], { ...pool, ...attrs } as Record<string, number | string | number[]>, ['weights'])],
      inputs: [valueInfo('x', 'int64', [...shape])],
      outputs: [{ name: 'y', dtype: 'float32' }],
    });
    const [verdicts] = await compareModelWithOrt(m, [{ x: tokens([...shape], 17) }]);
    expect(verdicts!.map((v) => v.reason ?? 'pass')).toEqual(['pass']);
  });
});
