import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { InterfaceRequest } from '../../src/convert/interface-source.js';
import { readMlPackage } from '../../src/coreml/package.js';
import { CoreML } from '../../src/gen/coreml.js';
import { readInterfaceRecord } from '../../src/interface/index.js';
import { mainFunction } from '../../src/mil/ir.js';
import { convertFile } from '../../src/pipeline.js';
import { runReferenceEngine } from '../../src/reference/onnxruntime.js';
import { runModel } from '../../src/runtime/interpreter.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { verifyPackage, type VerifyReport } from '../../src/verify.js';
import { normalizedImage } from '../../src/verify/interface.js';
import { referenceDetections } from '../../src/verify/detections.js';
import { captureIO, makeTempDir } from '../cli/fixtures.js';
import { separateDetector, yolov5Detector, yolov8Detector } from './detector-models.js';
import { writeModel } from './models.js';

const LABELS = ['person', 'bicycle', 'car'];
const NMS = { layout: 'auto', boxFormat: 'cxcywh', boxUnits: 'pixels', iouThreshold: 0.45, confidenceThreshold: 0.25, perClass: true, maxDetections: 100 } as const;

let tmp: ReturnType<typeof makeTempDir>;
let labels: string;
beforeAll(() => {
  tmp = makeTempDir();
  labels = join(tmp.dir, 'labels.txt');
  writeFileSync(labels, `${LABELS.join('\n')}\n`);
});
afterEach(() => undefined);

const pixels = (seed: number): Tensor => makeTensor('uint8', [16, 16, 3], Uint8Array.from({ length: 768 }, (_, i) => (i * 37 + seed * 101 + ((i * i) % 13) * seed) % 256));

/** The detector test models: layout, box format and units, with or without an image input and labels. */
const DETECTORS = {
  yolov8: { build: () => yolov8Detector(3), request: { imageInputs: [{ name: 'images', color: 'RGB', scale: 0.0039215686 }], classLabels: 'labels', nms: NMS } },
  yolov5: { build: () => yolov5Detector(3), request: { imageInputs: [{ name: 'images', color: 'BGR', scale: 0.0039215686 }], nms: { ...NMS, boxFormat: 'xyxy' } } },
  separate: { build: () => separateDetector(3), request: { nms: { ...NMS, boxUnits: 'normalized', perClass: false, maxDetections: 300 } } },
} as const;

async function convertDetector(kind: keyof typeof DETECTORS, precision: 'fp32' | 'fp16') {
  const d = DETECTORS[kind];
  const onnx = writeModel(tmp.dir, `${kind}.onnx`, d.build());
  const out = join(tmp.dir, `${kind}-${precision}.mlpackage`);
  const { classLabels, ...request } = d.request as InterfaceRequest & { classLabels?: string };
  const result = await convertFile(onnx, out, { target: 'iOS15', precision, interface: { ...request, ...(classLabels ? { classLabels: labels } : {}) } as InterfaceRequest });
  return { onnx, out, result };
}

function detection(report: VerifyReport) {
  const d = report.outputs[0]?.detection;
  if (!d) throw new Error('no detection metrics');
  return d;
}

