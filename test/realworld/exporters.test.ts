import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeOnnxModel } from '../../src/onnx/encode.js';
import type { OnnxModel } from '../../src/onnx/ir.js';
import { encodeTensorProto } from '../../src/onnx/tensor-proto.js';
import { convertFile, type Precision } from '../../src/pipeline.js';
import { runReferenceEngine } from '../../src/reference/onnxruntime.js';
import { generateInputs } from '../../src/reference/seeded-inputs.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { verifyPackage, type VerifyReport } from '../../src/verify.js';
import { asFloat32 } from '../helpers/float-compare.js';
import { paddleMobileNet } from './exporters/paddle.js';
import { tf2onnxKerasNet } from './exporters/tf2onnx.js';
import { torchLegacyNet } from './exporters/torch-legacy.js';

/**
 * Models in the shapes exporters other than today's torch.onnx write, built node by
 * node here (see exporters/): Paddle2ONNX, tf2onnx, and torch.onnx at opsets 7–10.
 * Each is written as model.onnx with two test_data_set_N folders whose inputs are
 * seeded and whose outputs onnxruntime computes, then converted at fp32 and fp16,
 * written, read back and verified on both sets by the reference interpreter under the
 * design gates (fp32 element-wise 1e-4 + 1e-3·|ref|, fp16 PSNR ≥ 40 dB per output).
 */

interface ExporterModel {
  name: string;
  exercises: string;
  build: () => OnnxModel;
}

const MODELS: readonly ExporterModel[] = [
  { name: 'paddle_mobilenet_opset9', exercises: 'Paddle2ONNX opset 9, dynamic batch: unfolded BatchNormalization, HardSigmoid SE gate, hard-swish with Clip attributes, Upsample(X, scales)', build: () => paddleMobileNet(9) },
  { name: 'paddle_mobilenet_opset10', exercises: 'Paddle2ONNX opset 10: Resize(X, scales) nearest and linear', build: () => paddleMobileNet(10) },
  { name: 'paddle_mobilenet_opset11', exercises: 'Paddle2ONNX opset 11: Clip with min/max inputs, Resize(X, roi, scales) asymmetric-floor nearest and half-pixel cubic (A = −0.75)', build: () => paddleMobileNet(11) },
  { name: 'tf2onnx_keras_opset12', exercises: 'tf2onnx opset 12, dynamic batch: NHWC input with Transpose pairs, Squeeze/Unsqueeze axes attributes, Pad and Slice from Shape→Gather→Sub→Concat→Cast', build: () => tf2onnxKerasNet() },
  { name: 'torch_legacy_opset7', exercises: 'torch.onnx opset 7: BatchNormalization spatial=1, Upsample scales attribute, Slice/Pad/Clip attributes, Dropout ratio, Reshape, Flatten, Gemm', build: () => torchLegacyNet(7) },
  { name: 'torch_legacy_opset9', exercises: 'torch.onnx opset 9: Upsample(X, scales) with scales from Shape arithmetic, Reshape from Shape→Gather→Concat, Slice attributes, Dropout ratio, Flatten, Gemm', build: () => torchLegacyNet(9) },
  { name: 'torch_legacy_opset10', exercises: 'torch.onnx opset 10: Resize(X, scales) with scales from Shape arithmetic, Slice inputs ending at INT64_MAX, Dropout ratio, MaxPool ceil_mode, Flatten, Gemm', build: () => torchLegacyNet(10) },
];

const SEEDS = [11, 29] as const;
const work = mkdtempSync(join(tmpdir(), 'exporter-models-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Writes the model and one test_data_set_N per seed, with onnxruntime's outputs; returns the references by set. */
async function writeModelWithData(name: string, onnx: OnnxModel): Promise<{ dir: string; references: Record<string, Tensor>[] }> {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const modelPath = join(dir, 'model.onnx');
  writeFileSync(modelPath, encodeOnnxModel(onnx));
  const references: Record<string, Tensor>[] = [];
  for (const [k, seed] of SEEDS.entries()) {
    // Symbolic dims (the exporters' dynamic batch) take 1, as `report` does for its seeded inputs.
    const specs = onnx.graph.inputs.map((i) => ({ name: i.name, dtype: i.dtype!, shape: i.shape!.map((d) => (typeof d === 'number' ? d : 1)) }));
    const inputs = generateInputs(specs, seed);
    const { outputs } = await runReferenceEngine(modelPath, inputs);
    const set = join(dir, `test_data_set_${k}`);
    mkdirSync(set);
    // By graph position: a record's key order puts numeric names ("63", "44") first.
    specs.forEach(({ name: n }, i) => writeFileSync(join(set, `input_${i}.pb`), encodeTensorProto(n, inputs[n]!)));
    onnx.graph.outputs.forEach(({ name: n }, i) => writeFileSync(join(set, `output_${i}.pb`), encodeTensorProto(n, outputs[n]!)));
    references.push(outputs);
  }
  return { dir, references };
}

async function convertAndVerify(name: string, dir: string, precision: Precision): Promise<VerifyReport> {
  const pkg = join(work, `${name}-${precision}.mlpackage`);
  await convertFile(join(dir, 'model.onnx'), pkg, { target: 'iOS15', precision });
  return verifyPackage(pkg, { dataDir: dir });
}

function failures(report: VerifyReport): string[] {
  return report.outputs.filter((o) => !o.pass).map((o) => `${o.name}: ${o.reason ?? 'failed'} (max abs ${o.maxAbsError}, PSNR ${o.psnrDb} dB)`);
}

/** Largest |a − b| over the larger of the two peaks: how much an output moved between two inputs. */
function relativeChange(a: Tensor, b: Tensor): number {
  const x = asFloat32(a);
  const y = asFloat32(b);
  let diff = 0;
  let peak = 0;
  for (let i = 0; i < x.length; i++) {
    diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
    peak = Math.max(peak, Math.abs(x[i]!), Math.abs(y[i]!));
  }
  return diff / peak;
}

describe.each(MODELS)('$name — $exercises', ({ name, build }) => {
  let dir = '';
  let references: Record<string, Tensor>[] = [];
  beforeAll(async () => {
    ({ dir, references } = await writeModelWithData(name, build()));
  });

  it('has references that follow the input: every output differs between the two seeded sets', () => {
    const [first, second] = references;
    for (const [output, tensor] of Object.entries(first!)) {
      expect(relativeChange(tensor, second![output]!), output).toBeGreaterThan(0.01);
    }
  });

  it('converts at fp32 and matches onnxruntime element-wise (1e-4 + 1e-3·|ref|) on both sets', async () => {
    const report = await convertAndVerify(name, dir, 'fp32');
    expect(report.dataSets).toHaveLength(SEEDS.length);
    expect(failures(report)).toEqual([]);
    expect(report.pass).toBe(true);
  });

  it('converts at fp16 and keeps every output at PSNR ≥ 40 dB on both sets', async () => {
    const report = await convertAndVerify(name, dir, 'fp16');
    expect(report.gate).toEqual({ kind: 'psnr', minDb: 40 });
    expect(failures(report)).toEqual([]);
    for (const output of report.outputs) expect(output.psnrDb).toBeGreaterThanOrEqual(40);
    expect(report.pass).toBe(true);
  });
});
