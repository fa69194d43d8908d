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
import { NMS_NAMES, readInterfaceRecord } from '../interface/index.js';
import { compareDetections, detectionFailure, detectionGateFor, worstDetections, type DetectionGate, type DetectionMetrics } from './detections.js';
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
  /**
   * The model is judged here and then dropped: each set's run frees the widened
   * constants it made instead of keeping them for later runs (see RunOptions.once).
   */
  once?: boolean;
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
  /** A detector's outputs: the detections compared as sets, and the gate they met or missed. */
  detection?: DetectionMetrics & DetectionGate;
}

export function judgeOnDataSets(model: CoreMLModel, sets: readonly TestDataSet[], judging: Judging): JudgedOutput[] {
  const detector = model.pipeline ? readInterfaceRecord(model.metadata)?.detector : undefined;
  if (detector) return judgeDetections(model, sets, judging);
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
  // Optional inputs (a detector's threshold overrides) keep the model's defaults.
  const required = model.inputs.filter((i) => !i.optional);
  const given = matchTensors(required.map((i) => i.name), set.inputs, { what: 'input', dataSet: set.name, file: referenceFile });
  const inputs: Record<string, Tensor> = {};
  for (const desc of required) {
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
    const options = { ...(judging.onOp === undefined ? {} : { onOp: judging.onOp }), ...(judging.once ? { once: true } : {}) };
    return comparableOutputs(model, runModel(model, inputs, options));
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

/**
 * A detector pipeline: its `confidence` and `coordinates` compared as sets of detections
 * with the reference detections (verify/detections.ts). Both lines carry the same
 * precision and recall; `maxAbsError` is the largest score error (confidence) or box
 * error (coordinates) of matched pairs.
 */
function judgeDetections(model: CoreMLModel, sets: readonly TestDataSet[], judging: Judging): JudgedOutput[] {
  const names = [NMS_NAMES.confidence, NMS_NAMES.coordinates];
  const gate = detectionGateFor(judging.gate.kind === 'elementwise');
  let worst: DetectionMetrics | undefined;
  let failure: string | undefined;
  for (const set of sets) {
    const references = matchTensors(names, set.outputs, { what: 'output', dataSet: set.name, file: judging.referenceFile });
    const actual = runOnSet(model, set, judging);
    const metrics = compareDetections(
      { confidence: references.get(NMS_NAMES.confidence)!, coordinates: references.get(NMS_NAMES.coordinates)! },
      { confidence: actual[NMS_NAMES.confidence]!, coordinates: actual[NMS_NAMES.coordinates]! },
    );
    const problem = detectionFailure(metrics, gate);
    if (problem !== undefined && failure === undefined) failure = sets.length > 1 ? `${set.name}: ${problem}` : problem;
    worst = worst ? worstDetections(worst, metrics) : metrics;
  }
  const m = worst ?? { precision: NaN, recall: NaN, referenceCount: 0, packageCount: 0, matched: 0, maxBoxError: NaN, maxScoreError: NaN };
  const line = (name: string, maxAbsError: number, columns: number): JudgedOutput => {
    const metrics = detectionLineMetrics(maxAbsError, [m.referenceCount, columns], [m.packageCount, columns]);
    const verdict: OutputVerdict = failure === undefined && sets.length > 0 ? { metrics, gate: judging.gate, pass: true } : { metrics, gate: judging.gate, pass: false, reason: failure ?? 'no data set' };
    return { name, dtype: 'float32', verdict, exact: false, detection: { ...m, ...gate } };
  };
  const confidence = model.outputs.find((o) => o.name === NMS_NAMES.confidence)?.type;
  const classes = confidence?.kind === 'multiArray' ? (confidence.shapeRange?.[1]?.[0] ?? 0) : 0;
  return [line(NMS_NAMES.confidence, m.maxScoreError, classes), line(NMS_NAMES.coordinates, m.maxBoxError, 4)];
}

/** Element metrics of a detection line: only the largest error of matched pairs means anything. */
function detectionLineMetrics(maxAbsError: number, referenceShape: number[], actualShape: number[]): OutputMetrics {
  return {
    referenceShape, actualShape, elementCount: 0, maxAbsError, maxRelError: NaN, meanAbsError: NaN, snrDb: NaN, psnrDb: NaN, cosine: NaN,
    top1Agreement: null, top5Agreement: null, exactMatch: null, nonFiniteMismatches: 0, failure: null,
  };
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
