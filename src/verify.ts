import { readMlPackage } from './coreml/package.js';
import type { CoreMLModel } from './coreml/model.js';
import { ToolError, errorMessage } from './errors.js';
import { gateForProgram, type Gate } from './parity/gates.js';
import { evaluateOutput, overallPass, type OutputVerdict, type VerdictOptions } from './parity/verdict.js';
import { castTensor } from './reference/cast.js';
import { runReferenceEngine } from './reference/onnxruntime.js';
import { generateInputs, type InputSpec } from './reference/seeded-inputs.js';
import { readTestDataSets, type TestDataSet } from './reference/test-data.js';
import { runModel } from './runtime/interpreter.js';
import { nondeterministicOutputs } from './runtime/nondeterminism.js';
import type { DType } from './tensor/dtype.js';
import type { Tensor } from './tensor/tensor.js';
import { matchTensors, namedTensors } from './verify/matching.js';
import { foldVerdict, outputReport, type VerifyReport } from './verify/report.js';
import { classifierClasses, labelIndexTensor, packageInterface, referencesForPackage, seededImages } from './verify/interface.js';
import type { InterfaceRecord } from './interface/index.js';

export type { VerifyOutputReport, VerifyReport } from './verify/report.js';

/** Where the reference outputs come from: test data beside the model, or onnxruntime on seeded inputs. */
export type VerifySource = { dataDir: string } | { onnxPath: string };

export interface VerifyOptions {
  /** Gate for every float output; default: picked from what the package contains (gateForProgram). */
  gate?: Gate;
  /** Seed of the generated inputs when the source is an ONNX model; default 0. */
  seed?: number;
  /** onnxruntime intra-op threads when the source is an ONNX model. */
  threads?: number;
  /** Least top-1 agreement class-score outputs must reach (0..1); not gated when absent. */
  minTop1Agreement?: number;
}

/**
 * Runs an .mlpackage with the reference interpreter and compares every output with its
 * reference. With test data, every data set must pass, and each output reports its worst
 * metrics over the sets. With an ONNX model, seeded inputs are generated from the package's
 * input descriptions and onnxruntime (native when installed, else wasm) computes the references.
 */
export async function verifyPackage(packagePath: string, source: VerifySource, options: VerifyOptions = {}): Promise<VerifyReport> {
  const model = await readMlPackage(packagePath);
  const gate = options.gate ?? gateForProgram(model.program);
  const face = packageInterface(model, packagePath);
  if (face && 'dataDir' in source) {
    throw new ToolError('USAGE', 'the package has an image or classifier interface: verify it with --onnx MODEL.onnx, which computes references from the same pixels', { file: packagePath });
  }
  const dataSets = 'dataDir' in source ? await readTestDataSets(source.dataDir) : [await seededDataSet(model, source.onnxPath, options, face)];
  const referenceFile = 'dataDir' in source ? source.dataDir : source.onnxPath;
  const worst = new Map<string, OutputVerdict>();
  for (const set of dataSets) {
    const verdicts = verifyDataSet(model, packagePath, set, { gate, referenceFile, verdict: verdictOptions(options) });
    for (const [name, verdict] of verdicts) worst.set(name, foldVerdict(worst.get(name), verdict, set.name, dataSets.length > 1));
  }
  const outputs = model.outputs.map((o) => outputReport(o.name, o.type.dtype, worst.get(o.name)!));
  return { pass: overallPass(outputs), engine: 'reference interpreter', gate, dataSets: dataSets.map((s) => s.name), outputs };
}

interface DataSetJudging {
  gate: Gate;
  /** The test data folder or ONNX model the references come from, for messages. */
  referenceFile: string;
  verdict: VerdictOptions;
}

function verdictOptions(options: VerifyOptions): VerdictOptions {
  return options.minTop1Agreement === undefined ? {} : { minTop1Agreement: options.minTop1Agreement };
}

