import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readMlPackage } from '../../src/coreml/package.js';
import { loadOnnxModel } from '../../src/onnx/load.js';
import { convertFile, type Precision } from '../../src/pipeline.js';
import { verifyPackage, type VerifyReport } from '../../src/verify.js';

/**
 * Reduced-size PyTorch exports of the architectures users ship (random seeded weights,
 * torch's own outputs as test data). Each converts at fp32 and fp16, is written and
 * read back as an .mlpackage, and is run by the reference interpreter against its
 * test_data_set_0 under the design gates: fp32 element-wise |err| ≤ 1e-4 + 1e-3·|ref|,
 * fp16 PSNR ≥ 40 dB per output.
 */

const MODELS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'models');

interface RealWorldModel {
  name: string;
  /** What the export exercises, for the test title. */
  exercises: string;
}

const MODELS: readonly RealWorldModel[] = [
  { name: 'resnet_mini', exercises: 'ResNet basic blocks: folded BatchNorm, residual Add, MaxPool, GlobalAveragePool, Gemm (opset 13)' },
  { name: 'vgg_mini', exercises: 'VGG: conv stacks, MaxPool, AdaptiveAvgPool(2×2) as AveragePool, two-layer classifier (opset 13)' },
  { name: 'densenet_mini', exercises: 'DenseNet: Concat growth, unfolded BatchNormalization, AveragePool transitions (opset 13)' },
  { name: 'shufflenet_v2_mini', exercises: 'ShuffleNetV2: channel shuffle by Reshape/Transpose, channel split by a Slice computed from Shape, dynamic batch (opset 13)' },
  { name: 'efficientnet_mini', exercises: 'EfficientNet: SiLU as Sigmoid·x, squeeze-excitation, depthwise conv (opset 13)' },
  { name: 'regnet_mini', exercises: 'RegNetY: grouped conv and squeeze-excitation (opset 13)' },
  { name: 'mobilenet_v3_small_mini', exercises: 'MobileNetV3: HardSigmoid, hard-swish as HardSigmoid·x, SE blocks (opset 13)' },
  { name: 'mobilenet_v2_w025', exercises: 'MobileNetV2: ReLU6 as Clip, inverted residuals, dynamic batch (opset 13)' },
  { name: 'fcn_mini', exercises: 'FCN head with bilinear Resize to the input size (opset 13)' },
  { name: 'fcn_mini_dynamic_batch', exercises: 'FCN traced at batch 1 with a dynamic batch, run at batch 2: Resize sizes = Concat(Shape(y)[0:2], Shape(x)[2:4]) (opset 13)' },
  { name: 'deeplab_mini', exercises: 'DeepLabV3 ASPP: dilated convs, image pooling branch upsampled by Resize (opset 13)' },
  { name: 'fpn_mini', exercises: 'detection backbone with a feature pyramid: nearest Resize, five outputs (opset 13)' },
  { name: 'unet_mini', exercises: 'UNet with ConvTranspose upsampling and skip Concat (opset 13)' },
  { name: 'unet_bilinear_mini', exercises: 'UNet with align_corners bilinear upsampling, dynamic batch (opset 17)' },
  { name: 'unet3d_mini', exercises: 'volumetric UNet: Conv3d, InstanceNorm3d on rank-5 tensors, LeakyReLU, ConvTranspose3d (opset 13)' },
  { name: 'convnext_mini', exercises: 'ConvNeXt: 7×7 depthwise conv, channels-last LayerNorm, GELU (Erf), layer scale (opset 17)' },
  { name: 'vit_mini', exercises: 'ViT: patch embedding, class token Expand/Concat, MultiheadAttention, LayerNormalization, dynamic batch (opset 17)' },
  { name: 'transformer_encoder_mini', exercises: 'nn.TransformerEncoder pre-norm with GELU over a float sequence, dynamic batch (opset 17)' },
  { name: 'bert_mini', exercises: 'BERT-like encoder: int64 token ids, embeddings Gather, attention mask, pooler Tanh, dynamic batch (opset 17)' },
  { name: 'hf_bert_mini', exercises: 'HuggingFace-style BERT: position ids by Expand, (1 − mask)·finfo.min attention mask, dynamic batch (opset 17)' },
  { name: 'gn_unet_block', exercises: 'diffusion-style block: GroupNorm as InstanceNormalization over a Reshape, SiLU, nearest 2× Resize (opset 13)' },
  { name: 'superres_pixelshuffle', exercises: 'super-resolution: Tanh convs and PixelShuffle as DepthToSpace (opset 11)' },
  { name: 'yolo_mini', exercises: 'YOLO-style detector: SiLU, SPPF max-pools, anchor Reshape/Transpose, Split, grid decode with Pow (opset 17)' },
  { name: 'kws_conv1d', exercises: 'keyword spotting: Conv1d, BatchNorm1d, MaxPool1d, mean over time, LogSoftmax (opset 11)' },
  { name: 'lstm2_unidir', exercises: 'two-layer unidirectional LSTM tagger (opset 13)' },
  { name: 'lstm_tagger', exercises: 'bidirectional LSTM tagger over embedded token ids (opset 13)' },
  { name: 'gru_tagger', exercises: 'bidirectional GRU tagger over embedded token ids (opset 13)' },
];

