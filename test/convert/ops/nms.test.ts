import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertOnnxModel } from '../../../src/convert/index.js';
import { readMlPackage } from '../../../src/coreml/package.js';
import { readPaddedOutputs } from '../../../src/coreml/padded-outputs.js';
import { ConversionError } from '../../../src/errors.js';
import { encodeOnnxModel } from '../../../src/onnx/encode.js';
import type { OnnxModel } from '../../../src/onnx/ir.js';
import { encodeTensorProto } from '../../../src/onnx/tensor-proto.js';
import { FP32_GATE } from '../../../src/parity/gates.js';
import { convertFile } from '../../../src/pipeline.js';
import { runReferenceEngine } from '../../../src/reference/onnxruntime.js';
import { generateInputs } from '../../../src/reference/seeded-inputs.js';
import { runModel } from '../../../src/runtime/interpreter.js';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { verifyPackage } from '../../../src/verify.js';
import { evaluatePaddedOutput } from '../../../src/verify/padded.js';
import { BATCHES, BOXES, CLASSES, detectorTail } from '../../helpers/nms-model.js';

/**
 * A detector tail: box parameters and class logits come from the input through
 * Mul/Add and Sigmoid, so which boxes survive depends on the input; then ONNX
 * NonMaxSuppression with constant thresholds. The package is verified against
 * the reference engine running the ONNX model.
 */

const feedsFor = (seed: number) =>
  generateInputs(
    [
      { name: 'raw_boxes', dtype: 'float32', shape: [BATCHES, BOXES, 4] },
      { name: 'logits', dtype: 'float32', shape: [BATCHES, CLASSES, BOXES] },
    ],
    seed,
  );

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'nms-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function writeModel(name: string, m: OnnxModel): Promise<string> {
  const path = join(scratch, `${name}.onnx`);
  await writeFile(path, encodeOnnxModel(m));
  return path;
}

