import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressProgram } from '../../src/compress/apply.js';
import { findVariant } from '../../src/compress/variants.js';
import { convertOnnxModel } from '../../src/convert/index.js';
import { writeMlPackage } from '../../src/coreml/package.js';
import { walkOperations, type MilProgram } from '../../src/mil/ir.js';
import { loadOnnxModel } from '../../src/onnx/load.js';

/**
 * Compressed packages are as small as the formats allow. tiny_convnet keeps
 * ≈ 98% of its 90 k parameters in three weights over the 2,048-element
 * threshold, so its int8 weight.bin should be close to ¼ of the fp32 one and
 * its 4-bit palette close to ⅛. The test asserts both an ideal-based window
 * and an exact overhead budget computed from the program:
 *   lower = the packed weight data alone (1 byte or ½ byte per compressed weight);
 *   upper = that + 2 bytes per weight left uncompressed (fp16)
 *           + per compressed weight: fp16 scale and int8 zero point per channel, or a 16-entry fp16 LUT
 *           + 128 bytes per blob (its 64-byte metadata record and up to 63 bytes of 64-byte alignment).
 */

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/onnx/', import.meta.url));
const BLOB_OVERHEAD = 128;
/** Blobs hold tensors of ≥ 10 elements; smaller ones are immediate values in the protobuf. */
const MIN_BLOB_ELEMENTS = 10;

let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'compress-size-'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

interface Census {
  compressedWeights: number;
  compressedChannels: number;
  compressedTensors: number;
  floatWeightsKept: number;
  keptBlobs: number;
}

function census(program: MilProgram): Census {
  const c: Census = { compressedWeights: 0, compressedChannels: 0, compressedTensors: 0, floatWeightsKept: 0, keptBlobs: 0 };
  for (const op of walkOperations(program.functions['main']!.block)) {
    const shape = op.outputs[0]?.type.shape ?? [];
    const elements = shape.reduce<number>((n, d) => n * (d ?? 0), 1);
    if (op.type.startsWith('constexpr_')) {
      c.compressedWeights += elements;
      c.compressedChannels += shape[0] ?? 1;
      c.compressedTensors++;
    } else if (op.type === 'const') {
      const val = op.attributes['val']!;
      if ((val.dtype === 'float16' || val.dtype === 'float32') && val.data.length >= MIN_BLOB_ELEMENTS) {
        c.floatWeightsKept += val.data.length;
        c.keptBlobs++;
      }
    }
  }
  return c;
}

async function weightBytes(variant: 'fp32' | 'int8' | 'palettize4'): Promise<{ bytes: number; census: Census }> {
  const def = findVariant(variant)!;
  const onnx = await loadOnnxModel(join(FIXTURES, 'tiny_convnet', 'model.onnx'));
  const { model } = convertOnnxModel(onnx, { target: 'iOS16', precision: def.precision });
  if (def.compression) compressProgram(model.program, def.compression, { target: 'iOS16' });
  const { weightBytes: bytes } = await writeMlPackage(model, join(workDir, `${variant}.mlpackage`));
  return { bytes, census: census(model.program) };
}

describe('compressed package sizes', () => {
  it('int8 weight.bin is about a quarter of the fp32 one, within the exact overhead budget', async () => {
    const fp32 = await weightBytes('fp32');
    const { bytes, census: c } = await weightBytes('int8');
    expect(c.compressedWeights / (fp32.bytes / 4)).toBeGreaterThan(0.95);
    const lower = c.compressedWeights;
    const upper = lower + 2 * c.floatWeightsKept + 3 * c.compressedChannels + BLOB_OVERHEAD * (3 * c.compressedTensors + c.keptBlobs);
    expect(bytes).toBeGreaterThanOrEqual(lower);
    expect(bytes).toBeLessThanOrEqual(upper);
    // ≈ ¼: the ideal is 0.25; the uncompressed 2% and the per-channel scales may add up to 0.02.
    expect(bytes / fp32.bytes).toBeGreaterThanOrEqual(0.25);
    expect(bytes / fp32.bytes).toBeLessThanOrEqual(0.27);
  });

  it('palettize4 weight.bin is about an eighth of the fp32 one, within the exact overhead budget', async () => {
    const fp32 = await weightBytes('fp32');
    const { bytes, census: c } = await weightBytes('palettize4');
    const lower = c.compressedWeights / 2;
    const upper = lower + 2 * c.floatWeightsKept + 32 * c.compressedTensors + BLOB_OVERHEAD * (2 * c.compressedTensors + c.keptBlobs);
    expect(bytes).toBeGreaterThanOrEqual(lower);
    expect(bytes).toBeLessThanOrEqual(upper);
    // ≈ ⅛: the ideal is 0.125; the kept fp16 tensors (2% of the weights at 2 bytes) add about 0.01.
    expect(bytes / fp32.bytes).toBeGreaterThanOrEqual(0.125);
    expect(bytes / fp32.bytes).toBeLessThanOrEqual(0.14);
  });
});
