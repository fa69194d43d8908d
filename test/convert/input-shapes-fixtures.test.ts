import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertOnnxModel, type ConvertOptions } from '../../src/convert/index.js';
import type { CoreMLModel } from '../../src/coreml/model.js';
import { readMlPackage, writeMlPackage } from '../../src/coreml/package.js';
import { mainFunction, walkOperations } from '../../src/mil/ir.js';
import { loadOnnxModel } from '../../src/onnx/load.js';
import { FP32_GATE } from '../../src/parity/gates.js';
import { evaluateOutput } from '../../src/parity/verdict.js';
import { runModel } from '../../src/runtime/interpreter.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';

/**
 * Shape options on real PyTorch exports whose batch is symbolic: the converted
 * program, run by the interpreter at a batch other than the default, must
 * match onnxruntime on the original model.
 */

const MODELS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'models');
const fixtureModel = (name: string): string => join(MODELS_DIR, name, 'model.onnx');

const image = (n: number): Tensor => makeTensor('float32', [n, 3, 64, 64], Float32Array.from({ length: n * 3 * 64 * 64 }, (_, i) => Math.sin(i * 0.37)));
const tokens = (n: number, f: (i: number) => number): Tensor => makeTensor('int64', [n, 8], BigInt64Array.from({ length: n * 8 }, (_, i) => BigInt(f(i))));

function ortFeed(t: Tensor): ort.Tensor {
  return t.dtype === 'int64' ? new ort.Tensor('int64', t.data as BigInt64Array, [...t.shape]) : new ort.Tensor('float32', t.data as Float32Array, [...t.shape]);
}

/** Core ML has no int64: the package takes int32. */
function coremlFeed(t: Tensor): Tensor {
  return t.dtype === 'int64' ? makeTensor('int32', [...t.shape], Int32Array.from(t.data as BigInt64Array, Number)) : t;
}

async function expectMatchesOrt(fixture: string, coreml: CoreMLModel, feeds: Record<string, Tensor>): Promise<void> {
  const session = await ort.InferenceSession.create(fixtureModel(fixture));
  const expected = await session.run(Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, ortFeed(t)])));
  const actual = runModel(coreml, Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, coremlFeed(t)])));
  for (const { name } of coreml.outputs) {
    const e = expected[name]!;
    const ref = makeTensor('float32', e.dims.map(Number), Float32Array.from(e.data as Float32Array));
    expect(actual[name]!.shape, name).toEqual(ref.shape);
    expect(evaluateOutput(ref, actual[name]!, FP32_GATE).pass, name).toBe(true);
  }
}

async function convertFixture(fixture: string, options: Partial<ConvertOptions>): Promise<ReturnType<typeof convertOnnxModel>> {
  return convertOnnxModel(await loadOnnxModel(fixtureModel(fixture)), { target: 'iOS15', precision: 'fp32', ...options });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'input-shapes-fixtures-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('shape options on exported models with a symbolic batch', () => {
  it('mobilenet_v2 with a batch range reads back from its package and runs at batch 1 and 3 like onnxruntime', async () => {
    const r = await convertFixture('mobilenet_v2_w025', { ranges: { input: { batch: [1, 4] } } });
    const pkg = join(dir, 'mobilenet.mlpackage');
    await writeMlPackage(r.model, pkg);
    const back = await readMlPackage(pkg);
    expect(back.inputs[0]!.type).toMatchObject({ shapeRange: [[1, 4], [3, 3], [64, 64], [64, 64]] });
    await expectMatchesOrt('mobilenet_v2_w025', back, { input: image(1) });
    await expectMatchesOrt('mobilenet_v2_w025', back, { input: image(3) });
  });

  it('bert with a batch range on input_ids ranges every input sharing the dim name, and runs at batch 3', async () => {
    const r = await convertFixture('bert_mini', { ranges: { input_ids: { batch: [1, 4] } } });
    expect(r.model.inputs.map((i) => i.type.shapeRange)).toEqual([
      [[1, 4], [8, 8]],
      [[1, 4], [8, 8]],
      [[1, 4], [8, 8]],
    ]);
    await expectMatchesOrt('bert_mini', r.model, {
      input_ids: tokens(3, (i) => (i * 7) % 50),
      attention_mask: tokens(3, (i) => (i % 8 < 6 ? 1 : 0)),
      token_type_ids: tokens(3, () => 0),
    });
  });

  it('bert with --input-shape on input_ids alone becomes fully static', async () => {
    const r = await convertFixture('bert_mini', { inputShapes: { input_ids: [2, 8] } });
    expect(r.model.inputs.map((i) => i.type)).toEqual(Array.from({ length: 3 }, () => ({ kind: 'multiArray', dtype: 'int32', shape: [2, 8] })));
    for (const op of walkOperations(mainFunction(r.model.program).block)) for (const o of op.outputs) expect(o.type.shape).not.toContain(null);
    await expectMatchesOrt('bert_mini', r.model, {
      input_ids: tokens(2, (i) => (i * 5) % 50),
      attention_mask: tokens(2, () => 1),
      token_type_ids: tokens(2, (i) => (i % 8 < 4 ? 0 : 1)),
    });
  });
});
