import type { MilOpDef } from '../catalogue.js';
import type { MilTensorType } from '../ir.js';
import { broadcastShapes, DOMAIN_F, MilShapeError, requiredType } from './elementwise.js';

/**
 * The MIL definition of scaled_dot_product_attention (iOS18):
 * softmax(query · keyᵀ / √E + mask) · value over query [*B, L, E],
 * key [*B, S, E] and value [*B, S, EV], giving [*B, L, EV]. A bool mask keeps
 * where true; a float mask is added. The mask's last dim is S and its other
 * dims broadcast against query's.
 */

type Dim = number | null;

function knownDiffer(a: Dim | undefined, b: Dim | undefined): boolean {
  return a !== null && a !== undefined && b !== null && b !== undefined && a !== b;
}

function checkShapes(query: MilTensorType, key: MilTensorType, value: MilTensorType, mask: MilTensorType | undefined): void {
  const rank = query.shape.length;
  if (key.shape.length !== rank || value.shape.length !== rank) {
    throw new MilShapeError(`scaled_dot_product_attention: query, key and value have ranks ${rank}, ${key.shape.length} and ${value.shape.length}`);
  }
  if (rank < 3) throw new MilShapeError(`scaled_dot_product_attention: query, key and value need rank 3 or more, got ${rank}`);
  for (let i = 0; i < rank - 2; i++) {
    if (knownDiffer(query.shape[i], key.shape[i]) || knownDiffer(query.shape[i], value.shape[i]) || knownDiffer(key.shape[i], value.shape[i])) {
      throw new MilShapeError(`scaled_dot_product_attention: query, key and value differ in batch dim ${i}`);
    }
  }
  const [eQuery, sKey, eKey, sValue] = [query.shape[rank - 1], key.shape[rank - 2], key.shape[rank - 1], value.shape[rank - 2]];
  if (knownDiffer(eQuery, eKey)) throw new MilShapeError(`scaled_dot_product_attention: query embedding ${eQuery} differs from key embedding ${eKey}`);
  if (knownDiffer(sKey, sValue)) throw new MilShapeError(`scaled_dot_product_attention: key sequence ${sKey} differs from value sequence ${sValue}`);
  if (!mask) return;
  if (mask.shape.length === 0) throw new MilShapeError('scaled_dot_product_attention: attn_mask must have rank 1 or more');
  const sMask = mask.shape[mask.shape.length - 1];
  if (knownDiffer(sMask, sKey)) throw new MilShapeError(`scaled_dot_product_attention: mask sequence ${sMask} differs from key sequence ${sKey}`);
  broadcastShapes(query.shape.slice(0, -1), mask.shape.slice(0, -1));
}

const scaledDotProductAttention: MilOpDef = {
  name: 'scaled_dot_product_attention',
  since: 'iOS18',
  inputs: { query: { type: 'T' }, key: { type: 'T' }, value: { type: 'T' }, attn_mask: { type: 'M', optional: true } },
  typeDomains: { T: DOMAIN_F, M: ['bool', 'float16', 'float32'] },
  outputs: (input) => {
    const [query, key, value] = ['query', 'key', 'value'].map((p) => requiredType(input, p)) as [MilTensorType, MilTensorType, MilTensorType];
    checkShapes(query, key, value, input.type('attn_mask'));
    return [{ dtype: query.dtype, shape: [...query.shape.slice(0, -1), value.shape[value.shape.length - 1]!] }];
  },
};

/** The attention family's MIL op definition. */
export const attentionOpDefs: readonly MilOpDef[] = [scaledDotProductAttention];
