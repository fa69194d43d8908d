import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readMlPackage } from '../../src/coreml/package.js';
import { METADATA_KEYS } from '../../src/interface/index.js';
import { mainFunction } from '../../src/mil/ir.js';
import { convertFile } from '../../src/pipeline.js';
import { runModel } from '../../src/runtime/interpreter.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { verifyPackage } from '../../src/verify.js';
import { version } from '../../package.json';
import { makeTempDir } from '../cli/fixtures.js';
import { imageClassifier, numberedOutputs, segmenter, writeModel } from './models.js';

const LABELS = ['cat', 'dog', 'bird', 'fish', 'frog'];
const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], pixelRange: 1 as const };

let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  tmp = makeTempDir();
});
afterEach(() => tmp.remove());

async function convertClassifier(softmax: boolean, precision: 'fp16' | 'fp32' = 'fp32') {
  const onnx = writeModel(tmp.dir, 'classifier.onnx', imageClassifier(softmax));
  const labels = join(tmp.dir, 'labels.txt');
  writeFileSync(labels, `${LABELS.join('\n')}\n`);
  const out = join(tmp.dir, 'classifier.mlpackage');
  const result = await convertFile(onnx, out, {
    target: 'iOS15',
    precision,
    interface: { imageInputs: [{ name: 'input', color: 'RGB', ...IMAGENET }], classLabels: labels, author: 'X', license: 'Y' },
  });
  return { onnx, out, result };
}

describe('an image classifier with ImageNet normalization and class labels', () => {
  it('describes an RGB image input, a string label and a probabilities dictionary named as Vision reads them', async () => {
    const { out } = await convertClassifier(false);
    const pkg = await readMlPackage(out);
    expect(pkg.inputs).toEqual([{ name: 'input', type: expect.objectContaining({ kind: 'image', width: 8, height: 8, colorSpace: 'RGB' }) }]);
    expect(pkg.outputs.map((o) => [o.name, o.type.kind])).toEqual([
      ['classLabel', 'string'],
      ['classLabel_probs', 'dictionary'],
    ]);
    expect(pkg.predictedFeatureName).toBe('classLabel');
    expect(pkg.predictedProbabilitiesName).toBe('classLabel_probs');
  });

  it('carries the metadata asked for, the defaults from the model, the source SHA-256 and the tool version', async () => {
    const { onnx, out } = await convertClassifier(false);
    const { metadata } = await readMlPackage(out);
    expect(metadata).toMatchObject({ author: 'X', license: 'Y', shortDescription: 'a tiny image classifier', versionString: '3' });
    const sha = createHash('sha256').update(readFileSync(onnx)).digest('hex');
    expect(metadata.userDefined?.[METADATA_KEYS.sourceSha256]).toBe(sha);
    expect(metadata.userDefined?.[METADATA_KEYS.version]).toBe(`onnx-coreml-action ${version}`);
  });

  it('folds mean and std into one scale per input plus one mul for the per-channel std, and says so', async () => {
    const { out, result } = await convertClassifier(false);
    expect(result.interfaceNotes.join('\n')).toMatch(/pixel·0\.003921569 \+ \[-0\.485, -0\.456, -0\.406\], then ·\[4\.366812, 4\.464286, 4\.444444\]/);
    const fn = mainFunction((await readMlPackage(out)).program);
    expect(fn.block.operations.filter((op) => op.type !== 'const').slice(0, 3).map((op) => op.type)).toEqual(['mul', 'add', 'mul']);
  });

  it('adds a softmax only when the scores are not already normalized, and reports which', async () => {
    const raw = await convertClassifier(false);
    expect(raw.result.interfaceNotes.join('\n')).toMatch(/a softmax was added/);
    const normalized = await convertClassifier(true);
    expect(normalized.result.interfaceNotes.join('\n')).toMatch(/no softmax added/);
    const softmaxes = (p: string) => readMlPackage(p).then((m) => mainFunction(m.program).block.operations.filter((op) => op.type === 'softmax').length);
    expect(await softmaxes(normalized.out)).toBe(1);
  });

  it('runs on pixels in the interpreter: the label is the class of the highest probability, probabilities sum to 1', async () => {
    const { out } = await convertClassifier(false);
    const pkg = await readMlPackage(out);
    const pixels = makeTensor('uint8', [8, 8, 3], Uint8Array.from({ length: 192 }, (_, i) => (i * 37) % 256));
    const result = runModel(pkg, { input: pixels });
    const probs = Array.from(result['classLabel_probs']!.data as Float64Array);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(result['classLabel']!.data).toEqual([LABELS[probs.indexOf(Math.max(...probs))]]);
  });

  it.each(['fp32', 'fp16'] as const)('verifies at %s against onnxruntime on the normalized tensor from the same pixels', async (precision) => {
    const { onnx, out } = await convertClassifier(false, precision);
    const report = await verifyPackage(out, { onnxPath: onnx });
    expect(report.outputs.map((o) => [o.name, o.pass])).toEqual([
      ['classLabel', true],
      ['classLabel_probs', true],
    ]);
    expect(report.pass).toBe(true);
  });

  it('fails verification when the recorded normalization disagrees with what the program computes', async () => {
    const { onnx, out } = await convertClassifier(false);
    const pkg = await readMlPackage(out);
    const fn = mainFunction(pkg.program);
    // Break the per-channel std mul: the folded program no longer matches the options.
    const stdMul = fn.block.operations.find((op) => op.type === 'const' && op.name.startsWith('input_channel_scale'))!;
    (stdMul.attributes['val']!.data as Float32Array)[0] = 1;
    const { writeMlPackage } = await import('../../src/coreml/package.js');
    await writeMlPackage(pkg, out);
    const report = await verifyPackage(out, { onnxPath: onnx });
    expect(report.outputs.find((o) => o.name === 'classLabel_probs')!.pass).toBe(false);
  });
});

