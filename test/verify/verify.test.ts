import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeTensorProto, readTensorProtoFile } from '../../src/onnx/tensor-proto.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { REFERENCE_SEED } from '../../src/run/references.js';
import { verifyPackage } from '../../src/verify.js';
import { bytesOf, npyBytes } from '../reference/npy-writer.js';

const fixtures = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
const coreml = (name: string) => join(fixtures, 'coremltools', name);
const cnnPackage = (variant: string) => join(coreml(`seed_simple_cnn_${variant}`), 'model.mlpackage');
const cnnData = join(coreml('seed_simple_cnn_fp32'), 'test_data_set_0');

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'verify-'));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A test data set with the fixture's input and its output scaled by `factor`, unnamed when `name` is ''. */
async function writeDataSet(dir: string, factor: number, name = 'output_0'): Promise<void> {
  await mkdir(dir, { recursive: true });
  await copyFile(join(cnnData, 'input_0.pb'), join(dir, 'input_0.pb'));
  const { tensor } = await readTensorProtoFile(join(cnnData, 'output_0.pb'));
  const scaled = Float32Array.from(tensor.data as Float32Array, (v) => v * factor);
  await writeFile(join(dir, 'output_0.pb'), encodeTensorProto(name, makeTensor('float32', tensor.shape, scaled)));
}

