import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressProgram, type CompressionSpec } from '../../src/compress/apply.js';
import { convertOnnxModel } from '../../src/convert/index.js';
import { readMlPackage, writeMlPackage } from '../../src/coreml/package.js';
import { walkOperations } from '../../src/mil/ir.js';
import { validateProgram } from '../../src/mil/validate.js';
import { loadOnnxModel } from '../../src/onnx/load.js';
import { compareOutputs } from '../../src/parity/metrics.js';
import { readProtoTestDataSet } from '../../src/reference/test-data.js';
import { runModel } from '../../src/runtime/interpreter.js';
import type { Tensor } from '../../src/tensor/tensor.js';

/**
 * The iOS18-only compression forms on real models: palettes shared by groups
 * of output channels (constexpr_lut_to_dense with a grouped LUT) and int4
 * with one scale per block of input channels (constexpr_blockwise_shift_scale).
 * Each program must validate, survive encoding, and run within the low-bit gate.
 */

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/onnx/', import.meta.url));
const LOW_BIT_PSNR_DB = 20;

let workDir: string;
let packages = 0;
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'compress-ios18-'));
});
afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

async function compressAndRun(name: string, spec: CompressionSpec): Promise<{ problems: string[]; opTypes: string[]; psnr: number[]; lutShapes: number[][] }> {
  const dir = join(FIXTURES, name);
  const onnx = await loadOnnxModel(join(dir, 'model.onnx'));
  const data = await readProtoTestDataSet(join(dir, 'test_data_set_0'));
  const { model } = convertOnnxModel(onnx, { target: 'iOS18', precision: 'fp16' });
  compressProgram(model.program, spec, { target: 'iOS18' });
  const problems = validateProgram(model.program);
  const path = join(workDir, `${name}-${spec.kind}-${packages++}.mlpackage`);
  await writeMlPackage(model, path);
  const back = await readMlPackage(path);
  const constexprOps = [...walkOperations(back.program.functions['main']!.block)].filter((op) => op.type.startsWith('constexpr_'));
  const lutShapes = constexprOps.flatMap((op) => {
    const lut = op.inputs['lut']?.[0];
    return lut?.kind === 'value' ? [[...lut.value.shape]] : [];
  });
  const inputs: Record<string, Tensor> = {};
  back.inputs.forEach((desc, k) => (inputs[desc.name] = data.inputs[k]!.tensor));
  const outputs = runModel(back, inputs);
  const psnr = back.outputs.map((desc, k) => compareOutputs(data.outputs[k]!.tensor, outputs[desc.name]!).psnrDb);
  return { problems, opTypes: [...new Set(constexprOps.map((op) => op.type))], psnr, lutShapes };
}

describe('iOS18 grouped-channel palettes', () => {
  it.each([
    ['tiny_convnet', 4, 16],
    ['tiny_convnet', 2, 8],
    ['tiny_transformer', 4, 16],
    ['tiny_transformer', 3, 32],
  ] as const)('%s with %i-bit palettes per %i output channels validates and meets the gate', async (model, nbits, channelGroupSize) => {
    const r = await compressAndRun(model, { kind: 'palettize', nbits, channelGroupSize });
    expect(r.problems).toEqual([]);
    expect(r.opTypes).toEqual(['constexpr_lut_to_dense']);
    // One table per group along axis 0; the other axes share it; then 2^nbits entries of vector size 1.
    for (const shape of r.lutShapes) expect(shape.slice(-2)).toEqual([2 ** nbits, 1]);
    expect(r.lutShapes.some((shape) => shape[0]! > 1)).toBe(true);
    for (const db of r.psnr) expect(db).toBeGreaterThanOrEqual(LOW_BIT_PSNR_DB);
  });
});

describe('iOS18 block-wise int4', () => {
  it.each([
    ['tiny_convnet', 32],
    ['tiny_convnet', 8],
    ['tiny_transformer', 32],
    ['tiny_transformer', 16],
  ] as const)('%s with int4 blocks of %i input channels validates and meets the gate', async (model, blockSize) => {
    const r = await compressAndRun(model, { kind: 'blockwise', dtype: 'int4', blockSize });
    expect(r.problems).toEqual([]);
    expect(r.opTypes).toEqual(['constexpr_blockwise_shift_scale']);
    for (const db of r.psnr) expect(db).toBeGreaterThanOrEqual(LOW_BIT_PSNR_DB);
  });
});
