import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ToolError, errorMessage } from '../errors.js';
import type { OnnxModel, OnnxValueInfo } from '../onnx/ir.js';
import { formatShape } from '../tensor/tensor.js';
import { runReferenceEngine } from '../reference/onnxruntime.js';
import { generateInputs, type InputSpec } from '../reference/seeded-inputs.js';
import { readProtoTestDataSet, readTestDataSets, type TestDataSet } from '../reference/test-data.js';
import type { ModelResult } from '../report/schema.js';
import { ModelTimeoutError, type Deadline } from './deadline.js';

/**
 * Where a model's reference outputs come from, in order of preference:
 * 1. `test_data_set_N/` folders beside the model (the ONNX test-data layout);
 * 2. `<stem>.npz` beside the model;
 * 3. onnxruntime on seeded inputs (onnxruntime-node when installed, else the wasm build
 *    that ships with the bundle);
 * and when none of these works, no reference at all (the model stays unverified).
 */

export interface References {
  source: ModelResult['reference'];
  sets: TestDataSet[];
  warnings: string[];
  /** The onnxruntime build that computed the references ("onnxruntime-web 1.30.0 (wasm)"), when it did. */
  engine?: string;
  /** Why there are no references and how to get them, in one line; set when `source` is 'none'. */
  unverifiedReason?: string;
}

export interface ReferenceRequest {
  /** The ONNX file onnxruntime should run (for a base version, a temporary copy). */
  modelPath: string;
  /** The folder to look for test data in (beside the model in the working tree). */
  dataDir: string;
  /** File name stem of the model, for `<stem>.npz`. */
  stem: string;
  model: OnnxModel;
  deadline: Deadline;
}

/**
 * The one seed of generated inputs: fixed, so head and base runs, and `verify --onnx`
 * and `report`, see the same inputs.
 */
export const REFERENCE_SEED = 20240611;

export async function findReferences(request: ReferenceRequest): Promise<References> {
  const warnings: string[] = [];
  try {
    const sets = await readShippedTestData(request.dataDir, request.stem);
    sets.forEach((set) => checkFitsModel(set, request.model));
    if (sets.length > 0) return { source: 'test data', sets, warnings };
  } catch (err) {
    warnings.push(`the test data beside the model cannot be used (${errorMessage(err)}); falling back to onnxruntime`);
  }
  try {
    const { set, engine } = await seededReference(request, warnings);
    return { source: 'onnxruntime', sets: [set], warnings, engine };
  } catch (err) {
    if (err instanceof ModelTimeoutError) throw err;
    warnings.push(`no reference outputs: ${errorMessage(err)}; the Core ML variants are not verified`);
    const reason = unverifiedReason(errorMessage(err), request);
    return { source: 'none', sets: [], warnings, unverifiedReason: reason };
  }
}

/**
 * One line: why no reference outputs could be had, then the fix: reference outputs that
 * need no engine (test data beside the model), or accepting the model unverified.
 */
function unverifiedReason(why: string, request: ReferenceRequest): string {
  const stripped = why.startsWith(`${request.modelPath}: `) ? why.slice(request.modelPath.length + 2) : why;
  return (
    `no reference outputs: ${stripped.replace(/\s*\n\s*/g, ' ')}. Fix: add test_data_set_0/ (input_0.pb, output_0.pb, ...) or ` +
    `${request.stem}.npz beside the model, or set allow-unverified to accept it unverified`
  );
}

/**
 * Test data must match the model's inputs in number and static dimensions. A set that does
 * not (a base version whose inputs changed, test data left over from an older model) is
 * refused here, so the run falls back to onnxruntime instead of failing every variant.
 */
function checkFitsModel(set: TestDataSet, model: OnnxModel): void {
  const declared = model.graph.inputs;
  if (set.inputs.length !== declared.length) {
    throw new ToolError('REFERENCE', `${set.name} has ${set.inputs.length} inputs, the model takes ${declared.length}`);
  }
  declared.forEach((info, k) => {
    const shape = set.inputs[k]!.tensor.shape;
    const fits = info.shape === undefined || (info.shape.length === shape.length && info.shape.every((d, i) => typeof d !== 'number' || d === shape[i]));
    if (!fits) {
      const want = formatShape((info.shape ?? []).map((d) => (typeof d === 'number' ? d : null)));
      throw new ToolError('REFERENCE', `${set.name} input ${k} has shape ${formatShape(shape)}, the model's input "${info.name}" is ${want}`);
    }
  });
}