describe('verifyPackage with test data', () => {
  it('passes the coremltools fp32 package under the fp32 element-wise gate', async () => {
    const report = await verifyPackage(cnnPackage('fp32'), { dataDir: coreml('seed_simple_cnn_fp32') });
    expect(report.pass).toBe(true);
    expect(report.engine).toBe('reference interpreter');
    expect(report.gate).toEqual({ kind: 'elementwise', atol: 1e-4, rtol: 1e-3 });
    expect(report.dataSets).toEqual(['test_data_set_0']);
    const [out] = report.outputs;
    expect(out).toMatchObject({ name: 'output_0', shape: [1, 10], dtype: 'float32', top1Agreement: 1, pass: true });
    expect(out!.maxAbsError).toBeLessThan(1e-4);
    expect(out!.reason).toBeUndefined();
  });

  it('passes the coremltools fp16 package, casting fp32 test inputs to its fp16 input', async () => {
    const report = await verifyPackage(cnnPackage('fp16'), { dataDir: coreml('seed_simple_cnn_fp16') });
    expect(report.pass).toBe(true);
    expect(report.gate).toEqual({ kind: 'psnr', minDb: 40 });
    expect(report.outputs[0]!.dtype).toBe('float16');
    expect(report.outputs[0]!.psnrDb).toBeGreaterThan(40);
  });

  it('picks the compression gates for int8 and 4-bit palettized packages and passes them', async () => {
    const int8 = await verifyPackage(cnnPackage('int8'), { dataDir: coreml('seed_simple_cnn_int8') });
    const lut4 = await verifyPackage(cnnPackage('palettize4'), { dataDir: coreml('seed_simple_cnn_palettize4') });
    expect([int8.gate, int8.pass]).toEqual([{ kind: 'psnr', minDb: 30 }, true]);
    expect([lut4.gate, lut4.pass]).toEqual([{ kind: 'psnr', minDb: 20 }, true]);
  });

  it('fails an output whose reference is off, giving the reason', async () => {
    await writeDataSet(scratch, 1.01);
    const report = await verifyPackage(cnnPackage('fp32'), { dataDir: scratch });
    expect(report.pass).toBe(false);
    expect(report.outputs[0]!.pass).toBe(false);
    expect(report.outputs[0]!.reason).toMatch(/elements exceed \|actual − reference\|/);
  });

  it('requires every data set to pass and reports the worst metrics, naming the failing set', async () => {
    await writeDataSet(join(scratch, 'test_data_set_0'), 1);
    await writeDataSet(join(scratch, 'test_data_set_1'), 1.05);
    const good = await verifyPackage(cnnPackage('fp32'), { dataDir: join(scratch, 'test_data_set_0') });
    const both = await verifyPackage(cnnPackage('fp32'), { dataDir: scratch });
    expect(both.dataSets).toEqual(['test_data_set_0', 'test_data_set_1']);
    expect(both.pass).toBe(false);
    expect(both.outputs[0]!.reason).toMatch(/^test_data_set_1: /);
    expect(both.outputs[0]!.maxAbsError!).toBeGreaterThan(good.outputs[0]!.maxAbsError!);
    expect(both.outputs[0]!.psnrDb!).toBeLessThan(good.outputs[0]!.psnrDb!);
  });

  it('reads references from an .npz archive of inputs/<name> and outputs/<name> arrays', async () => {
    const npy = async (file: string) => {
      const { tensor } = await readTensorProtoFile(join(cnnData, file));
      return npyBytes({ descr: '<f4', shape: [...tensor.shape], data: bytesOf(tensor.data as Float32Array, 4) });
    };
    const archive = zipSync({ 'inputs/input_0.npy': await npy('input_0.pb'), 'outputs/output_0.npy': await npy('output_0.pb') });
    await writeFile(join(scratch, 'test_data_0.npz'), archive);
    const report = await verifyPackage(cnnPackage('fp16'), { dataDir: scratch });
    expect(report.dataSets).toEqual(['test_data_0.npz']);
    expect(report.pass).toBe(true);
  });

  it('matches unnamed test tensors by position', async () => {
    await writeDataSet(scratch, 1, '');
    expect((await verifyPackage(cnnPackage('fp32'), { dataDir: scratch })).pass).toBe(true);
  });

  it('applies a gate given by the caller instead of the one the package implies', async () => {
    const report = await verifyPackage(cnnPackage('fp16'), { dataDir: coreml('seed_simple_cnn_fp16') }, { gate: { kind: 'psnr', minDb: 100 } });
    expect(report.pass).toBe(false);
    expect(report.outputs[0]!.reason).toMatch(/below the 100 dB gate/);
  });

  it('fails an output whose reference, taken by position, has another shape', async () => {
    await mkdir(join(scratch, 'set'));
    await copyFile(join(cnnData, 'input_0.pb'), join(scratch, 'set', 'input_0.pb'));
    await writeFile(join(scratch, 'set', 'output_0.pb'), encodeTensorProto('logits', makeTensor('float32', [10])));
    const report = await verifyPackage(cnnPackage('fp32'), { dataDir: join(scratch, 'set') });
    expect(report.pass).toBe(false);
    expect(report.outputs[0]).toMatchObject({ pass: false, maxAbsError: null, reason: 'shape [1, 10] differs from the reference shape [10]' });
  });

  it('refuses test data without a tensor for a package input, naming the data folder', async () => {
    await mkdir(join(scratch, 'set'));
    await copyFile(join(cnnData, 'output_0.pb'), join(scratch, 'set', 'output_0.pb'));
    await expect(verifyPackage(cnnPackage('fp32'), { dataDir: join(scratch, 'set') })).rejects.toMatchObject({
      code: 'REFERENCE',
      message: expect.stringContaining('set has no tensor for model input "input_0"'),
      file: join(scratch, 'set'),
    });
  });

  it('reports a missing package as a typed error naming it', async () => {
    const missing = join(scratch, 'nothing.mlpackage');
    await expect(verifyPackage(missing, { dataDir: cnnData })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', file: missing });
  });

  it('reports a folder that is not a package as INVALID_PACKAGE', async () => {
    await expect(verifyPackage(scratch, { dataDir: cnnData })).rejects.toMatchObject({ code: 'INVALID_PACKAGE' });
  });
});

describe('verifyPackage against onnxruntime on seeded inputs', () => {
  const onnx = join(fixtures, 'onnx/seed_simple_cnn/model.onnx');

  it('passes the fp32 and fp16 packages against the ONNX model', async () => {
    const fp32 = await verifyPackage(cnnPackage('fp32'), { onnxPath: onnx });
    const fp16 = await verifyPackage(cnnPackage('fp16'), { onnxPath: onnx });
    expect(fp32.pass).toBe(true);
    expect(fp32.dataSets).toEqual([expect.stringMatching(new RegExp(`^onnxruntime-(node|web) \\d+\\.\\d+\\.\\d+.* on seeded inputs \\(seed ${REFERENCE_SEED}\\)$`))]);
    expect(fp16.pass).toBe(true);
    expect(fp16.dataSets).toEqual(fp32.dataSets);
  });

  it('gives the same numbers on every run', async () => {
    const a = await verifyPackage(cnnPackage('fp16'), { onnxPath: onnx });
    const b = await verifyPackage(cnnPackage('fp16'), { onnxPath: onnx });
    expect(a).toEqual(b);
  });

  it('reports an ONNX model that cannot take the package inputs as a reference error', async () => {
    const other = join(fixtures, 'onnx/seed_custom_activation/model.onnx');
    await expect(verifyPackage(cnnPackage('fp32'), { onnxPath: other })).rejects.toMatchObject({ code: 'REFERENCE' });
  });
});
