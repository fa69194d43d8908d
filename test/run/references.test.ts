import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeOnnxModel } from '../../src/onnx/encode.js';
import { loadOnnxModel } from '../../src/onnx/load.js';
import { Deadline } from '../../src/run/deadline.js';
import { REFERENCE_SEED, findReferences } from '../../src/run/references.js';
import { fixtureDir, makeTempDir } from '../cli/fixtures.js';
import { writeTinyModel } from '../cli/models.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.remove());

async function referencesFor(modelPath: string, dataDir = temp.dir, stem = 'model') {
  const m = await loadOnnxModel(modelPath);
  return findReferences({ modelPath, dataDir, stem, model: m, deadline: new Deadline(modelPath, undefined) });
}

describe('findReferences', () => {
  it('uses the test_data_set folders beside the model', async () => {
    const dir = fixtureDir('seed_simple_cnn');
    const refs = await referencesFor(join(dir, 'model.onnx'), dir);
    expect(refs.source).toBe('test data');
    expect(refs.sets.map((s) => s.name)).toEqual(['test_data_set_0']);
    expect(refs.warnings).toEqual([]);
  });

  it('falls back to onnxruntime, with a warning, when the test data does not fit the model inputs', async () => {
    cpSync(join(fixtureDir('seed_simple_cnn'), 'test_data_set_0'), join(temp.dir, 'test_data_set_0'), { recursive: true });
    const path = writeTinyModel(temp.dir, 'model.onnx');
    const refs = await referencesFor(path);
    expect(refs.source).toBe('onnxruntime');
    expect(refs.warnings[0]).toMatch(/test_data_set_0 input 0 has shape \[1, 3, 32, 32\], the model's input "x" is \[1, 4\]/);
  });

  it('sets symbolic dimensions of generated inputs to 1 and says so', async () => {
    const path = join(temp.dir, 'model.onnx');
    const m = model({ nodes: [node('Relu', ['x'], ['y'])], inputs: [valueInfo('x', 'float32', ['batch', 4])], outputs: [valueInfo('y', 'float32', ['batch', 4])] });
    writeFileSync(path, encodeOnnxModel(m));
    const refs = await referencesFor(path);
    expect(refs.source).toBe('onnxruntime');
    expect(refs.sets[0]!.inputs[0]!.tensor.shape).toEqual([1, 4]);
    expect(refs.warnings).toContain('input "x": symbolic dimension batch set to 1 for the generated reference input');
  });

  it('reports no reference, and why, when no input can be generated for onnxruntime', async () => {
    const path = join(temp.dir, 'model.onnx');
    // String inputs have no generator: nothing meaningful can be made up for them.
    const m = model({ nodes: [node('Relu', ['x'], ['y'])], inputs: [valueInfo('x', 'string', [1])], outputs: [valueInfo('y', 'string', [1])] });
    writeFileSync(path, encodeOnnxModel(m));
    const refs = await referencesFor(path);
    expect(refs.source).toBe('none');
    expect(refs.sets).toEqual([]);
    expect(refs.warnings.at(-1)).toMatch(/^no reference outputs: .*; the Core ML variants are not verified$/);
    expect(refs.unverifiedReason).toMatch(/^no reference outputs: [^\n]*string[^\n]*\. Fix: add test_data_set_0\/ .* or model\.npz beside the model, or set allow-unverified/);
  });

  it('names the engine that computed the references, with its version', async () => {
    const path = join(temp.dir, 'model.onnx');
    const m = model({ nodes: [node('Relu', ['x'], ['y'])], inputs: [valueInfo('x', 'float32', [2, 4])], outputs: [valueInfo('y', 'float32', [2, 4])] });
    writeFileSync(path, encodeOnnxModel(m));
    const refs = await referencesFor(path);
    expect(refs.engine).toMatch(/^onnxruntime-(node|web) \d+\.\d+\.\d+/);
    expect(refs.sets[0]!.name).toBe(`${refs.engine} on seeded inputs (seed ${REFERENCE_SEED})`);
  });
});
