import { describe, expect, it } from 'vitest';
import { parseSettings, settingsFor } from '../../src/options/settings-file.js';

const EXAMPLE = `
models:
  - match: models/**/*.onnx
    variants: [fp32, fp16]
    author: Vision team
  - match: [models/classifier.onnx]
    target: iOS16
    image-input: input:RGB
    mean: [0.485, 0.456, 0.406]
    std: [0.229, 0.224, 0.225]
    pixel-range: 1
    class-labels: models/labels.txt
    metadata: { team: vision }
    input-shape: { input: 1x3x224x224 }
    range: { input: { 2: 224..512, 3: [224, 512] } }
    min-psnr: 35
    freeze: { sr: 16000 }
`;

describe('the per-model settings file', () => {
  it('maps globs to the same options as the command line, later entries over earlier ones', () => {
    const file = parseSettings(EXAMPLE, 'onnx-coreml.yml');
    expect(settingsFor(file, 'models/classifier.onnx')).toEqual({
      variants: ['fp32', 'fp16'],
      target: 'iOS16',
      gates: { minPsnr: 35 },
      freeze: { sr: [16000] },
      inputShapes: { input: [1, 3, 224, 224] },
      ranges: { input: { '2': [224, 512], '3': [224, 512] } },
      interface: {
        author: 'Vision team',
        imageInputs: [{ name: 'input', color: 'RGB', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], pixelRange: 1 }],
        classLabels: 'models/labels.txt',
        metadata: { team: 'vision' },
      },
    });
    expect(settingsFor(file, 'models/other.onnx')).toEqual({ variants: ['fp32', 'fp16'], interface: { author: 'Vision team' } });
    expect(settingsFor(file, 'elsewhere/x.onnx')).toEqual({});
  });

  it('reads max-detections for a model with NonMaxSuppression, by the command line rule', () => {
    const file = parseSettings('models:\n  - match: det/*.onnx\n    max-detections: 100\n', 'c.yml');
    expect(settingsFor(file, 'det/yolo.onnx')).toEqual({ maxDetections: 100 });
    expect(() => parseSettings('models:\n  - match: a\n    max-detections: 0\n', 'c.yml')).toThrow("c.yml: line 3: 'max-detections' must be a whole number ≥ 1, got '0'");
  });

  it('reads the --nms options of a detector, its maximum shared with NonMaxSuppression models, and refuses a switch that is not true or false', () => {
    const text = 'models:\n  - match: det/*.onnx\n    nms: true\n    box-format: xyxy\n    class-agnostic: true\n    iou-threshold: 0.6\n    max-detections: 30\n';
    expect(settingsFor(parseSettings(text, 'c.yml'), 'det/yolo.onnx')).toEqual({
      maxDetections: 30,
      interface: { nms: { layout: 'auto', boxFormat: 'xyxy', boxUnits: 'pixels', iouThreshold: 0.6, confidenceThreshold: 0.25, perClass: false, maxDetections: 30 } },
    });
    expect(() => parseSettings('models:\n  - match: a\n    nms: yes\n', 'c.yml')).toThrow("c.yml: line 3: 'nms' must be true or false (also True, TRUE, False, FALSE), got 'yes'");
    expect(() => parseSettings('models:\n  - match: a\n    box-format: xyxy\n', 'c.yml')).toThrow("c.yml: line 2: 'box-format' needs 'nms'");
  });

  it('names the file, the line and the key of an unknown key', () => {
    const text = 'models:\n  - match: a.onnx\n    colour: RGB\n';
    expect(() => parseSettings(text, 'onnx-coreml.yml')).toThrow(/^onnx-coreml\.yml: line 3: unknown key 'colour'; known keys: match, target/);
  });

  it('names the line of a value its option refuses', () => {
    const text = 'models:\n  - match: a.onnx\n    target: iOS16\n    pixel-range: 100\n';
    expect(() => parseSettings(text, 'cfg.yml')).toThrow("cfg.yml: line 4: 'pixel-range' must be one of 1, 255, got '100'");
  });

  it('reports malformed YAML with its line, and a missing match or top-level key', () => {
    expect(() => parseSettings('models:\n  - match: [a.onnx\n    target: iOS16\n', 'c.yml')).toThrow(/^c\.yml: line \d+: not valid YAML/);
    expect(() => parseSettings('models:\n  - target: iOS16\n', 'c.yml')).toThrow("c.yml: line 2: models[0] has no 'match'");
    expect(() => parseSettings('model:\n  - match: a\n', 'c.yml')).toThrow("c.yml: line 1: unknown key 'model'; the top level has only 'models'");
    expect(() => parseSettings('models:\n  - match: a\n    mean: 0.5\n', 'c.yml')).toThrow(/line 2: .*'pixel-scale', 'pixel-bias', 'mean', 'std' and 'pixel-range' need an 'image-input'/);
  });

  it('refuses a key given twice in one entry', () => {
    expect(() => parseSettings('models:\n  - match: a\n    target: iOS16\n    target: iOS17\n', 'c.yml')).toThrow(/c\.yml: line \d+: not valid YAML: Map keys must be unique/);
  });
});

describe("the README's settings example", () => {
  it('parses, and selects the classifier settings for the classifier', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /### Per-model settings[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)![1]!;
    const file = parseSettings(block, 'README.md');
    expect(settingsFor(file, 'models/classifier/resnet50.onnx')).toMatchObject({
      target: 'iOS16',
      variants: ['fp32', 'fp16', 'int8'],
      interface: { classLabels: 'models/classifier/labels.txt', license: 'MIT', imageInputs: [{ name: 'input', color: 'RGB', pixelRange: 1 }] },
    });
    expect(settingsFor(file, 'models/segmentation/unet.onnx').interface?.imageOutputs).toEqual([{ name: 'mask', color: 'GRAY', scale: 255 }]);
  });
});
