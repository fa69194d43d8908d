import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkOnnxModel } from '../../src/convert/coverage.js';
import { convertOnnxModel } from '../../src/convert/index.js';
import { loadOnnxModel } from '../../src/onnx/load.js';
import { readProtoTestDataSet } from '../../src/reference/test-data.js';
import { runModel } from '../../src/runtime/interpreter.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { asFloat32, psnr } from '../helpers/float-compare.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'fixtures', 'onnx');
const MODELS = ['seed_simple_cnn', 'seed_custom_activation', 'tiny_convnet', 'tiny_transformer', 'tiny_unet', 'tiny_lstm'];

/** Largest violation of |out - ref| <= 1e-4 + 1e-3·|ref| (the ONNX test-data tolerance); NaN counts as a violation. */
function worstFp32Excess(out: Float32Array, ref: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const excess = Math.abs(out[i]! - ref[i]!) - (1e-4 + 1e-3 * Math.abs(ref[i]!));
    if (!(excess <= worst)) worst = Number.isNaN(excess) ? Infinity : excess;
  }
  return worst;
}

describe('fixture models convert and match their reference outputs', () => {
  it.each(MODELS)('%s: every op is covered', async (name) => {
    const model = await loadOnnxModel(join(FIXTURES, name, 'model.onnx'));
    expect(checkOnnxModel(model).unsupported).toEqual([]);
  });

  it.each(MODELS.flatMap((name) => [[name, 'fp32'], [name, 'fp16']] as const))('%s converts in %s and matches the reference', async (name, precision) => {
    const dir = join(FIXTURES, name);
    const model = await loadOnnxModel(join(dir, 'model.onnx'));
    const data = await readProtoTestDataSet(join(dir, 'test_data_set_0'));
    const { model: coreml } = convertOnnxModel(model, { target: 'iOS16', precision });
    const inputs: Record<string, Tensor> = {};
    coreml.inputs.forEach((desc, k) => (inputs[desc.name] = data.inputs[k]!.tensor));
    const outputs = runModel(coreml, inputs);
    coreml.outputs.forEach((desc, k) => {
      const out = asFloat32(outputs[desc.name]!);
      const ref = asFloat32(data.outputs[k]!.tensor);
      expect(out.length).toBe(ref.length);
      if (precision === 'fp32') expect(worstFp32Excess(out, ref)).toBeLessThanOrEqual(0);
      else expect(psnr(out, ref)).toBeGreaterThanOrEqual(40);
    });
  });
});
