import type { CoreMLModel, FeatureDescription } from '../coreml/model.js';
import { ToolError } from '../errors.js';
import type { Gate } from '../parity/gates.js';
import { evaluateOutput, type OutputVerdict } from '../parity/verdict.js';
import { castTensor } from '../reference/cast.js';
import type { NamedTensor, TestDataSet } from '../reference/test-data.js';
import type { GateSettings, OutputResult } from '../report/schema.js';
import { runProgram } from '../runtime/interpreter.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Deadline } from './deadline.js';

/**
 * Runs a written Core ML package with the reference interpreter on every
 * reference set and judges each output with the variant's gate. With several
 * sets, an output reports its worst numbers over all of them and passes only
 * when it passes on every set.
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
  const perOutput: OutputVerdict[][] = [];
  const actualDTypes: string[] = [];
  for (const set of request.sets) {
    const outputs = runOnSet(request, set);
    if (set.outputs.length !== outputs.length) {
      throw new ToolError('REFERENCE', `${set.name} has ${set.outputs.length} outputs, the model has ${outputs.length}`, { file: request.file });
    }
    outputs.forEach((actual, k) => {
      (perOutput[k] ??= []).push(evaluateOutput(set.outputs[k]!.tensor, actual, request.gate));
      actualDTypes[k] = actual.dtype;
    });
  }
  return perOutput.map((verdicts, k) => summarizeOutput(request.outputNames[k] ?? request.model.outputs[k]!.name, actualDTypes[k]!, verdicts));
}

/** Feeds one set to the program and returns its outputs in the model's output order. */
function runOnSet(request: VerifyRequest, set: TestDataSet): Tensor[] {
  const { model, deadline, file } = request;
  const inputs: Record<string, Tensor> = {};
  model.inputs.forEach((desc, k) => {
    const given = pickInput(set.inputs, desc, k, model.inputs.length);
    if (!given) throw new ToolError('REFERENCE', `${set.name} has no value for model input "${desc.name}"`, { file });
    inputs[desc.name] = castTensor(given.tensor, desc.type.dtype, `${file}: ${set.name} input "${desc.name}"`);
  });
  const raw = runProgram(model.program, inputs, { onOp: () => deadline.check('running the Core ML model') });
  return model.outputs.map((desc) => {
    const t = raw[desc.name];
    if (!t) throw new ToolError('RUNTIME', `model output "${desc.name}" is not produced by the program`, { file });
    return t;
  });
}

/**
 * Test data is positional (input_K is the K-th model input); names are the fallback
 * when the counts differ, e.g. an .npz archive that names only some inputs.
 */
function pickInput(given: readonly NamedTensor[], desc: FeatureDescription, k: number, expected: number): NamedTensor | undefined {
  if (given.length === expected) return given[k];
  return given.find((t) => t.name === desc.name);
}

const finiteOrNull = (x: number | null): number | null => (x !== null && Number.isFinite(x) ? x : null);

function worst(values: readonly (number | null)[], pick: (a: number, b: number) => number): number | null {
  let out: number | null = null;
  for (const v of values) {
    if (v === null) continue;
    if (Number.isNaN(v)) return NaN;
    out = out === null ? v : pick(out, v);
  }
  return out;
}

function summarizeOutput(name: string, dtype: string, verdicts: readonly OutputVerdict[]): OutputResult {
  const m = verdicts.map((v) => v.metrics);
  const failing = verdicts.find((v) => !v.pass);
  const result: OutputResult = {
    name,
    shape: [...m[0]!.referenceShape],
    dtype,
    maxAbsError: finiteOrNull(worst(m.map((x) => x.maxAbsError), Math.max)),
    maxRelError: finiteOrNull(worst(m.map((x) => x.maxRelError), Math.max)),
    meanAbsError: finiteOrNull(worst(m.map((x) => x.meanAbsError), Math.max)),
    snrDb: finiteOrNull(worst(m.map((x) => x.snrDb), Math.min)),
    psnrDb: finiteOrNull(worst(m.map((x) => x.psnrDb), Math.min)),
    cosine: finiteOrNull(worst(m.map((x) => x.cosine), Math.min)),
    top1Agreement: worst(m.map((x) => x.top1Agreement), Math.min),
    exact: m.every((x) => x.exactMatch ?? (x.maxAbsError === 0 && x.failure === null)),
    pass: failing === undefined,
  };
  if (failing?.reason !== undefined) result.reason = verdicts.length > 1 ? `${failing.reason} (set ${verdicts.indexOf(failing) + 1} of ${verdicts.length})` : failing.reason;
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