describe('a segmentation model with an image output', () => {
  it('describes a grayscale image output, de-normalizes it in the program and verifies', async () => {
    const onnx = writeModel(tmp.dir, 'seg.onnx', segmenter());
    const out = join(tmp.dir, 'seg.mlpackage');
    const result = await convertFile(onnx, out, {
      target: 'iOS15',
      precision: 'fp32',
      interface: { imageInputs: [{ name: 'input', color: 'BGR', scale: 1 / 255 }], imageOutputs: [{ name: 'mask', color: 'GRAY', scale: 255 }] },
    });
    expect(result.interfaceNotes.join('\n')).toMatch(/image output "mask" \(GRAY\): pixel = clip\(value·255/);
    const pkg = await readMlPackage(out);
    expect(pkg.outputs[0]).toEqual({ name: 'mask', type: expect.objectContaining({ kind: 'image', colorSpace: 'GRAYSCALE', width: 8, height: 8 }) });
    const tail = mainFunction(pkg.program).block.operations.filter((op) => op.type !== 'const').slice(-2).map((op) => op.type);
    expect(tail).toEqual(['mul', 'clip']);
    const report = await verifyPackage(out, { onnxPath: onnx });
    expect(report.pass).toBe(true);
  });
});

describe('an image model whose outputs are named by numbers', () => {
  it('pairs each reference with its own output although a record lists "44" before "63"', async () => {
    const onnx = writeModel(tmp.dir, 'numbered.onnx', numberedOutputs());
    const out = join(tmp.dir, 'numbered.mlpackage');
    await convertFile(onnx, out, { target: 'iOS15', precision: 'fp32', interface: { imageInputs: [{ name: 'input', color: 'RGB', scale: 1 / 255 }] } });
    const report = await verifyPackage(out, { onnxPath: onnx });
    expect(report.outputs.map((o) => [o.name, o.pass])).toEqual([
      [expect.stringContaining('63'), true],
      [expect.stringContaining('44'), true],
    ]);
  });
});

describe('integer labels and flexible image sizes', () => {
  it('makes an int64-labelled classifier from a JSON array of integers, which verifies', async () => {
    const onnx = writeModel(tmp.dir, 'classifier.onnx', imageClassifier(true));
    const labels = join(tmp.dir, 'labels.json');
    writeFileSync(labels, JSON.stringify([10, 20, 30, 40, 50]));
    const out = join(tmp.dir, 'int.mlpackage');
    await convertFile(onnx, out, { target: 'iOS15', precision: 'fp32', interface: { imageInputs: [{ name: 'input', color: 'RGB' }], classLabels: labels } });
    const pkg = await readMlPackage(out);
    expect(pkg.outputs.map((o) => o.type)).toEqual([expect.objectContaining({ kind: 'int64' }), expect.objectContaining({ kind: 'dictionary', keyType: 'int64' })]);
    const label = runModel(pkg, { input: makeTensor('uint8', [8, 8, 3], new Uint8Array(192).fill(7)) })['classLabel']!;
    expect(label.dtype).toBe('int64');
    expect([10n, 20n, 30n, 40n, 50n]).toContain((label.data as BigInt64Array)[0]);
    expect((await verifyPackage(out, { onnxPath: onnx })).pass).toBe(true);
  });

  it('turns a height and width range into an image size range that the interpreter honours', async () => {
    const onnx = writeModel(tmp.dir, 'seg.onnx', segmenter());
    const out = join(tmp.dir, 'ranged.mlpackage');
    await convertFile(onnx, out, {
      target: 'iOS15',
      precision: 'fp32',
      ranges: { input: { '2': [8, 16], '3': [8, 32] } },
      interface: { imageInputs: [{ name: 'input', color: 'RGB' }] },
    });
    const pkg = await readMlPackage(out);
    expect(pkg.inputs[0]!.type).toMatchObject({ kind: 'image', width: 8, height: 8, sizeRange: { height: [8, 16], width: [8, 32] } });
    const wide = runModel(pkg, { input: makeTensor('uint8', [8, 20, 3], new Uint8Array(480).fill(9)) });
    expect(wide['mask']!.shape).toEqual([1, 1, 8, 20]);
    expect(() => runModel(pkg, { input: makeTensor('uint8', [8, 40, 3], new Uint8Array(960)) })).toThrow(/takes 8x8 images \(or its flexible sizes\), got 40x8/);
  });
});