const work = mkdtempSync(join(tmpdir(), 'realworld-models-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Converts the fixture at one precision, checks the package reads back with the model's I/O, and verifies it. */
async function convertAndVerify(name: string, precision: Precision): Promise<VerifyReport> {
  const dir = join(MODELS_DIR, name);
  const onnxPath = join(dir, 'model.onnx');
  const pkg = join(work, `${name}-${precision}.mlpackage`);
  await convertFile(onnxPath, pkg, { target: 'iOS15', precision });
  const [written, onnx] = await Promise.all([readMlPackage(pkg), loadOnnxModel(onnxPath)]);
  const graphInputs = onnx.graph.inputs.filter((i) => !onnx.graph.initializers.has(i.name));
  expect(written.inputs).toHaveLength(graphInputs.length);
  expect(written.outputs).toHaveLength(onnx.graph.outputs.length);
  return verifyPackage(pkg, { dataDir: dir });
}

/** Every output, with its reason, so a failure says which output missed the gate and by how much. */
function failures(report: VerifyReport): string[] {
  return report.outputs.filter((o) => !o.pass).map((o) => `${o.name}: ${o.reason ?? 'failed'} (max abs ${o.maxAbsError}, PSNR ${o.psnrDb} dB)`);
}

describe('real-world model fixtures', () => {
  it('stay small enough to keep in the repository (each model ≤ 1.5 MB, all fixtures ≤ 8 MB)', () => {
    let total = 0;
    for (const name of readdirSync(MODELS_DIR)) {
      const dir = join(MODELS_DIR, name);
      expect(statSync(join(dir, 'model.onnx')).size).toBeLessThanOrEqual(1.5e6);
      for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
        if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
      }
    }
    expect(total).toBeLessThanOrEqual(8e6);
  });

  it('list every fixture folder in the table, so none sits untested', () => {
    expect(readdirSync(MODELS_DIR).sort()).toEqual(MODELS.map((m) => m.name).sort());
  });
});

describe.each(MODELS)('$name — $exercises', ({ name }) => {
  it('converts at fp32 and matches the PyTorch outputs element-wise (1e-4 + 1e-3·|ref|)', async () => {
    const report = await convertAndVerify(name, 'fp32');
    expect(report.gate).toEqual({ kind: 'elementwise', atol: 1e-4, rtol: 1e-3 });
    expect(failures(report)).toEqual([]);
    expect(report.pass).toBe(true);
  });

  it('converts at fp16 and keeps every output at PSNR ≥ 40 dB', async () => {
    const report = await convertAndVerify(name, 'fp16');
    expect(report.gate).toEqual({ kind: 'psnr', minDb: 40 });
    expect(failures(report)).toEqual([]);
    for (const output of report.outputs) expect(output.psnrDb).toBeGreaterThanOrEqual(40);
    expect(report.pass).toBe(true);
  });
});

describe('exports that do not convert yet', () => {
  // The patterns behind these exports convert (single-graph repros are tested in test/convert and
  // test/onnx/fold); what is missing is a small PyTorch export of each as a fixture here.
  it.todo('fixture: bidirectional LSTM/GRU tagger and GroupNorm block exported with a dynamic batch');
  it.todo('fixture: LSTM and GRU taggers exported with a dynamic sequence length');
  it.todo('fixture: a reduced torchvision Swin-T (window padding folded from Mod and Transpose, Dropout with p = 0)');
});
