import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { readMlPackage } from '../../src/coreml/package.js';
import { encodeOnnxModel } from '../../src/onnx/encode.js';
import type { RunReport } from '../../src/report/schema.js';
import { yolov8Detector } from '../interface/detector-models.js';
import { FakeGitHub } from './fake-github.js';
import { buildBundleOnce, makeRepo, pullRequestPayload, runBundledAction } from './harness.js';

/** A PR adding a YOLOv8-style detector head whose settings ask for an NMS pipeline. */
const SETTINGS = `models:
  - match: models/detector/*.onnx
    variants: [fp32, fp16]
    image-input: images:RGB
    pixel-scale: 0.0039215686
    nms: true
    iou-threshold: 0.5
    max-detections: 50
    class-labels: models/detector/labels.txt
`;

let github: FakeGitHub;

beforeAll(buildBundleOnce, 180_000);
beforeEach(async () => {
  github = new FakeGitHub();
  await github.start();
  github.state.pullFiles.set(5, [{ filename: 'models/detector/yolo.onnx', status: 'added' }]);
});
afterEach(() => github.stop());

describe('a detector through the action', () => {
  test('writes NMS pipelines from the settings file, verifies them as detections and shows precision and recall in the comment', async () => {
    const repo = makeRepo({
      base: { 'onnx-coreml.yml': { text: SETTINGS }, 'models/detector/labels.txt': { text: 'person\nbicycle\ncar\n' } },
      head: { write: { 'models/detector/yolo.onnx': { bytes: encodeOnnxModel(yolov8Detector(3)) } } },
    });
    const result = await runBundledAction({ cwd: repo.dir, apiUrl: github.url, eventName: 'pull_request', payload: pullRequestPayload(repo, 5), inputs: {} });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(readFileSync(join(repo.dir, 'coreml-report', 'report.json'), 'utf8')) as RunReport;
    const [model] = report.models;
    expect(model!.variants.map((v) => [v.name, v.status])).toEqual([
      ['fp32', 'passed'],
      ['fp16', 'passed'],
    ]);
    for (const v of model!.variants) {
      const d = v.outputs[0]!.detection!;
      expect(v.outputs.map((o) => o.name)).toEqual(['confidence', 'coordinates']);
      expect(d.referenceCount).toBeGreaterThan(5);
      expect(d.packageCount).toBeLessThanOrEqual(50);
      expect(d.precision).toBeGreaterThanOrEqual(d.minPrecision);
      expect(d.recall).toBeGreaterThanOrEqual(d.minRecall);
    }
    const pkg = await readMlPackage(join(repo.dir, 'coreml-report', model!.variants[0]!.package!));
    expect(pkg.pipeline?.stages[0]).toMatchObject({ kind: 'nonMaximumSuppression', iouThreshold: 0.5, classLabels: ['person', 'bicycle', 'car'] });
    const comment = (github.state.comments.get(5) ?? [])[0]!.body;
    expect(comment).toContain('| Variant | Precision | Recall | Matched / package / reference |');
    expect(comment).toMatch(/fp32 ✓ [^·]*, precision 100% \/ recall 100%/);
    expect(comment).toMatch(/Pipeline: ML program → NonMaximumSuppression \(IoU 0\\\.5, confidence 0\\\.25, per class, at most 50 boxes, 3 class labels\)/);
    // The detector's outputs are judged as detections, not element by element.
    expect(comment).not.toContain('**Accuracy**');
  }, 180_000);
});
