import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CoreMLModel } from '../../src/coreml/model.js';
import { readMlPackage, writeMlPackage } from '../../src/coreml/package.js';
import { ConversionError } from '../../src/errors.js';
import { CoreML } from '../../src/gen/coreml.js';
import { withNmsStage } from '../../src/interface/nms-pipeline.js';
import type { MilOperation } from '../../src/mil/ir.js';
import { runModel } from '../../src/runtime/interpreter.js';
import { makeTensor } from '../../src/tensor/tensor.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pipeline-test-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const N = 6;
const C = 3;
const f32 = (shape: number[]) => ({ dtype: 'float32' as const, shape });

/** Scores weighted by a constant large enough to live in the weight file; boxes passed through. */
function detectorProgram(weights: Float32Array): CoreMLModel {
  const w = makeTensor('float32', [N, C], weights);
  const ops: MilOperation[] = [
    { type: 'const', name: 'w', inputs: {}, outputs: [{ name: 'w', type: f32([N, C]) }], attributes: { val: w }, blocks: [] },
    { type: 'mul', name: 'mul_0', inputs: { x: [{ kind: 'name', name: 'scores' }], y: [{ kind: 'name', name: 'w' }] }, outputs: [{ name: 'raw_confidence', type: f32([N, C]) }], attributes: {}, blocks: [] },
    { type: 'identity', name: 'id_0', inputs: { x: [{ kind: 'name', name: 'boxes' }] }, outputs: [{ name: 'raw_coordinates', type: f32([N, 4]) }], attributes: {}, blocks: [] },
  ];
  const array = (shape: number[]) => ({ kind: 'multiArray' as const, dtype: 'float32' as const, shape });
  return {
    specificationVersion: 6,
    inputs: [
      { name: 'scores', type: array([N, C]) },
      { name: 'boxes', type: array([N, 4]) },
    ],
    outputs: [
      { name: 'raw_confidence', type: array([N, C]) },
      { name: 'raw_coordinates', type: array([N, 4]) },
    ],
    metadata: { author: 'tests' },
    program: {
      functions: {
        main: {
          inputs: [{ name: 'scores', type: f32([N, C]) }, { name: 'boxes', type: f32([N, 4]) }],
          opset: 'CoreML5',
          block: { inputs: [], operations: ops, outputs: ['raw_confidence', 'raw_coordinates'] },
        },
      },
      attributes: {},
    },
  };
}

function pipelineModel(maxDetections = 4): CoreMLModel {
  const weights = Float32Array.from({ length: N * C }, (_, i) => 1 + (i % 5) * 0.25);
  return withNmsStage(detectorProgram(weights), { iouThreshold: 0.5, confidenceThreshold: 0.2, perClass: true, maxDetections, labels: ['a', 'b', 'c'] });
}

const rawModel = (pkg: string) => CoreML.Specification.Model.decode(readFileSync(join(pkg, 'Data/com.apple.CoreML/model.mlmodel')));

