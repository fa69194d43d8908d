import type { CoreMLModel } from '../coreml/model.js';
import { ToolError } from '../errors.js';
import type { Gate } from '../parity/gates.js';
import { evaluateOutput, type OutputVerdict } from '../parity/verdict.js';
import type { OutputMetrics } from '../parity/metrics.js';
import { castTensor } from '../reference/cast.js';
import type { TestDataSet } from '../reference/test-data.js';
import type { GateSettings, OutputResult } from '../report/schema.js';
import { runProgram } from '../runtime/interpreter.js';
import type { Tensor } from '../tensor/tensor.js';
import { matchTensors } from '../verify/matching.js';
import { classifierClasses, labelIndexTensor } from '../verify/interface.js';
import { imageToProgramTensor } from '../runtime/image.js';
import { foldVerdict, reportedMetrics } from '../verify/report.js';
import type { Deadline } from './deadline.js';

/**
 * Runs a written Core ML package with the reference interpreter on every
 * reference set and judges each output with the variant's gate. With several
 * sets, an output reports its worst numbers over all of them and passes only
 * when it passes on every set. Tensors are matched and sets folded by the same
 * functions `verify` uses (src/verify/), so both commands judge a package alike.
 */

export interface VerifyRequest {
  model: CoreMLModel;
  sets: readonly TestDataSet[];
  /** The ONNX output names, in order, for labelling outputs. */
  outputNames: readonly string[];
  gate: Gate;
  deadline: Deadline;
  /** The model file, for messages. */
  file: string;
}

export function verifyAgainstReferences(request: VerifyRequest): OutputResult[] {
  const { sets, model } = request;
  const worst: (OutputVerdict | undefined)[] = [];
  const exact: boolean[] = [];
  const actualDTypes: string[] = [];
  for (const set of sets) {
    const outputs = runOnSet(request, set);
    // A data set written for this ONNX model has exactly its outputs; more means it belongs to another.
    if (set.outputs.length !== outputs.length) {
      throw new ToolError('REFERENCE', `${set.name} has ${set.outputs.length} outputs, the model has ${outputs.length}`, { file: request.file });
    }
    const references = matchTensors(model.outputs.map((o) => o.name), set.outputs, { what: 'output', dataSet: set.name, file: request.file });
    outputs.forEach((actual, k) => {
      const verdict = evaluateOutput(references.get(model.outputs[k]!.name)!, actual, request.gate);
      worst[k] = foldVerdict(worst[k], verdict, set.name, sets.length > 1);
      exact[k] = (exact[k] ?? true) && isExactMatch(verdict.metrics);
      actualDTypes[k] = actual.dtype;
    });
  }
  return worst.map((verdict, k) => outputResult(request.outputNames[k] ?? model.outputs[k]!.name, actualDTypes[k]!, verdict!, exact[k]!));
}

/**
 * Feeds one set to the program and returns its outputs in the model's output order.
 * Inputs are paired with the set's tensors as `verify` pairs them (matchTensors), so
 * `report` and `verify` judge a package on the same values.
 */
function runOnSet(request: VerifyRequest, set: TestDataSet): Tensor[] {
  const { model, deadline, file } = request;
  const given = matchTensors(model.inputs.map((i) => i.name), set.inputs, { what: 'input', dataSet: set.name, file });
  const inputs: Record<string, Tensor> = {};
  for (const desc of model.inputs) {
    const tensor = given.get(desc.name)!;
    // An image input takes pixels, which Core ML hands the program as raw channel values.
    inputs[desc.name] =
      desc.type.kind === 'image' ? imageToProgramTensor(desc.type, desc.name, tensor) : castTensor(tensor, desc.type.dtype, `${file}: ${set.name} input "${desc.name}"`);
  }
  const raw = runProgram(model.program, inputs, { onOp: () => deadline.check('running the Core ML model') });
  return model.outputs.map((desc) => {
    const t = raw[desc.name];
    if (!t) throw new ToolError('RUNTIME', `model output "${desc.name}" is not produced by the program`, { file });
    // A classifier's label is judged as its class index, exactly.
    return desc.name === model.predictedFeatureName ? labelIndexTensor(t, classifierClasses(model)) : t;
  });
}

/** Whether every element equals the reference (integer outputs say so themselves). */
function isExactMatch(m: OutputMetrics): boolean {
  return m.exactMatch ?? (m.maxAbsError === 0 && m.failure === null);
}

/** An output's line in the report, from its verdict folded over every data set (foldVerdict). */
function outputResult(name: string, dtype: string, verdict: OutputVerdict, exact: boolean): OutputResult {
  const m = verdict.metrics;
  const result: OutputResult = {
    name,
    shape: [...m.referenceShape],
    dtype,
    ...reportedMetrics(m),
    exact,
    pass: verdict.pass,
  };
  if (verdict.reason !== undefined) result.reason = verdict.reason;
  return result;
}

/** The gate a variant is held to: its default, with the user's thresholds where they apply. */
export function effectiveGate(defaultGate: Gate, gates: GateSettings): Gate {
  if (defaultGate.kind === 'psnr' && gates.minPsnr !== undefined) return { kind: 'psnr', minDb: gates.minPsnr };
  if (defaultGate.kind === 'elementwise' && gates.maxAbsError !== undefined) return { kind: 'elementwise', atol: gates.maxAbsError, rtol: 0 };
  return defaultGate;
}

const GATE_LABELS: { [K in Gate['kind']]: (gate: Extract<Gate, { kind: K }>) => string } = {
  elementwise: (g) => (g.rtol === 0 ? `max abs error ≤ ${g.atol}` : `|error| ≤ ${g.atol} + ${g.rtol}·|ref|`),
  psnr: (g) => `PSNR ≥ ${g.minDb} dB`,
  exact: () => 'exact',
};

export function gateLabel(gate: Gate): string {
  return (GATE_LABELS[gate.kind] as (g: Gate) => string)(gate);
}