describe('--nms on a YOLOv8-style head with an RGB image input and class labels', () => {
  it('writes a pipeline that ends in NonMaximumSuppression with confidence and coordinates outputs, thresholds as optional inputs', async () => {
    const { out, result } = await convertDetector('yolov8', 'fp32');
    expect(result.interfaceNotes.join('\n')).toMatch(/detector \(yolov8: "output0"; 3 classes, boxes cxcywh in pixels of 16×16, 3 labels/);
    const pkg = await readMlPackage(out);
    expect(pkg.pipeline?.stages.map((s) => s.kind)).toEqual(['nonMaximumSuppression']);
    expect(pkg.inputs.map((i) => [i.name, i.type.kind, i.optional ?? false])).toEqual([
      ['images', 'image', false],
      ['iouThreshold', 'double', true],
      ['confidenceThreshold', 'double', true],
    ]);
    expect(pkg.outputs.map((o) => o.name)).toEqual(['confidence', 'coordinates']);
    const nms = pkg.pipeline!.stages[0]!;
    expect(nms).toMatchObject({ perClass: true, iouThreshold: 0.45, confidenceThreshold: 0.25, classLabels: LABELS });
    expect(nms.outputs[0]!.type).toMatchObject({ shapeRange: [[0, 100], [3, 3]] });
    const raw = CoreML.Specification.Model.decode(readFileSync(join(out, 'Data/com.apple.CoreML/model.mlmodel')));
    expect(raw.pipeline?.models?.map((m) => (m.mlProgram ? 'mlProgram' : m.nonMaximumSuppression ? 'nonMaximumSuppression' : '?'))).toEqual(['mlProgram', 'nonMaximumSuppression']);
  });

  it('finds boxes that follow the image and take the threshold inputs over the defaults', async () => {
    const { out } = await convertDetector('yolov8', 'fp32');
    const pkg = await readMlPackage(out);
    const a = runModel(pkg, { images: pixels(1) });
    const b = runModel(pkg, { images: pixels(2) });
    expect(a['coordinates']!.shape[0]).toBeGreaterThan(3);
    expect(Array.from(a['coordinates']!.data as Float32Array)).not.toEqual(Array.from(b['coordinates']!.data as Float32Array));
    const coords = Array.from(a['coordinates']!.data as Float32Array);
    expect(coords.every((v) => v >= 0 && v <= 1.5)).toBe(true);
    const stricter = runModel(pkg, { images: pixels(1), confidenceThreshold: makeTensor('float64', [], Float64Array.of(0.5)) });
    expect(stricter['confidence']!.shape[0]).toBeLessThan(a['confidence']!.shape[0]!);
  });

  it('has reference detections that change with the input', async () => {
    const { onnx, out } = await convertDetector('yolov8', 'fp32');
    const record = readInterfaceRecord((await readMlPackage(out)).metadata)!.detector!;
    const reference = async (seed: number) => {
      const image = normalizedImage(pixels(seed), { name: 'images', color: 'RGB', scale: 0.0039215686 });
      const { outputs: raw } = await runReferenceEngine(onnx, { images: image });
      return referenceDetections(record, new Map(Object.entries(raw)));
    };
    const [a, b] = [await reference(1), await reference(2)];
    expect(a.coordinates.shape[0]).toBeGreaterThan(0);
    expect(Array.from(a.coordinates.data as Float64Array)).not.toEqual(Array.from(b.coordinates.data as Float64Array));
  });
});

describe('detectors verify as sets of detections', () => {
  for (const kind of Object.keys(DETECTORS) as (keyof typeof DETECTORS)[]) {
    it(`${kind}: precision and recall ≥ 0.99 at fp32 and ≥ 0.95 at fp16, on boxes that exist`, async () => {
      for (const precision of ['fp32', 'fp16'] as const) {
        const { onnx, out } = await convertDetector(kind, precision);
        const report = await verifyPackage(out, { onnxPath: onnx });
        const d = detection(report);
        expect(d.referenceCount).toBeGreaterThan(5);
        expect(d).toMatchObject(precision === 'fp32' ? { minPrecision: 0.99, minRecall: 0.99 } : { minPrecision: 0.95, minRecall: 0.95 });
        expect(d.precision).toBeGreaterThanOrEqual(d.minPrecision);
        expect(d.recall).toBeGreaterThanOrEqual(d.minRecall);
        expect(report.pass).toBe(true);
        expect(report.outputs.map((o) => o.name)).toEqual(['confidence', 'coordinates']);
        expect(report.outputs[1]!.maxAbsError).toBe(d.maxBoxError);
      }
    });
  }

  it('fails a package whose boxes are converted wrongly, naming precision and recall', async () => {
    const { onnx, out } = await convertDetector('yolov8', 'fp32');
    // Halve the box matrix: every box shrinks to half its size around half its center.
    const program = mainFunction((await readMlPackage(out)).program);
    const matrixOp = program.block.operations.find((o) => o.name.startsWith('detector_box_matrix'))!;
    const halved = Array.from(matrixOp.attributes['val']!.data as Float32Array, (v) => v / 2);
    const path = join(out, 'Data/com.apple.CoreML/model.mlmodel');
    const raw = CoreML.Specification.Model.decode(readFileSync(path));
    const ops = raw.pipeline!.models![0]!.mlProgram!.functions!['main']!.blockSpecializations!['CoreML5']!.operations!;
    const val = ops.find((o) => o.outputs?.[0]?.name === matrixOp.name)!.attributes!['val']!;
    val.blobFileValue = null;
    val.immediateValue = { tensor: { floats: { values: halved } } };
    writeFileSync(path, CoreML.Specification.Model.encode(raw).finish());
    const report = await verifyPackage(out, { onnxPath: onnx });
    expect(report.pass).toBe(false);
    expect(report.outputs[0]!.reason).toMatch(/^detections: precision .*% < 99\.0%, recall .*% < 99\.0%/);
  });
});

describe('the command line', () => {
  it('converts with --image-input images:RGB --pixel-scale 0.0039215686 --nms --class-labels, describes the pipeline and prints precision and recall', async () => {
    const onnx = writeModel(tmp.dir, 'yolo.onnx', yolov8Detector(3));
    const pkg = join(tmp.dir, 'yolo.mlpackage');
    const convert = captureIO();
    const args = ['--image-input', 'images:RGB', '--pixel-scale', '0.0039215686', '--nms', '--class-labels', labels];
    expect(await main(['convert', onnx, '-o', pkg, ...args, '--iou-threshold', '0.5', '--max-detections', '20'], convert)).toBe(0);
    expect(convert.out()).toMatch(/NonMaximumSuppression \(IoU 0\.5, confidence 0\.25, per class, at most 20 boxes\)/);

    const check = captureIO();
    expect(await main(['check', pkg], check)).toBe(0);
    expect(check.out()).toContain('pipeline: ML program → NonMaximumSuppression (IoU 0.5, confidence 0.25, per class, at most 20 boxes, 3 class labels)');

    const verify = captureIO();
    expect(await main(['verify', pkg, '--onnx', onnx], verify)).toBe(0);
    expect(verify.out()).toMatch(/confidence {2}pass {2}precision 100% {2}recall 100%/);
    const json = captureIO();
    expect(await main(['verify', pkg, '--onnx', onnx, '--json'], json)).toBe(0);
    const report = JSON.parse(json.out()) as VerifyReport;
    // The command line converts at fp16 by default: its gate is 0.95.
    expect(report.outputs[0]!.detection).toMatchObject({ precision: 1, recall: 1, minPrecision: 0.95, minRecall: 0.95 });
    expect(report.outputs[0]!.detection!.packageCount).toBeLessThanOrEqual(20);
  });

  it('refuses to verify a detector against test data, which holds raw outputs and no suppression', async () => {
    const { out } = await convertDetector('separate', 'fp32');
    const verify = captureIO();
    expect(await main(['verify', out, '--data', tmp.dir], verify)).toBe(2);
    expect(verify.err()).toContain('detector interface: verify it with --onnx MODEL.onnx');
  });

  it('makes --class-agnostic suppress across classes', async () => {
    const onnx = writeModel(tmp.dir, 'yolo.onnx', yolov8Detector(3));
    const pkg = join(tmp.dir, 'agnostic.mlpackage');
    expect(await main(['convert', onnx, '-o', pkg, '--nms', '--class-agnostic'], captureIO())).toBe(0);
    expect((await readMlPackage(pkg)).pipeline?.stages[0]?.perClass).toBe(false);
  });

  it('refuses NMS options without --nms, a label count that differs from the classes, and --nms with --probabilities-output', async () => {
    const onnx = writeModel(tmp.dir, 'yolo.onnx', yolov8Detector(3));
    const pkg = join(tmp.dir, 'bad.mlpackage');
    const stray = captureIO();
    expect(await main(['convert', onnx, '-o', pkg, '--iou-threshold', '0.5'], stray)).toBe(2);
    expect(stray.err()).toContain('--iou-threshold needs --nms');
    const four = join(tmp.dir, 'four.txt');
    writeFileSync(four, 'a\nb\nc\nd\n');
    const count = captureIO();
    expect(await main(['convert', onnx, '-o', pkg, '--nms', '--class-labels', four], count)).toBe(2);
    expect(count.err()).toContain('the detector scores 3 classes but there are 4 class labels');
    const both = captureIO();
    expect(await main(['convert', onnx, '-o', pkg, '--nms', '--class-labels', labels, '--probabilities-output', 'output0'], both)).toBe(2);
    expect(both.err()).toContain('--probabilities-output is for classifiers');
  });
});
