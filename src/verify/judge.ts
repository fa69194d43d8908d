import type { CoreMLModel } from '../coreml/model.js';
import { ToolError, errorMessage } from '../errors.js';
import type { Gate } from '../parity/gates.js';
import type { OutputMetrics } from '../parity/metrics.js';
import { evaluateOutput, type OutputVerdict, type VerdictOptions } from '../parity/verdict.js';
import { castTensor } from '../reference/cast.js';
import type { TestDataSet } from '../reference/test-data.js';
import { runModel } from '../runtime/interpreter.js';
import { nondeterministicOutputs } from '../runtime/nondeterminism.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { classifierClasses, labelIndexTensor } from './interface.js';
import { matchTensors } from './matching.js';
import { evaluatePaddedOutput } from './padded.js';
import { readPaddedOutputs } from '../coreml/padded-outputs.js';
import { foldVerdict } from './report.js';

/**
 * The verify stage, the one loop both `verify` and `report` run: a Core ML
 * model on every reference set, each output judged by the gate. With several
 * sets an output keeps its worst numbers over all of them and passes only when
 * it passes on every set.
 */

export interface Judging {
  gate: Gate;
  verdict?: VerdictOptions;
  /** The test data or ONNX model the references come from, named in data messages. */
  referenceFile: string;
  /** The package, named when the interpreter fails. */
  packageFile: string;
  /** Called after each interpreted operation (time limits throw from here). */
  onOp?: () => void;
}

export interface JudgedOutput {
  /** The output's name in the Core ML model. */
  name: string;
  /** The dtype the model describes (what it returns). */
  dtype: DType;
  /** The verdict folded over every set. */
  verdict: OutputVerdict;
  /** Whether every element equalled the reference on every set. */
  exact: boolean;
}

export function judgeOnDataSets(model: CoreMLModel, sets: readonly TestDataSet[], judging: Judging): JudgedOutput[] {
  const outputNames = model.outputs.map((o) => o.name);
  const random = nondeterministicOutputs(model.program);
  const padded = readPaddedOutputs(model.metadata);
  const worst = new Map<string, OutputVerdict>();
  const exact = new Map<string, boolean>();
  for (const set of sets) {
    // Matched before running: a set with other outputs than the model's (one more, say) belongs to another model.
    const references = matchTensors(outputNames, set.outputs, { what: 'output', dataSet: set.name, file: judging.referenceFile });
    const actual = runOnSet(model, set, judging);
    for (const name of outputNames) {
      const reference = references.get(name)!;
      const padding = padded[name];
      const judged = padding
        ? evaluatePaddedOutput(reference, actual[name]!, padding, judging.gate, judging.verdict)
        : evaluateOutput(reference, asReferenceRank(actual[name]!, reference), judging.gate, judging.verdict);
      const verdict = notComparable(judged, random.get(name));
      worst.set(name, foldVerdict(worst.get(name), verdict, set.name, sets.length > 1));
      exact.set(name, (exact.get(name) ?? true) && isExactMatch(verdict.metrics));
    }
  }
  return model.outputs.map((o) => ({ name: o.name, dtype: o.type.dtype, verdict: worst.get(o.name)!, exact: exact.get(o.name)! }));
}

/** The first set on which some output misses the gate (a folded verdict does not say which); undefined when all pass. */
export function firstFailingSet(model: CoreMLModel, sets: readonly TestDataSet[], judging: Judging): TestDataSet | undefined {
  return sets.find((set) => !judgeOnDataSets(model, [set], judging).every((o) => o.verdict.pass));
}

/** A set's inputs as the model takes them: paired by matchTensors, cast to the declared types. */
export function modelInputs(model: CoreMLModel, set: TestDataSet, referenceFile: string): Record<string, Tensor> {
  const given = matchTensors(model.inputs.map((i) => i.name), set.inputs, { what: 'input', dataSet: set.name, file: referenceFile });
  const inputs: Record<string, Tensor> = {};
  for (const desc of model.inputs) {
    // Image inputs take their pixels as they are; the package's own preprocessing is under test.
    const tensor = given.get(desc.name)!;
    inputs[desc.name] = desc.type.kind === 'image' ? tensor : castTensor(asOneElement(tensor, desc.type.shape), desc.type.dtype, `${referenceFile}: ${set.name}: input "${desc.name}"`);
  }
  return inputs;
}

/** Feeds one set to the model and returns its outputs. */
function runOnSet(model: CoreMLModel, set: TestDataSet, judging: Judging): Record<string, Tensor> {
  const inputs = modelInputs(model, set, judging.referenceFile);
  try {
    return comparableOutputs(model, runModel(model, inputs, judging.onOp === undefined ? {} : { onOp: judging.onOp }));
  } catch (err) {
    // An error that already names its file (a time-out names the model) passes unchanged.
    if (err instanceof ToolError && err.file !== undefined) throw err;
    const code = err instanceof ToolError ? err.code : 'RUNTIME';
    throw new ToolError(code, `the reference interpreter failed: ${errorMessage(err)}`, { file: judging.packageFile, cause: err });
  }
}

/**
 * Core ML has no rank-0 features: an ONNX scalar input is declared [1] and an
 * ONNX scalar output is returned as [1] (convert/edges.ts). A scalar is fed
 * as its one-element array, as an app would feed it, and a one-element output
 * is compared with a scalar reference as the scalar it stands for.
 */
function asOneElement(tensor: Tensor, declared: readonly number[]): Tensor {
  return tensor.shape.length === 0 && declared.length === 1 && declared[0] === 1 ? { ...tensor, shape: [1] } : tensor;
}

function asReferenceRank(actual: Tensor, reference: Tensor): Tensor {
  return reference.shape.length === 0 && actual.shape.length === 1 && actual.shape[0] === 1 ? { ...actual, shape: [] } : actual;
}

/** A device draws other numbers than the interpreter: a match with an output of a random op would be luck, so it is never a pass. */
function notComparable(verdict: OutputVerdict, randomSource: string | undefined): OutputVerdict {
  return randomSource === undefined ? verdict : { ...verdict, pass: false, reason: `depends on ${randomSource}, whose values differ on a device: not comparable` };
}

/** A classifier's label as its class index, so it compares exactly with the reference's top class. */
function comparableOutputs(model: CoreMLModel, outputs: Record<string, Tensor>): Record<string, Tensor> {
  const label = model.predictedFeatureName;
  if (label === undefined || !outputs[label]) return outputs;
  return { ...outputs, [label]: labelIndexTensor(outputs[label], classifierClasses(model)) };
}

/** Whether every element equals the reference (integer outputs say so themselves). */
function isExactMatch(m: OutputMetrics): boolean {
  return m.exactMatch ?? (m.maxAbsError === 0 && m.failure === null);
}