describe('pipeline packages', () => {
  it('write Model.pipeline with an ML program stage and a NonMaximumSuppression stage, each with its own description and version', async () => {
    const pkg = join(dir, 'det.mlpackage');
    await writeMlPackage(pipelineModel(), pkg);
    const raw = rawModel(pkg);
    expect(raw.mlProgram).toBeNull();
    expect(raw.pipeline?.models).toHaveLength(2);
    const [program, nms] = raw.pipeline!.models!;
    expect(program!.specificationVersion).toBe(6);
    expect(program!.mlProgram).toBeTruthy();
    expect(program!.description?.output?.map((o: { name?: string | null }) => o.name)).toEqual(['raw_confidence', 'raw_coordinates']);
    expect(nms!.nonMaximumSuppression).toMatchObject({
      pickTop: { perClass: true },
      iouThreshold: 0.5,
      confidenceThreshold: 0.2,
      confidenceInputFeatureName: 'raw_confidence',
      coordinatesInputFeatureName: 'raw_coordinates',
      iouThresholdInputFeatureName: 'iouThreshold',
      confidenceThresholdInputFeatureName: 'confidenceThreshold',
      confidenceOutputFeatureName: 'confidence',
      coordinatesOutputFeatureName: 'coordinates',
      stringClassLabels: { vector: ['a', 'b', 'c'] },
    });
    // Core ML refuses optional inputs on a NonMaximumSuppression model: the thresholds are optional pipeline inputs it reads by name.
    expect(nms!.description?.input?.map((i: { name?: string | null }) => i.name)).toEqual(['raw_confidence', 'raw_coordinates']);
    expect(raw.description?.input?.map((i) => [i.name, i.type?.isOptional ?? false])).toEqual([
      ['scores', false],
      ['boxes', false],
      ['iouThreshold', true],
      ['confidenceThreshold', true],
    ]);
    expect(raw.description?.output?.map((o) => o.name)).toEqual(['confidence', 'coordinates']);
    expect(raw.description?.metadata?.author).toBe('tests');
  });

  it('put the program stage weights in Data/com.apple.CoreML/weights/0-weight.bin, as coremltools make_pipeline names them', async () => {
    const pkg = join(dir, 'det.mlpackage');
    await writeMlPackage(pipelineModel(), pkg);
    expect(readdirSync(join(pkg, 'Data/com.apple.CoreML/weights'))).toEqual(['0-weight.bin']);
    const ops = rawModel(pkg).pipeline!.models![0]!.mlProgram!.functions!['main']!.blockSpecializations!['CoreML5']!.operations!;
    const w = ops.find((o) => o.outputs?.[0]?.name === 'w')!;
    expect(w.attributes?.['val']?.blobFileValue?.fileName).toBe('@model_path/weights/0-weight.bin');
  });

  it('read back as the same pipeline: program, stage descriptions, thresholds and labels', async () => {
    const model = pipelineModel();
    const pkg = join(dir, 'det.mlpackage');
    await writeMlPackage(model, pkg);
    expect(await readMlPackage(pkg)).toEqual(model);
  });

  it('run in the interpreter: the program, then suppression with the default or the given thresholds', async () => {
    const pkg = join(dir, 'det.mlpackage');
    await writeMlPackage(pipelineModel(), pkg);
    const model = await readMlPackage(pkg);
    // Two overlapping class-0 boxes, one far class-1 box, and low scores elsewhere.
    const scores = makeTensor('float32', [N, C], Float32Array.from([0.9, 0, 0, 0.8, 0, 0, 0, 0.7, 0, 0.05, 0, 0, 0, 0, 0.09, 0.6, 0, 0]));
    const boxes = makeTensor('float32', [N, 4], Float32Array.from([0.3, 0.3, 0.2, 0.2, 0.31, 0.3, 0.2, 0.2, 0.8, 0.8, 0.1, 0.1, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.6, 0.6, 0.1, 0.1]));
    const w = [...Array(N * C).keys()].map((i) => 1 + (i % 5) * 0.25);
    const out = runModel(model, { scores, boxes });
    expect(out['coordinates']!.shape).toEqual([3, 4]);
    // Weighted, row 1 (0.8·1.75) outranks row 0 (0.9·1) and suppresses it (same class, IoU 0.9);
    // rows 2 (0.7·1.5) and 5 (0.6·1) stay; rows 3 and 4 fall below 0.2.
    const kept = Array.from(out['confidence']!.data as Float32Array).filter((v) => v > 0);
    expect(kept).toEqual([0.8 * w[3]!, 0.7 * w[7]!, 0.6 * w[15]!].map((v) => Math.fround(v)));
    const strict = runModel(model, { scores, boxes, iouThreshold: makeTensor('float64', [], Float64Array.of(1)), confidenceThreshold: makeTensor('float64', [], Float64Array.of(1)) });
    expect(strict['confidence']!.shape).toEqual([2, 3]);
    const loose = runModel(model, { scores, boxes, iouThreshold: makeTensor('float64', [], Float64Array.of(1)) });
    expect(loose['confidence']!.shape).toEqual([4, 3]);
  });

  it('refuse a stage input that no earlier stage produces', async () => {
    const model = pipelineModel();
    model.pipeline!.stages[0]!.inputs[0] = { ...model.pipeline!.stages[0]!.inputs[0]!, name: 'elsewhere' };
    model.pipeline!.stages[0]!.confidenceInput = 'elsewhere';
    await expect(writeMlPackage(model, join(dir, 'bad.mlpackage'))).rejects.toThrow(ConversionError);
    expect(existsSync(join(dir, 'bad.mlpackage'))).toBe(false);
  });

  it('refuse an optional input on the NonMaximumSuppression stage, which Core ML rejects', async () => {
    const model = pipelineModel();
    model.pipeline!.stages[0]!.inputs[0] = { ...model.pipeline!.stages[0]!.inputs[0]!, optional: true };
    await expect(writeMlPackage(model, join(dir, 'bad.mlpackage'))).rejects.toThrow(/optional, which Core ML refuses for a NonMaximumSuppression model/);
  });

  it('refuse to read a pipeline whose later stage is not NonMaximumSuppression, naming the stage', async () => {
    const pkg = join(dir, 'det.mlpackage');
    await writeMlPackage(pipelineModel(), pkg);
    const path = join(pkg, 'Data/com.apple.CoreML/model.mlmodel');
    const raw = CoreML.Specification.Model.decode(readFileSync(path));
    raw.pipeline!.models![1]!.nonMaximumSuppression = null;
    writeFileSync(path, CoreML.Specification.Model.encode(raw).finish());
    await expect(readMlPackage(pkg)).rejects.toThrow(/stage 1 is not a NonMaximumSuppression model/);
  });
});
