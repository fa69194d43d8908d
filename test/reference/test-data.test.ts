import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeTensorProto } from '../../src/onnx/tensor-proto.js';
import { parseNpzTestData } from '../../src/reference/npz.js';
import { readTestDataSets } from '../../src/reference/test-data.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { bytesOf, npyBytes } from './npy-writer.js';

const fixtures = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));

const f32npy = (values: number[], shape: number[]) =>
  npyBytes({ descr: '<f4', shape, data: bytesOf(Float32Array.from(values), 4) });

let scratch: string;
beforeEach(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'test-data-'));
});
afterEach(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('readTestDataSets with TensorProto files', () => {
  it('reads a test_data_set folder with names and shapes from the fixture', async () => {
    const [set, ...rest] = await readTestDataSets(join(fixtures, 'onnx/seed_simple_cnn/test_data_set_0'));
    expect(rest).toEqual([]);
    expect(set!.name).toBe('test_data_set_0');
    expect(set!.inputs.map((t) => [t.name, t.tensor.shape])).toEqual([['input_0', [1, 3, 32, 32]]]);
    expect(set!.outputs.map((t) => [t.name, t.tensor.shape])).toEqual([['output_0', [1, 10]]]);
    expect(set!.outputs[0]!.tensor.dtype).toBe('float32');
  });

  it('reads every test_data_set_N of a model folder in numeric order', async () => {
    for (const n of [10, 2]) {
      const dir = join(scratch, `test_data_set_${n}`);
      await mkdir(dir);
      await writeFile(join(dir, 'input_0.pb'), encodeTensorProto('x', makeTensor('float32', [1], Float32Array.of(n))));
      await writeFile(join(dir, 'output_0.pb'), encodeTensorProto('y', makeTensor('float32', [1], Float32Array.of(n))));
    }
    const sets = await readTestDataSets(scratch);
    expect(sets.map((s) => s.name)).toEqual(['test_data_set_2', 'test_data_set_10']);
  });

  it('keeps K order and empty names when the TensorProtos are unnamed', async () => {
    for (const k of [1, 0]) {
      await writeFile(join(scratch, `input_${k}.pb`), encodeTensorProto('', makeTensor('int64', [1], BigInt64Array.of(BigInt(k)))));
    }
    await writeFile(join(scratch, 'output_0.pb'), encodeTensorProto('', makeTensor('float32', [2], Float32Array.of(1, 2))));
    const [set] = await readTestDataSets(scratch);
    expect(set!.inputs.map((t) => t.name)).toEqual(['', '']);
    expect(set!.inputs.map((t) => (t.tensor.data as BigInt64Array)[0])).toEqual([0n, 1n]);
  });

  it('rejects a gap in the file numbering', async () => {
    await writeFile(join(scratch, 'input_1.pb'), encodeTensorProto('a', makeTensor('float32', [1])));
    await writeFile(join(scratch, 'output_0.pb'), encodeTensorProto('b', makeTensor('float32', [1])));
    await expect(readTestDataSets(scratch)).rejects.toThrow(/input_0\.pb is missing/);
  });

  it('rejects a folder without any test data, naming it', async () => {
    await expect(readTestDataSets(scratch)).rejects.toMatchObject({ code: 'REFERENCE', file: scratch });
  });

  it('rejects a path that does not exist', async () => {
    await expect(readTestDataSets(join(scratch, 'nope'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});

describe('.npz test data', () => {
  it('maps inputs/<name> and outputs/<name> entries in archive order', () => {
    const zip = zipSync({
      'inputs/b.npy': f32npy([1, 2], [2]),
      'inputs/a.npy': f32npy([3], [1]),
      'outputs/y.npy': f32npy([4, 5, 6, 7], [2, 2]),
      'notes.txt': new TextEncoder().encode('ignored'),
    });
    const set = parseNpzTestData(zip, 'data.npz');
    expect(set.name).toBe('data.npz');
    expect(set.inputs.map((t) => t.name)).toEqual(['b', 'a']);
    expect(set.outputs[0]!.tensor.shape).toEqual([2, 2]);
    expect(set.outputs[0]!.tensor.data).toEqual(Float32Array.from([4, 5, 6, 7]));
  });

  it('reads deflated entries and .npz files beside test_data_set folders', async () => {
    const zip = zipSync({ 'inputs/x.npy': f32npy([1], [1]), 'outputs/y.npy': f32npy([2], [1]) }, { level: 9 });
    await writeFile(join(scratch, 'test_data_0.npz'), zip);
    const sets = await readTestDataSets(scratch);
    expect(sets.map((s) => s.name)).toEqual(['test_data_0.npz']);
    expect((await readTestDataSets(join(scratch, 'test_data_0.npz')))[0]!.outputs[0]!.name).toBe('y');
  });

  it('rejects an archive without outputs and bytes that are not a zip', () => {
    const noOutputs = zipSync({ 'inputs/x.npy': f32npy([1], [1]) });
    expect(() => parseNpzTestData(noOutputs, 'n.npz')).toThrow(expect.objectContaining({ code: 'REFERENCE', file: 'n.npz' }));
    expect(() => parseNpzTestData(new Uint8Array(40), 'z.npz')).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
  });

  it('names the archive entry when an array inside is malformed', () => {
    const zip = zipSync({ 'outputs/y.npy': npyBytes({ descr: '<f4', shape: [2, 2], data: new Uint8Array(16), fortranOrder: true }) });
    expect(() => parseNpzTestData(zip, 'f.npz')).toThrow(/f\.npz:outputs\/y\.npy/);
  });
});
