import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSettings } from '../../src/options/settings-file.js';
import { runModels } from '../../src/run/index.js';
import { verifyPackage } from '../../src/verify.js';
import { makeTempDir } from '../cli/fixtures.js';
import { imageClassifier, segmenter, writeModel } from '../interface/models.js';

let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  tmp = makeTempDir();
});
afterEach(() => tmp.remove());

const SETTINGS = `
models:
  - match: classifier.onnx
    image-input: input:RGB
    mean: [0.485, 0.456, 0.406]
    std: [0.229, 0.224, 0.225]
    pixel-range: 1
    class-labels: labels.txt
    author: X
  - match: seg.onnx
    image-input: input:BGR
    pixel-scale: 0.00392156862745098
    image-output: mask:GRAY:255
`;

/** The classifier and the segmenter with their settings, through one report run. */
async function reportOnInterfaceModels() {
  writeModel(tmp.dir, 'classifier.onnx', imageClassifier(false));
  writeModel(tmp.dir, 'seg.onnx', segmenter());
  writeFileSync(join(tmp.dir, 'labels.txt'), 'cat\ndog\nbird\nfish\nfrog\n');
  return runModels({
    models: ['classifier.onnx', 'seg.onnx'],
    outDir: 'out',
    variants: ['fp32', 'fp16'],
    target: 'iOS15',
    gates: { failOnUnsupported: true },
    cwd: tmp.dir,
    settings: parseSettings(SETTINGS, 'onnx-coreml.yml'),
  });
}

describe('report on models whose settings give them an app interface', () => {
  it('verifies an image classifier and a segmentation model from pixels, variant by variant, and reports their interface', async () => {
    const report = await reportOnInterfaceModels();
    const [classifier, seg] = report.models;
    expect(classifier!.status).toBe('passed');
    expect(classifier!.variants.map((v) => v.outputs.map((o) => [o.name, o.pass]))).toEqual([
      [['classLabel', true], ['classLabel_probs', true]],
      [['classLabel', true], ['classLabel_probs', true]],
    ]);
    expect(classifier!.interface).toMatchObject({ inputs: [{ kind: 'image', type: 'RGB image 8×8' }], classifier: { labels: 5 }, metadata: { author: 'X' } });
    expect(seg!.status).toBe('passed');
    expect(seg!.interface?.outputs).toEqual([expect.objectContaining({ name: 'mask', kind: 'image', type: 'GRAYSCALE image 8×8' })]);
  });
});

describe('verify --onnx on the image packages report built', () => {
  it('gives the metrics report gave, output by output, for the classifier and the segmenter, in every variant', async () => {
    const report = await reportOnInterfaceModels();
    const METRICS = ['maxAbsError', 'maxRelError', 'meanAbsError', 'snrDb', 'psnrDb', 'cosine', 'top1Agreement', 'shape'] as const;
    const metricsOf = (o: object) => Object.fromEntries(METRICS.map((m) => [m, (o as Record<string, unknown>)[m]]));
    for (const model of report.models) {
      expect(model.variants.length).toBe(2);
      for (const variant of model.variants) {
        const verified = await verifyPackage(join(tmp.dir, 'out', variant.package!), { onnxPath: join(tmp.dir, model.path) });
        expect({ model: model.path, variant: variant.name, outputs: verified.outputs.map(metricsOf) }).toEqual({
          model: model.path,
          variant: variant.name,
          outputs: variant.outputs.map(metricsOf),
        });
      }
    }
  });
});
