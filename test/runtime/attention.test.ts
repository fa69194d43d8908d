import { describe, expect, it } from 'vitest';
import { bool, f32, runOp, values } from './build.js';
import { seededFloats } from '../helpers/seeded.js';

/** softmax(q·kᵀ/√E + mask)·v for one batch, in float64. */
function attention(q: Float32Array, k: Float32Array, v: Float32Array, L: number, S: number, E: number, EV: number, keep?: (i: number, j: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < L; i++) {
    const s: number[] = [];
    for (let j = 0; j < S; j++) {
      let dot = 0;
      for (let e = 0; e < E; e++) dot += q[i * E + e]! * k[j * E + e]!;
      s.push(keep && !keep(i, j) ? -Infinity : dot / Math.sqrt(E));
    }
    const max = Math.max(...s);
    const w = s.map((x) => Math.exp(x - max));
    const sum = w.reduce((a, b) => a + b, 0);
    for (let c = 0; c < EV; c++) out.push(w.reduce((acc, wj, j) => acc + (wj / sum) * v[j * EV + c]!, 0));
  }
  return out;
}

describe('scaled_dot_product_attention', () => {
  const [L, S, E, EV] = [3, 4, 5, 2];
  const q = seededFloats(L * E, 61);
  const k = seededFloats(S * E, 62);
  const v = seededFloats(S * EV, 63);
  const params = { query: f32([1, L, E], q), key: f32([1, S, E], k), value: f32([1, S, EV], v) };

  it('computes softmax(QKᵀ/√E)·V', () => {
    const [out] = runOp('scaled_dot_product_attention', params, { dtype: 'float32', shape: [1, L, EV] }, 'CoreML8');
    values(out!).forEach((g, i) => expect(g).toBeCloseTo(attention(q, k, v, L, S, E, EV)[i]!, 5));
  });

  it('a bool mask keeps only the true positions (causal mask)', () => {
    const causal = bool([L, S], Array.from({ length: L * S }, (_, idx) => (idx % S <= Math.floor(idx / S) ? 1 : 0)));
    const [out] = runOp('scaled_dot_product_attention', { ...params, attn_mask: causal }, { dtype: 'float32', shape: [1, L, EV] }, 'CoreML8');
    const want = attention(q, k, v, L, S, E, EV, (i, j) => j <= i);
    values(out!).forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 5));
  });
});
