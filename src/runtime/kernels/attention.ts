import { elementCount } from '../../tensor/tensor.js';
import type { KernelTable, OpContext } from '../kernel.js';
import { gemm, matrix } from '../gemm.js';
import { fastExp } from '../fast-math.js';
import { makeFloatToOverwrite, type RtValue } from '../value.js';
import { broadcastIndex, broadcastShapes } from './broadcast.js';

/**
 * scaled_dot_product_attention (iOS18): softmax(Q·Kᵀ/√E + mask)·V over the
 * last two dims, batch dims shared by Q, K and V. A bool mask keeps the
 * positions that are true; a float mask is added to the scores.
 */
function scaledDotProductAttention(ctx: OpContext): RtValue[] {
  const q = ctx.float('query');
  const k = ctx.float('key');
  const v = ctx.float('value');
  const r = q.shape.length;
  if (r < 3 || k.shape.length !== r || v.shape.length !== r) ctx.fail('query, key and value must share a rank of at least 3');
  const [L, E] = [q.shape[r - 2]!, q.shape[r - 1]!];
  const S = k.shape[r - 2]!;
  const EV = v.shape[r - 1]!;
  if (k.shape[r - 1] !== E || v.shape[r - 2] !== S) ctx.fail(`key [${k.shape.join(',')}] and value [${v.shape.join(',')}] do not fit query [${q.shape.join(',')}]`);
  const batch = q.shape.slice(0, -2);
  const batches = elementCount(batch);
  const mask = ctx.optional('attn_mask');
  const maskIndex = mask ? broadcastIndex(mask.shape, [...batch, L, S]) : null;
  if (mask) broadcastShapes(ctx, [mask.shape, [...batch, L, S]]);
  const scale = 1 / Math.sqrt(E);
  const scores = new Float32Array(L * S);
  const out = makeFloatToOverwrite(q.dtype, [...batch, L, EV]);
  for (let b = 0; b < batches; b++) {
    gemm(L, S, E, matrix(q.data, b * L * E, E), matrix(k.data, b * S * E, 1, E), scores, 0, S);
    for (let i = 0; i < L; i++) {
      let max = -Infinity;
      for (let j = 0; j < S; j++) {
        const flat = (b * L + i) * S + j;
        let s = scores[i * S + j]! * scale;
        if (mask) {
          const m = mask.data[maskIndex ? maskIndex[flat]! : flat] as number;
          s = mask.dtype === 'bool' ? (m ? s : -Infinity) : s + m;
        }
        scores[i * S + j] = s;
        max = Math.max(max, s);
      }
      let sum = 0;
      for (let j = 0; j < S; j++) {
        const e = max === -Infinity ? 0 : fastExp(scores[i * S + j]! - max);
        scores[i * S + j] = e;
        sum += e;
      }
      for (let j = 0; j < S; j++) scores[i * S + j] = sum > 0 ? scores[i * S + j]! / sum : 0;
    }
    gemm(L, EV, S, matrix(scores, 0, S), matrix(v.data, b * S * EV, EV), out.data, b * L * EV, EV);
  }
  return [out];
}

export const attentionKernels: KernelTable = { scaled_dot_product_attention: scaledDotProductAttention };
