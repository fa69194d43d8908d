import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { readTensorProtoFile } from '../onnx/tensor-proto.js';
import { ToolError } from '../errors.js';
import { readNpzTestData } from './npz.js';
import type { NamedTensor, TestDataSet } from './test-data-set.js';

export type { NamedTensor, TestDataSet } from './test-data-set.js';

/**
 * Reads the test data at `path`, which may be:
 * - a `test_data_set_N/` folder holding `input_K.pb` and `output_K.pb` (one serialized
 *   ONNX TensorProto each, K = position in the model's inputs/outputs, 0..N-1 without gaps);
 * - a model folder holding `test_data_set_*` folders and/or `*.npz` files (see `npz.ts`
 *   for how an .npz names its inputs and outputs); sets come back in numeric, then name order;
 * - a single `.npz` file.
 */
export async function readTestDataSets(path: string): Promise<TestDataSet[]> {
  const info = await statOrThrow(path);
  if (!info.isDirectory()) {
    if (path.endsWith('.npz')) return [await readNpzTestData(path)];
    throw new ToolError('REFERENCE', 'test data must be a folder or an .npz file', { file: path });
  }
  const entries = await readdir(path, { withFileTypes: true });
  const setDirs = entries
    .filter((e) => e.isDirectory() && /^test_data_set_\d+$/.test(e.name))
    .map((e) => e.name)
    .sort((a, b) => trailingNumber(a) - trailingNumber(b));
  const npzFiles = entries.filter((e) => !e.isDirectory() && e.name.endsWith('.npz')).map((e) => e.name).sort();
  if (setDirs.length > 0 || npzFiles.length > 0) {
    const sets: TestDataSet[] = [];
    // Every file read must stay inside the folder the test data was named by.
    for (const dir of setDirs) sets.push(await readProtoTestDataSet(join(path, dir), path));
    for (const file of npzFiles) sets.push(await readNpzTestData(join(path, file), path));
    return sets;
  }
  if (entries.some((e) => /^(input|output)_\d+\.pb$/.test(e.name))) return [await readProtoTestDataSet(path)];
  throw new ToolError('REFERENCE', 'no test data found (expected test_data_set_N/ folders, input_K.pb/output_K.pb files or .npz files)', { file: path });
}

/**
 * Reads one `test_data_set_N/` folder of TensorProto files; each file's real
 * path must stay inside `within` (default: the set's own folder).
 */
export async function readProtoTestDataSet(dir: string, within: string = dir): Promise<TestDataSet> {
  const files = (await readdir(dir)).filter((f) => /^(input|output)_\d+\.pb$/.test(f));
  const inputs = await readNumbered(dir, files, 'input', within);
  const outputs = await readNumbered(dir, files, 'output', within);
  if (outputs.length === 0) throw new ToolError('REFERENCE', 'the test data set has no output_K.pb files', { file: dir });
  return { name: basename(dir), inputs, outputs };
}

async function readNumbered(dir: string, files: readonly string[], prefix: 'input' | 'output', within: string): Promise<NamedTensor[]> {
  const numbers = files
    .filter((f) => f.startsWith(`${prefix}_`))
    .map(trailingNumber)
    .sort((a, b) => a - b);
  // Positions are the model's input/output positions, so a gap would silently shift every later tensor.
  numbers.forEach((k, i) => {
    if (k !== i) throw new ToolError('REFERENCE', `${prefix}_${i}.pb is missing (files must be numbered 0..N-1)`, { file: dir });
  });
  const tensors: NamedTensor[] = [];
  for (const k of numbers) {
    const { name, tensor } = await readTensorProtoFile(join(dir, `${prefix}_${k}.pb`), within);
    tensors.push({ name, tensor });
  }
  return tensors;
}

function trailingNumber(name: string): number {
  return Number(/(\d+)(\.\w+)?$/.exec(name)?.[1] ?? NaN);
}

async function statOrThrow(path: string) {
  try {
    return await stat(path);
  } catch (err) {
    throw new ToolError('FILE_NOT_FOUND', 'cannot read the test data', { file: path, cause: err });
  }
}
