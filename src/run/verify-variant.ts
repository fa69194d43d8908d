import type { CoreMLModel } from '../coreml/model.js';
import type { Gate } from '../parity/gates.js';
import type { TestDataSet } from '../reference/test-data.js';
import type { GateSettings, OutputResult } from '../report/schema.js';
import { judgeOnDataSets, type JudgedOutput } from '../verify/judge.js';
import { reportedMetrics } from '../verify/report.js';
import type { Deadline } from './deadline.js';

/**
 * A written variant judged on every reference set by the verify stage that
 * `verify` runs too (verify/judge.ts), as the report's output lines.
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
  /** The package, for interpreter failures; default `file`. */
  packageFile?: string;
}

export function verifyAgainstReferences(request: VerifyRequest): OutputResult[] {
  const judged = judgeOnDataSets(request.model, request.sets, {
    gate: request.gate,
    referenceFile: request.file,
    packageFile: request.packageFile ?? request.file,
    onOp: () => request.deadline.check('running the Core ML model'),
    // The package was read for this verdict alone: nothing is kept for another run.
    once: true,
  });
  return judged.map((output, k) => outputResult(request.outputNames[k] ?? output.name, output));
}

/** An output's line in the report, from its verdict folded over every data set. */
function outputResult(name: string, { dtype, verdict, exact, detection }: JudgedOutput): OutputResult {
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
  if (detection !== undefined) result.detection = detection;
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
