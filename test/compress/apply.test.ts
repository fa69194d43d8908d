import { describe, expect, it } from 'vitest';
import { compressProgram, minimumTargetFor } from '../../src/compress/apply.js';
import { findVariant, targetForVariant } from '../../src/compress/variants.js';
import { unpackSubByte } from '../../src/coreml/subbyte.js';
import type { MilProgram } from '../../src/mil/ir.js';
import { float32ArrayToFloat16 } from '../../src/tensor/fp16.js';
import { makeTensor } from '../../src/tensor/tensor.js';

function programWithWeight(elements: number, dtype: 'float32' | 'float16' = 'float32'): MilProgram {
  const values = Float32Array.from({ length: elements }, (_, i) => Math.sin(i));
  const shape = [elements / 64, 64];
  const w = dtype === 'float16' ? makeTensor('float16', shape, float32ArrayToFloat16(values)) : makeTensor('float32', shape, values);
  const small = makeTensor('float32', [8], new Float32Array(8).fill(0.5));
  return {
    functions: {
      main: {
        inputs: [{ name: 'x', type: { dtype: 'float32', shape: [1, 64] } }],
        opset: 'CoreML6',
        block: {
          inputs: [],
          operations: [
            { type: 'const', name: 'w', inputs: {}, outputs: [{ name: 'w', type: { dtype, shape: [...w.shape] } }], attributes: { val: w }, blocks: [] },
            { type: 'const', name: 'b', inputs: {}, outputs: [{ name: 'b', type: { dtype: 'float32', shape: [8] } }], attributes: { val: small }, blocks: [] },
          ],
          outputs: ['w'],
        },
      },
    },
  };
}

describe('compressProgram', () => {
  it('replaces large weights with constexpr_affine_dequantize and keeps small ones', () => {
    const program = programWithWeight(4096, 'float16');
    const stats = compressProgram(program, { kind: 'linear', dtype: 'int8', symmetric: true, perChannel: true }, { target: 'iOS16' });
    const ops = program.functions['main']!.block.operations;
    expect(ops.map((o) => o.type)).toEqual(['constexpr_affine_dequantize', 'const']);
    expect(stats).toMatchObject({ compressed: 1, keptSmall: 1, bytesBefore: 4096 * 2 });
    const op = ops[0]!;
    expect(op.outputs[0]).toEqual({ name: 'w', type: { dtype: 'float16', shape: [64, 64] } });
    expect(op.attributes['quantized_data']!.dtype).toBe('int8');
    expect(op.attributes['scale']!.shape).toEqual([64]);
    // int8 data + fp16 scales + int8 zero points + axis
    expect(stats.bytesAfter).toBe(4096 + 64 * 2 + 64 + 4);
  });

  it('packs 4-bit palette indices LSB first for the iOS16 LUT op', () => {
    const program = programWithWeight(4096);
    compressProgram(program, { kind: 'palettize', nbits: 4 }, { target: 'iOS16' });
    const op = program.functions['main']!.block.operations[0]!;
    expect(op.type).toBe('constexpr_lut_to_dense');
    const indices = op.attributes['indices']!;
    expect(indices.shape).toEqual([2048]);
    const unpacked = unpackSubByte('uint4', indices.data as Uint8Array, 4096);
    const lut = op.attributes['lut']!.data as Float32Array;
    // The decoded weight is close to the original sine wave.
    expect(Math.abs(lut[unpacked[100]!]! - Math.sin(100))).toBeLessThan(0.1);
  });

  it('binds iOS18 block-quantization parameters as inline inputs', () => {
    const program = programWithWeight(4096);
    compressProgram(program, { kind: 'blockwise', dtype: 'int4', blockSize: 32 }, { target: 'iOS18' });
    const op = program.functions['main']!.block.operations[0]!;
    expect(op.type).toBe('constexpr_blockwise_shift_scale');
    expect(op.inputs['data']![0]).toMatchObject({ kind: 'value' });
    expect(Object.keys(op.attributes)).toEqual([]);
  });

  it('refuses a target older than the op needs', () => {
    expect(() => compressProgram(programWithWeight(4096), { kind: 'blockwise', dtype: 'int4', blockSize: 32 }, { target: 'iOS16' })).toThrow(/iOS18/);
    expect(minimumTargetFor({ kind: 'palettize', nbits: 3 })).toBe('iOS18');
    expect(minimumTargetFor({ kind: 'palettize', nbits: 4, channelGroupSize: 8 })).toBe('iOS18');
    expect(minimumTargetFor({ kind: 'prune', sparsity: 0.5 })).toBe('iOS16');
  });

  it('raises the target of a variant that needs a newer opset', () => {
    expect(targetForVariant(findVariant('int8')!, 'iOS15')).toEqual({ target: 'iOS16', raised: true });
    expect(targetForVariant(findVariant('fp16')!, 'iOS15')).toEqual({ target: 'iOS15', raised: false });
    expect(targetForVariant(findVariant('int8')!, 'iOS17')).toEqual({ target: 'iOS17', raised: false });
  });

  it('gives the decompressed weight the dtype of the const it replaces, whatever the caller asks', () => {
    // An fp32 const in an fp16 program is one the fp16 pass kept in fp32 on purpose: its reader expects fp32.
    for (const dtype of ['float16', 'float32'] as const) {
      const program = programWithWeight(4096, dtype);
      compressProgram(program, { kind: 'palettize', nbits: 4 }, { target: 'iOS16', outputDType: 'float16' });
      const op = program.functions['main']!.block.operations[0]!;
      expect(op.outputs[0]!.type.dtype).toBe(dtype);
      expect(op.attributes['lut']!.dtype).toBe(dtype);
    }
  });

  it('writes iOS18 linear quantization as constexpr_blockwise_shift_scale with one scale per output channel', () => {
    const program = programWithWeight(4096, 'float16');
    compressProgram(program, { kind: 'linear', dtype: 'int8', symmetric: true, perChannel: true }, { target: 'iOS18' });
    const op = program.functions['main']!.block.operations[0]!;
    expect(op.type).toBe('constexpr_blockwise_shift_scale');
    const scale = op.inputs['scale']![0]!;
    expect(scale.kind === 'value' && scale.value.shape).toEqual([64, 1]);
    // Symmetric int8 has zero offsets, which the op lets us leave out.
    expect(op.inputs['offset']).toBeUndefined();
  });

  it('writes the iOS18 sparse op with a uint1 mask shaped like the weight and no shape parameter', () => {
    const program = programWithWeight(4096, 'float16');
    compressProgram(program, { kind: 'prune', sparsity: 0.5 }, { target: 'iOS18' });
    const op = program.functions['main']!.block.operations[0]!;
    const mask = op.inputs['mask']![0]!;
    expect(mask.kind === 'value' && [mask.value.dtype, mask.value.shape]).toEqual(['uint1', [64, 64]]);
    expect(op.inputs['shape']).toBeUndefined();
  });

  it('leaves weights alone whose shape the spec cannot split into blocks', () => {
    const program = programWithWeight(4096, 'float16');
    const w = program.functions['main']!.block.operations[0]!;
    const val = w.attributes['val']!;
    w.attributes['val'] = { ...val, shape: [4096] };
    w.outputs[0]!.type.shape = [4096];
    const stats = compressProgram(program, { kind: 'blockwise', dtype: 'int4', blockSize: 32 }, { target: 'iOS18' });
    expect(stats.compressed).toBe(0);
    expect(program.functions['main']!.block.operations[0]!.type).toBe('const');
  });
});
