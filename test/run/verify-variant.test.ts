import { describe, expect, it } from 'vitest';
import { findVariant } from '../../src/compress/variants.js';
import { readTestDataSets } from '../../src/reference/test-data.js';
import { loadOnnxModel } from '../../src/onnx/load.js';
import { Deadline, ModelTimeoutError } from '../../src/run/deadline.js';
import { buildVariantModel } from '../../src/run/build.js';
import { effectiveGate, gateLabel, verifyAgainstReferences } from '../../src/run/verify-variant.js';
import { fixtureDir, fixtureModel } from '../cli/fixtures.js';

async function cnnVariant(name: string) {
  const model = await loadOnnxModel(fixtureModel('seed_simple_cnn'));
  const built = buildVariantModel(model, findVariant(name)!, 'iOS15');
  const sets = await readTestDataSets(fixtureDir('seed_simple_cnn'));
  return { model, built, sets };
}

describe('verifyAgainstReferences', () => {
  it('reports the metrics of each output under the ONNX output name', async () => {
    const { built, sets } = await cnnVariant('fp16');
    const outputs = verifyAgainstReferences({
      model: built.model,
      sets,
      outputNames: ['logits'],
      gate: { kind: 'psnr', minDb: 40 },
      deadline: new Deadline('m', undefined),
      file: 'm',
    });
    expect(outputs).toHaveLength(1);
    const out = outputs[0]!;
    expect(out.name).toBe('logits');
    expect(out.shape).toEqual([1, 10]);
    expect(out.pass).toBe(true);
    expect(out.psnrDb).toBeGreaterThan(60);
    expect(out.maxAbsError).toBeGreaterThan(0);
    expect(out.top1Agreement).toBe(1);
    expect(out.exact).toBe(false);
  });

  it('reports the worst set and names the set that failed, as verify does', async () => {
    const { built, sets } = await cnnVariant('fp32');
    const good = sets[0]!;
    const logits = good.outputs[0]!;
    const shifted = { ...logits, tensor: { ...logits.tensor, data: (logits.tensor.data as Float32Array).map((x) => x + 1) } };
    const bad = { ...good, name: 'shifted', outputs: [shifted] };
    const [out] = verifyAgainstReferences({
      model: built.model,
      sets: [good, bad],
      outputNames: ['logits'],
      gate: { kind: 'elementwise', atol: 1e-4, rtol: 1e-3 },
      deadline: new Deadline('m', undefined),
      file: 'm',
    });
    expect(out!.pass).toBe(false);
    expect(out!.reason).toMatch(/^shifted: /);
    expect(out!.maxAbsError).toBeGreaterThan(0.9);
    expect(out!.exact).toBe(false);
  });

  it('checks the time limit while the interpreter runs', async () => {
    const { built, sets } = await cnnVariant('fp32');
    let t = 0;
    // Expires before the first op finishes: only the interpreter's per-op check can notice.
    const deadline = new Deadline('m.onnx', 1, () => t);
    t = 5000;
    const run = () => verifyAgainstReferences({ model: built.model, sets, outputNames: ['y'], gate: { kind: 'psnr', minDb: 40 }, deadline, file: 'm.onnx' });
    expect(run).toThrow(ModelTimeoutError);
    expect(run).toThrow(/while running the Core ML model/);
  });
});

describe('effectiveGate', () => {
  const fp32 = findVariant('fp32')!.gate;
  const fp16 = findVariant('fp16')!.gate;

  it('keeps the variant default when the user set nothing', () => {
    expect(effectiveGate(fp32, { failOnUnsupported: true })).toEqual(fp32);
    expect(effectiveGate(fp16, { failOnUnsupported: true })).toEqual(fp16);
  });

  it('applies min PSNR to PSNR gates and max abs error to element-wise gates only', () => {
    const gates = { failOnUnsupported: true, minPsnr: 55, maxAbsError: 0.01 };
    expect(effectiveGate(fp16, gates)).toEqual({ kind: 'psnr', minDb: 55 });
    expect(effectiveGate(fp32, gates)).toEqual({ kind: 'elementwise', atol: 0.01, rtol: 0 });
  });

  it('labels gates the way the report shows them', () => {
    expect(gateLabel(fp32)).toBe('|error| ≤ 0.0001 + 0.001·|ref|');
    expect(gateLabel({ kind: 'elementwise', atol: 0.01, rtol: 0 })).toBe('max abs error ≤ 0.01');
    expect(gateLabel(fp16)).toBe('PSNR ≥ 40 dB');
    expect(gateLabel({ kind: 'exact' })).toBe('exact');
  });
});
