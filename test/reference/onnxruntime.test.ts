import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { compareOutputs } from '../../src/parity/metrics.js';
import { WASM_FILE, loadEngine, locateWasmEngine } from '../../src/reference/engine.js';
import { runReferenceEngine } from '../../src/reference/onnxruntime.js';
import { readTestDataSets } from '../../src/reference/test-data.js';
import { float32ArrayToFloat16 } from '../../src/tensor/fp16.js';
import { makeTensor } from '../../src/tensor/tensor.js';

const fixtures = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
const cnn = join(fixtures, 'onnx/seed_simple_cnn');

describe('runReferenceEngine', () => {
  it('reproduces the simple CNN reference output within 1e-4', async () => {
    const [set] = await readTestDataSets(join(cnn, 'test_data_set_0'));
    const { outputs } = await runReferenceEngine(join(cnn, 'model.onnx'), { input_0: set!.inputs[0]!.tensor }, { threads: 1 });
    const m = compareOutputs(set!.outputs[0]!.tensor, outputs['output_0']!);
    expect(outputs['output_0']!.shape).toEqual([1, 10]);
    expect(m.failure).toBeNull();
    expect(m.maxAbsError).toBeLessThanOrEqual(1e-4);
  });

  it('casts fp16 inputs to the fp32 the model declares', async () => {
    const [set] = await readTestDataSets(join(cnn, 'test_data_set_0'));
    const input = set!.inputs[0]!.tensor;
    const half = makeTensor('float16', input.shape, float32ArrayToFloat16(input.data as Float32Array));
    const { outputs } = await runReferenceEngine(join(cnn, 'model.onnx'), { input_0: half });
    expect(compareOutputs(set!.outputs[0]!.tensor, outputs['output_0']!).psnrDb).toBeGreaterThan(40);
  });

  it('feeds an input under another name by position when that name is not one of the model', async () => {
    const [set] = await readTestDataSets(join(cnn, 'test_data_set_0'));
    const { outputs } = await runReferenceEngine(join(cnn, 'model.onnx'), { renamed_input: set!.inputs[0]!.tensor });
    expect(compareOutputs(set!.outputs[0]!.tensor, outputs['output_0']!).maxAbsError).toBeLessThanOrEqual(1e-4);
  });

  it('names the missing input when a feed is absent', async () => {
    await expect(runReferenceEngine(join(cnn, 'model.onnx'), {})).rejects.toMatchObject({
      code: 'REFERENCE',
      message: expect.stringMatching(/model\.onnx: no value given for model input "input_0"/),
    });
  });

  it('reports a file onnxruntime cannot load as a reference error naming it', async () => {
    const notAModel = join(cnn, 'test_data_set_0/output_0.pb');
    await expect(runReferenceEngine(notAModel, {})).rejects.toMatchObject({ code: 'REFERENCE', file: notAModel });
  });
});

describe('the onnxruntime-web (wasm) engine', () => {
  const wasm = locateWasmEngine();

  it('is found without onnxruntime-node, from the installed package when no bundle ships it', () => {
    expect(wasm).toMatchObject({ name: 'onnxruntime-web', settings: { wasm: { numThreads: 1 } } });
    expect(wasm!.settings.wasm!.wasmPaths.wasm).toMatch(new RegExp(`/${WASM_FILE}$`));
  });

  it('reproduces the simple CNN reference output within 1e-4 and names itself with its version', async () => {
    const [set] = await readTestDataSets(join(cnn, 'test_data_set_0'));
    const result = await runReferenceEngine(join(cnn, 'model.onnx'), { input_0: set!.inputs[0]!.tensor }, { engine: wasm! });
    expect(result.engine).toMatch(/^onnxruntime-web \d+\.\d+\.\d+ \(wasm\)$/);
    expect(compareOutputs(set!.outputs[0]!.tensor, result.outputs['output_0']!).maxAbsError).toBeLessThanOrEqual(1e-4);
  });

  it('runs in a child process that can be stopped, with the same result', async () => {
    const [set] = await readTestDataSets(join(cnn, 'test_data_set_0'));
    const result = await runReferenceEngine(join(cnn, 'model.onnx'), { input_0: set!.inputs[0]!.tensor }, { engine: wasm!, timeoutMs: 60_000 });
    expect(compareOutputs(set!.outputs[0]!.tensor, result.outputs['output_0']!).maxAbsError).toBeLessThanOrEqual(1e-4);
  });

  it('loads the model only in the child when it runs there: this process creates no session of its own', async () => {
    const [set] = await readTestDataSets(join(cnn, 'test_data_set_0'));
    const { ort } = await loadEngine(wasm!);
    const create = vi.spyOn(ort.InferenceSession, 'create');
    try {
      const result = await runReferenceEngine(join(cnn, 'model.onnx'), { input_0: set!.inputs[0]!.tensor }, { engine: wasm!, timeoutMs: 60_000 });
      expect(result.order).toEqual(['output_0']);
      expect(create).not.toHaveBeenCalled();
    } finally {
      create.mockRestore();
    }
  });

  it('casts inputs to the types the child reports, as the in-process run does', async () => {
    const [set] = await readTestDataSets(join(cnn, 'test_data_set_0'));
    const input = set!.inputs[0]!.tensor;
    const half = makeTensor('float16', input.shape, float32ArrayToFloat16(input.data as Float32Array));
    const { outputs } = await runReferenceEngine(join(cnn, 'model.onnx'), { input_0: half }, { engine: wasm!, timeoutMs: 60_000 });
    expect(compareOutputs(set!.outputs[0]!.tensor, outputs['output_0']!).psnrDb).toBeGreaterThan(40);
  });

  it('reports a file the child cannot load with the same error as a load in this process', async () => {
    const notAModel = join(cnn, 'test_data_set_0/output_0.pb');
    const inProcess = await runReferenceEngine(notAModel, {}, { engine: wasm! }).catch((err: unknown) => err);
    const inChild = await runReferenceEngine(notAModel, {}, { engine: wasm!, timeoutMs: 60_000 }).catch((err: unknown) => err);
    expect(inChild).toMatchObject({ code: 'REFERENCE', file: notAModel, message: expect.stringMatching(/onnxruntime-web .* cannot load the model: .*protobuf/) });
    // The engine words its own part differently from one load to the next; ours is the same either way.
    const ours = (err: unknown) => (err as Error).message.split('cannot load the model: ')[0];
    expect(ours(inChild)).toBe(ours(inProcess));
  });

  it('reports a file it cannot load as a reference error naming the engine and the file', async () => {
    const notAModel = join(cnn, 'test_data_set_0/output_0.pb');
    await expect(runReferenceEngine(notAModel, {}, { engine: wasm! })).rejects.toMatchObject({
      code: 'REFERENCE',
      file: notAModel,
      message: expect.stringMatching(/onnxruntime-web .* cannot load the model/),
    });
  });
});

describe('the default engine', () => {
  it('is onnxruntime-node when it is installed', async () => {
    const [set] = await readTestDataSets(join(cnn, 'test_data_set_0'));
    const result = await runReferenceEngine(join(cnn, 'model.onnx'), { input_0: set!.inputs[0]!.tensor });
    expect(result.engine).toMatch(/^onnxruntime-node \d+\.\d+\.\d+$/);
  });
});