/** Test data shipped with the model; an empty list when there is none. */
async function readShippedTestData(dir: string, stem: string): Promise<TestDataSet[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const setDirs = entries
    .filter((e) => e.isDirectory() && /^test_data_set_\d+$/.test(e.name))
    .map((e) => e.name)
    .sort((a, b) => Number(a.slice(a.lastIndexOf('_') + 1)) - Number(b.slice(b.lastIndexOf('_') + 1)));
  if (setDirs.length > 0) {
    const sets: TestDataSet[] = [];
    for (const name of setDirs) sets.push(await readProtoTestDataSet(join(dir, name)));
    return sets;
  }
  // Only the archive named after this model: a folder may hold several models with their own archives.
  const npz = entries.find((e) => e.isFile() && e.name === `${stem}.npz`);
  return npz ? readTestDataSets(join(dir, npz.name)) : [];
}

export interface SeededReferenceRequest {
  /** The ONNX file onnxruntime runs. */
  modelPath: string;
  /** The model read from it, with any input shapes applied: its inputs decide what is generated. */
  model: OnnxModel;
  deadline: Deadline;
  /** Sizes for dims the ONNX model leaves symbolic, by input name (a package's fixed input shapes); else 1. */
  shapeHints?: ReadonlyMap<string, readonly number[]>;
  /** onnxruntime intra-op threads. */
  threads?: number;
}

/**
 * The one seed policy: inputs generated from the ONNX model's declared inputs (element
 * type and shape, symbolic dims from `shapeHints` or 1) with REFERENCE_SEED, and
 * onnxruntime's outputs on them as the reference.
 */
export async function seededReference(request: SeededReferenceRequest, warnings: string[]): Promise<{ set: TestDataSet; engine: string }> {
  const specs = request.model.graph.inputs.map((info) => inputSpec(info, request.shapeHints?.get(info.name), warnings));
  const inputs = generateInputs(specs, REFERENCE_SEED);
  // With a time limit, onnxruntime runs in a child process that can be killed (a Loop that
  // never ends blocks the thread it runs on); a second of slack lets the race report the time-out.
  const remaining = request.deadline.remainingMs();
  const ortOptions = {
    ...(Number.isFinite(remaining) ? { timeoutMs: remaining + 1000 } : {}),
    ...(request.threads === undefined ? {} : { threads: request.threads }),
  };
  const { outputs, engine } = await request.deadline.race(runReferenceEngine(request.modelPath, inputs, ortOptions), 'computing reference outputs with onnxruntime');
  const names = request.model.graph.outputs.map((o) => o.name);
  const set: TestDataSet = {
    name: `${engine} on seeded inputs (seed ${REFERENCE_SEED})`,
    inputs: specs.map((s) => ({ name: s.name, tensor: inputs[s.name]! })),
    outputs: names.map((name) => {
      const tensor = outputs[name];
      if (!tensor) throw new Error(`${engine} did not return output "${name}"`);
      return { name, tensor };
    }),
  };
  return { set, engine };
}

/** Static shape for a generated input: symbolic and unknown dimensions take the hint's size, else 1, which the warnings say. */
function inputSpec(info: OnnxValueInfo, hint: readonly number[] | undefined, warnings: string[]): InputSpec {
  if (info.dtype === undefined || info.shape === undefined) {
    throw new Error(`input "${info.name}" has no declared element type or rank, so no input can be generated`);
  }
  const symbolic: string[] = [];
  const usableHint = hint?.length === info.shape.length ? hint : undefined;
  const shape = info.shape.map((d, i) => {
    if (typeof d === 'number' && d >= 0) return d;
    const hinted = usableHint?.[i];
    if (hinted !== undefined && Number.isSafeInteger(hinted) && hinted >= 0) return hinted;
    symbolic.push(typeof d === 'string' && d !== '' ? d : `dim ${i}`);
    return 1;
  });
  if (symbolic.length > 0) {
    warnings.push(`input "${info.name}": symbolic dimension${symbolic.length === 1 ? '' : 's'} ${symbolic.join(', ')} set to 1 for the generated reference input`);
  }
  return { name: info.name, dtype: info.dtype, shape };
}
