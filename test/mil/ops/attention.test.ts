import { describe, expect, it } from 'vitest';
import { MilBuilder, MilBuildError } from '../../../src/mil/builder.js';
import type { DType } from '../../../src/tensor/dtype.js';
import type { MilTensorType } from '../../../src/mil/ir.js';

/** scaled_dot_product_attention's output type, on the shapes of Apple's iOS18/test_transformers.py. */

type Dims = (number | null)[];

function attentionType(query: Dims, key: Dims, value: Dims, mask?: { dtype: DType; shape: Dims }, target: 'iOS17' | 'iOS18' = 'iOS18'): MilTensorType {
  const b = new MilBuilder(target);
  const args: Record<string, string> = {
    query: b.addInput('q', { dtype: 'float32', shape: query }),
    key: b.addInput('k', { dtype: 'float32', shape: key }),
    value: b.addInput('v', { dtype: 'float32', shape: value }),
  };
  if (mask) args['attn_mask'] = b.addInput('m', mask);
  return b.typeOf(b.op1('scaled_dot_product_attention', args));
}

describe('scaled_dot_product_attention (iOS18)', () => {
  it('query [*B, L, E], key [*B, S, E] and value [*B, S, EV] give [*B, L, EV]', () => {
    expect(attentionType([3, 5, 7], [3, 11, 7], [3, 11, 13])).toEqual({ dtype: 'float32', shape: [3, 5, 13] });
    expect(attentionType([2, 3, 4, 5, 7], [2, 3, 4, 11, 7], [2, 3, 4, 11, 13])).toEqual({ dtype: 'float32', shape: [2, 3, 4, 5, 13] });
  });

  it('keeps unknown batch and query lengths unknown', () => {
    expect(attentionType([null, 5, null, 7], [null, 5, 11, 7], [null, 5, 11, 13])).toEqual({ dtype: 'float32', shape: [null, 5, null, 13] });
  });

  it('takes a bool or float mask whose last dim is S and whose others broadcast against query', () => {
    expect(attentionType([3, 5, 7], [3, 11, 7], [3, 11, 13], { dtype: 'bool', shape: [5, 11] }).shape).toEqual([3, 5, 13]);
    expect(attentionType([3, 5, 7], [3, 11, 7], [3, 11, 13], { dtype: 'float32', shape: [1, 5, 11] }).shape).toEqual([3, 5, 13]);
    expect(() => attentionType([3, 5, 7], [3, 11, 7], [3, 11, 13], { dtype: 'bool', shape: [5, 10] })).toThrow(/mask sequence 10/);
    expect(() => attentionType([3, 5, 7], [3, 11, 7], [3, 11, 13], { dtype: 'int32', shape: [5, 11] })).toThrow(MilBuildError);
  });

  it('refuses rank 2, mixed ranks, embeddings or sequences that differ, and iOS17', () => {
    expect(() => attentionType([5, 7], [11, 7], [11, 13])).toThrow(/rank 3 or more/);
    expect(() => attentionType([3, 5, 7], [1, 3, 11, 7], [3, 11, 13])).toThrow(/ranks/);
    expect(() => attentionType([3, 5, 7], [3, 11, 8], [3, 11, 13])).toThrow(/query embedding 7 differs from key embedding 8/);
    expect(() => attentionType([3, 5, 7], [3, 11, 7], [3, 12, 13])).toThrow(/key sequence 11 differs from value sequence 12/);
    expect(() => attentionType([3, 5, 7], [2, 11, 7], [3, 11, 13])).toThrow(/batch dim 0/);
    expect(() => attentionType([3, 5, 7], [3, 11, 7], [3, 11, 13], undefined, 'iOS17')).toThrow(/does not exist/);
  });
});
