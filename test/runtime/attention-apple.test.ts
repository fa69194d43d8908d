import { describe, expect, it } from 'vitest';
import { bool, f32, runOp, values } from './build.js';
import { seededUniform } from '../helpers/seeded.js';

/**
 * scaled_dot_product_attention in the configurations of Apple's iOS18
 * test_transformers.py, whose oracle is PyTorch's
 * scaled_dot_product_attention: softmax(Q·Kᵀ/√E + mask)·V, where a bool mask
 * keeps the positions that are true and a float mask is added to the scores.
 * The tests set the second half of a [1, 1, S] mask (true, or −∞) with S = 5, L = 7, E = 16, EV = 32.
 */

const [S, L, E, EV] = [5, 7, 16, 32];

function reference(q: Float32Array, k: Float32Array, v: Float32Array, batches: number, mask?: (j: number) => number): number[] {
  const out: number[] = [];
  for (let b = 0; b < batches; b++) {
    for (let i = 0; i < L; i++) {
      const scores = Array.from({ length: S }, (_, j) => {
        let dot = 0;
        for (let e = 0; e < E; e++) dot += q[(b * L + i) * E + e]! * k[(b * S + j) * E + e]!;
        return dot / Math.sqrt(E) + (mask ? mask(j) : 0);
      });
      const max = Math.max(...scores);
      const w = scores.map((s) => Math.exp(s - max));
      const sum = w.reduce((a, x) => a + x, 0);
      for (let c = 0; c < EV; c++) out.push(w.reduce((a, x, j) => a + (x / sum) * v[(b * S + j) * EV + c]!, 0));
    }
  }
  return out;
}

describe('scaled_dot_product_attention', () => {
  for (const batch of [[3], [3, 2], [3, 2, 4]]) {
    const batches = batch.reduce((p, d) => p * d, 1);
    const q = seededUniform(batches * L * E, 1 + batch.length);
    const k = seededUniform(batches * S * E, 5 + batch.length);
    const v = seededUniform(batches * S * EV, 9 + batch.length);
    const inputs = { query: f32([...batch, L, E], q), key: f32([...batch, S, E], k), value: f32([...batch, S, EV], v) };
    const run = (extra: Record<string, ReturnType<typeof f32>>) =>
      values(runOp('scaled_dot_product_attention', { ...inputs, ...extra }, { dtype: 'float32', shape: [...batch, L, EV] }, 'CoreML8')[0]!);
    const close = (got: number[], want: number[]) => want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 5));
    it(`batch [${batch.join(', ')}] without a mask`, () => close(run({}), reference(q, k, v, batches)));
    it(`batch [${batch.join(', ')}] with a bool mask [1, 1, S] false on the first half, true on the second`, () => {
      const keep = Array.from({ length: S }, (_, j) => (j < Math.floor(S / 2) ? 0 : 1));
      // True marks a key that takes part: PyTorch's convention, which the test's oracle follows.
      close(run({ attn_mask: bool([1, 1, S], keep) }), reference(q, k, v, batches, (j) => (keep[j] ? 0 : -Infinity)));
    });
    it(`batch [${batch.join(', ')}] with an additive float mask of −∞ on the second half`, () => {
      const add = Array.from({ length: S }, (_, j) => (j < Math.floor(S / 2) ? 0 : -Infinity));
      close(run({ attn_mask: f32([1, 1, S], add) }), reference(q, k, v, batches, (j) => add[j]!));
    });
  }
});
