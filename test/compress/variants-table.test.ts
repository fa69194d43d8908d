import { describe, expect, it } from 'vitest';
import { findVariant, variantNames } from '../../src/compress/variants.js';

describe('variant table gates', () => {
  it('holds each variant to the default gate of design.md', () => {
    expect(findVariant('fp32')!.gate).toEqual({ kind: 'elementwise', atol: 1e-4, rtol: 1e-3 });
    expect(findVariant('fp16')!.gate).toEqual({ kind: 'psnr', minDb: 40 });
    for (const v of ['int8', 'palettize6', 'palettize8']) expect(findVariant(v)!.gate).toEqual({ kind: 'psnr', minDb: 30 });
    for (const v of ['int4', 'palettize1', 'palettize2', 'palettize3', 'palettize4', 'prune50']) {
      expect(findVariant(v)!.gate).toEqual({ kind: 'psnr', minDb: 20 });
    }
  });

  it('knows no variant outside the table', () => {
    expect(findVariant('int3')).toBeUndefined();
    expect(variantNames()).toContain('palettize4');
  });
});