function verifyDataSet(model: CoreMLModel, packagePath: string, set: TestDataSet, judging: DataSetJudging): Map<string, OutputVerdict> {
  const { gate, referenceFile } = judging;
  const context = { dataSet: set.name, file: referenceFile };
  const given = matchTensors(model.inputs.map((i) => i.name), set.inputs, { ...context, what: 'input' });
  const inputs: Record<string, Tensor> = {};
  for (const desc of model.inputs) {
    // Image inputs take their pixels as they are; the package's own preprocessing is under test.
    const tensor = given.get(desc.name)!;
    inputs[desc.name] = desc.type.kind === 'image' ? tensor : castTensor(tensor, desc.type.dtype, `${referenceFile}: ${set.name}: input "${desc.name}"`);
  }
  const references = matchTensors(model.outputs.map((o) => o.name), set.outputs, { ...context, what: 'output' });
  const actual = comparableOutputs(model, runPackage(model, packagePath, inputs));
  const random = nondeterministicOutputs(model.program);
  const verdicts = new Map<string, OutputVerdict>();
  for (const desc of model.outputs) {
    const produced = actual[desc.name];
    if (!produced) throw new ToolError('RUNTIME', `the package produced no output "${desc.name}"`, { file: packagePath });
    const verdict = evaluateOutput(references.get(desc.name)!, produced, gate, judging.verdict);
    const source = random.get(desc.name);
    // A device draws other numbers than the interpreter: a match would be luck, so it is never a pass.
    verdicts.set(desc.name, source === undefined ? verdict : { ...verdict, pass: false, reason: `depends on ${source}, whose values differ on a device: not comparable` });
  }
  return verdicts;
}

/** Runs the interpreter, making sure any failure names the package it came from. */
function runPackage(model: CoreMLModel, packagePath: string, inputs: Record<string, Tensor>): Record<string, Tensor> {
  try {
    return runModel(model, inputs);
  } catch (err) {
    if (err instanceof ToolError && err.file !== undefined) throw err;
    const code = err instanceof ToolError ? err.code : 'RUNTIME';
    throw new ToolError(code, `the reference interpreter failed: ${errorMessage(err)}`, { file: packagePath, cause: err });
  }
}

/** Values are generated in fp32 even for fp16 inputs, so onnxruntime sees them unrounded. */
const GENERATED_DTYPE: Readonly<Partial<Record<DType, DType>>> = { float16: 'float32', float64: 'float32' };

/**
 * Seeded inputs and onnxruntime's outputs on them. With an interface, image inputs get
 * seeded pixels (the ONNX model gets them normalized) and the references are put in the
 * package's terms (see verify/interface.ts).
 */
async function seededDataSet(model: CoreMLModel, onnxPath: string, options: VerifyOptions, face: InterfaceRecord | undefined): Promise<TestDataSet> {
  const seed = options.seed ?? 0;
  const specs: InputSpec[] = model.inputs
    .filter((i) => i.type.kind !== 'image')
    .map((i) => ({ name: i.name, dtype: GENERATED_DTYPE[i.type.dtype] ?? i.type.dtype, shape: i.type.shape }));
  const generated = generateInputs(specs, seed);
  const images = face ? seededImages(model.inputs, face, seed) : { pixels: {}, normalized: {} };
  const { outputs: references, engine } = await runReferenceEngine(onnxPath, { ...generated, ...images.normalized }, options.threads === undefined ? {} : { threads: options.threads });
  const outputs = face ? referencesForPackage(model, face, Object.values(references)) : references;
  // The set's name says which engine computed the references ("onnxruntime-web 1.30.0 (wasm) on seeded inputs").
  return { name: `${engine} on seeded inputs (seed ${seed})`, inputs: namedTensors({ ...generated, ...images.pixels }), outputs: namedTensors(outputs) };
}

/** A classifier's label as its class index, so it compares exactly with the reference's top class. */
function comparableOutputs(model: CoreMLModel, outputs: Record<string, Tensor>): Record<string, Tensor> {
  const label = model.predictedFeatureName;
  if (label === undefined || !outputs[label]) return outputs;
  return { ...outputs, [label]: labelIndexTensor(outputs[label], classifierClasses(model)) };
}