describe('ONNX NonMaxSuppression → non_maximum_suppression', () => {
  it.each([
    [0, 'iOS15'],
    [1, 'iOS15'],
    [0, 'iOS17'],
  ] as const)('selects the reference engine’s rows in its order, per batch and class (center_point_box %i, %s)', async (centerPointBox, target) => {
    const m = detectorTail({ centerPointBox });
    const path = await writeModel(`tail-${centerPointBox}-${target}`, m);
    const converted = convertOnnxModel({ ...m, sourcePath: path }, { target, precision: 'fp32' });
    const rows = BATCHES * CLASSES * 6;
    expect(converted.model.outputs[0]!.type).toMatchObject({ shape: [rows, 3] });
    expect(converted.paddedOutputs).toEqual({ selected: { rows, padValue: -1 } });
    const counts: number[] = [];
    for (const seed of [1, 2, 3, 4]) {
      const feeds = feedsFor(seed);
      const { outputs } = await runReferenceEngine(path, feeds);
      const reference = outputs['selected']!;
      const actual = runModel(converted.model, feeds)['selected']!;
      const verdict = evaluatePaddedOutput(reference, actual, { rows, padValue: -1 }, FP32_GATE);
      expect(verdict.reason).toBeUndefined();
      expect(verdict.pass).toBe(true);
      counts.push(reference.shape[0]!);
    }
    // The inputs decide how many boxes survive: the references differ in count.
    expect(new Set(counts).size).toBeGreaterThan(1);
  });

  it('converts with --max-detections, records the padding in the package and verifies against the reference engine at fp32 and fp16', async () => {
    const path = await writeModel('tail-k', detectorTail());
    for (const precision of ['fp32', 'fp16'] as const) {
      const out = join(scratch, `tail-k-${precision}.mlpackage`);
      const result = await convertFile(path, out, { target: 'iOS15', precision, maxDetections: 30 });
      expect(result.warnings.join('\n')).toMatch(/selected_indices is padded to 30 rows: .*then rows of -1; it can select up to 36, and rows beyond 30 are dropped/);
      const pkg = await readMlPackage(out);
      expect(readPaddedOutputs(pkg.metadata)).toEqual({ selected: { rows: 30, padValue: -1 } });
      expect(pkg.outputs[0]!.shortDescription).toBe('padded to 30 rows: the valid rows first, then rows of -1');
      const report = await verifyPackage(out, { onnxPath: path });
      expect(report.outputs[0]!.reason).toBeUndefined();
      expect(report.pass).toBe(true);
    }
  });

  it('fails verify when the package keeps another number of boxes than the test data, naming both counts', async () => {
    const path = await writeModel('tail-data', detectorTail());
    const out = join(scratch, 'tail-data.mlpackage');
    await convertFile(path, out, { target: 'iOS15', precision: 'fp32', maxDetections: 36 });
    const feeds = feedsFor(3);
    const reference = (await runReferenceEngine(path, feeds)).outputs['selected']!;
    const count = reference.shape[0]!;
    const writeSet = async (dir: string, expected: Tensor) => {
      const set = join(scratch, dir, 'test_data_set_0');
      await mkdir(set, { recursive: true });
      await writeFile(join(set, 'input_0.pb'), encodeTensorProto('raw_boxes', feeds['raw_boxes']!));
      await writeFile(join(set, 'input_1.pb'), encodeTensorProto('logits', feeds['logits']!));
      await writeFile(join(set, 'output_0.pb'), encodeTensorProto('selected', expected));
      return join(scratch, dir);
    };
    const good = await verifyPackage(out, { dataDir: await writeSet('good', reference) });
    expect(good.pass).toBe(true);
    const shorter = makeTensor('int64', [count - 1, 3], (reference.data as BigInt64Array).slice(0, (count - 1) * 3));
    const bad = await verifyPackage(out, { dataDir: await writeSet('short', shorter) });
    expect(bad.pass).toBe(false);
    expect(bad.outputs[0]!.reason).toBe(`${count} valid rows in the package, ${count - 1} in the reference`);
    // A bound below what the model selects drops rows, and verify says so.
    const tight = join(scratch, 'tail-tight.mlpackage');
    await convertFile(path, tight, { target: 'iOS15', precision: 'fp32', maxDetections: count - 5 });
    const truncated = await verifyPackage(tight, { dataDir: join(scratch, 'good') });
    expect(truncated.outputs[0]!.reason).toBe(`${count - 5} valid rows in the package, ${count} in the reference; the package holds at most ${count - 5} (--max-detections)`);
  });

  it('keeps a run-time max_output_boxes_per_class as each class’s limit under --max-detections', async () => {
    const m = detectorTail({ runTime: ['max'] });
    const path = await writeModel('tail-runtime-max', m);
    const converted = convertOnnxModel({ ...m, sourcePath: path }, { target: 'iOS15', precision: 'fp32', maxDetections: 36 });
    const counts = new Set<number>();
    for (const limit of [1, 2, 5]) {
      const feeds = { ...feedsFor(3), max_per_class: makeTensor('int64', [1], BigInt64Array.of(BigInt(limit))) };
      const reference = (await runReferenceEngine(path, feeds)).outputs['selected']!;
      const actual = runModel(converted.model, { ...feeds, max_per_class: makeTensor('int32', [1], Int32Array.of(limit)) })['selected']!;
      const verdict = evaluatePaddedOutput(reference, actual, { rows: 36, padValue: -1 }, FP32_GATE);
      expect(verdict.reason).toBeUndefined();
      counts.add(reference.shape[0]!);
    }
    expect(counts.size).toBe(3);
  });

  it('refuses run-time thresholds and an unbounded count, naming --freeze and --max-detections', () => {
    const refusal = (m: OnnxModel, maxDetections?: number) => {
      try {
        convertOnnxModel(m, { target: 'iOS15', precision: 'fp32', ...(maxDetections === undefined ? {} : { maxDetections }) });
      } catch (err) {
        expect(err).toBeInstanceOf(ConversionError);
        return (err as ConversionError).unsupported[0]!.reason;
      }
      throw new Error('converted');
    };
    expect(refusal(detectorTail({ runTime: ['iou'] }))).toContain('--freeze iou_threshold=VALUE');
    expect(refusal(detectorTail({ runTime: ['max'] }))).toContain('give --max-detections K or --freeze max_per_class=N');
    // One refusal names every input to fix.
    expect(refusal(detectorTail({ runTime: ['max', 'iou'] }))).toBe(
      'iou_threshold ("iou_threshold") and max_output_boxes_per_class ("max_per_class") are only known at run time; ' +
        "Core ML's non_maximum_suppression needs constant thresholds and a bound on the selected rows: --freeze iou_threshold=VALUE; give --max-detections K or --freeze max_per_class=N",
    );
    // A bound given on the command line is enough for a run-time max_output_boxes_per_class.
    const bounded = convertOnnxModel(detectorTail({ runTime: ['max'] }), { target: 'iOS15', precision: 'fp32', maxDetections: 10 });
    expect(bounded.paddedOutputs).toEqual({ selected: { rows: 10, padValue: -1 } });
  });
});
