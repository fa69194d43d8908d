import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { convertOnnxModel } from '../../../src/convert/index.js';
import { loadOnnxModel } from '../../../src/onnx/load.js';
import { FP32_GATE } from '../../../src/parity/gates.js';
import { evaluateOutput, type OutputVerdict } from '../../../src/parity/verdict.js';
import { readTestDataSets } from '../../../src/reference/test-data.js';
import { runModel } from '../../../src/runtime/interpreter.js';
import type { Tensor } from '../../../src/tensor/tensor.js';

/**
 * End to end for the neural-network families: the shared fixtures (exported
 * by PyTorch) convert for iOS15 in fp32, and the reference interpreter
 * reproduces PyTorch's outputs within the fp32 gate (|err| <= 1e-4 + 1e-3 |ref|).
 */

const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/onnx/', import.meta.url));

async function convertAndJudge(name: string): Promise<{ ops: Record<string, number>; verdicts: OutputVerdict[] }> {
  const dir = `${FIXTURES}${name}`;
  const result = convertOnnxModel(await loadOnnxModel(`${dir}/model.onnx`), { target: 'iOS15', precision: 'fp32' });
  const [data] = await readTestDataSets(dir);
  const inputs: Record<string, Tensor> = {};
  data!.inputs.forEach((t, k) => (inputs[result.model.inputs[k]!.name] = t.tensor));
  const outputs = runModel(result.model, inputs);
  const verdicts = data!.outputs.map((ref, k) => evaluateOutput(ref.tensor, outputs[result.model.outputs[k]!.name]!, FP32_GATE));
  return { ops: result.milOps, verdicts };
}

describe('neural-network fixtures end to end', () => {
  const cases: [string, string[]][] = [
    ['seed_simple_cnn', ['conv', 'max_pool', 'linear']],
    ['tiny_convnet', ['conv', 'avg_pool', 'reduce_mean', 'linear']],
    ['tiny_transformer', ['linear', 'matmul', 'layer_norm']],
    ['tiny_unet', ['conv', 'max_pool', 'conv_transpose', 'upsample_bilinear']],
    ['tiny_lstm', ['lstm', 'linear']],
  ];
  for (const [name, expectedOps] of cases) {
    it(`${name} converts to ${expectedOps.join(', ')} and matches PyTorch within the fp32 gate`, async () => {
      const { ops, verdicts } = await convertAndJudge(name);
      for (const op of expectedOps) expect(ops[op], op).toBeGreaterThan(0);
      expect(verdicts.length).toBeGreaterThan(0);
      for (const v of verdicts) expect(v.pass, v.reason).toBe(true);
    });
  }
});
