import { describe, expect, it } from 'vitest';
import { findVariant } from '../../src/compress/variants.js';
import { loadOnnxModel } from '../../src/onnx/load.js';
import { buildVariantModel, compressionVariant, compressionVariantNames } from '../../src/run/build.js';
import { fixtureModel } from '../cli/fixtures.js';

describe('buildVariantModel', () => {
  it('gives compressed fp16 programs fp16 weights, so fp16 ops read fp16 values', async () => {
    const model = await loadOnnxModel(fixtureModel('seed_simple_cnn'));
    const built = buildVariantModel(model, findVariant('int8')!, 'iOS15');
    const ops = built.model.program.functions['main']!.block.operations;
    const dequantized = ops.filter((op) => op.type === 'constexpr_affine_dequantize');
    expect(dequantized.length).toBeGreaterThan(0);
    for (const op of dequantized) expect(op.outputs[0]!.type.dtype).toBe('float16');
    expect(built.target).toBe('iOS16');
  });

  it('compresses fp32 variants into fp32 weights when the precision asks for it', async () => {
    const model = await loadOnnxModel(fixtureModel('seed_simple_cnn'));
    const variant = { ...findVariant('palettize4')!, precision: 'fp32' as const };
    const built = buildVariantModel(model, variant, 'iOS16');
    const luts = built.model.program.functions['main']!.block.operations.filter((op) => op.type === 'constexpr_lut_to_dense');
    expect(luts.length).toBeGreaterThan(0);
    for (const op of luts) expect(op.outputs[0]!.type.dtype).toBe('float32');
  });
});

describe('compressionVariant', () => {
  it('offers every compressing variant and none of the plain precisions', () => {
    expect(compressionVariantNames()).toEqual(['int8', 'int4', 'palettize1', 'palettize2', 'palettize3', 'palettize4', 'palettize6', 'palettize8', 'prune50']);
  });

  it('builds the named compression at the requested precision, and refuses a name that does not compress', () => {
    expect(compressionVariant('int8', 'fp32')).toMatchObject({ name: 'int8', precision: 'fp32', compression: { kind: 'linear' } });
    expect(() => compressionVariant('fp16', 'fp16')).toThrow(/unknown compression 'fp16'; expected one of int8, int4/);
  });
});
