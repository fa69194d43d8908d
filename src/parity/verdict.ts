import { FLOAT16_MIN_NORMAL } from '../tensor/fp16.js';
import { sameShape, type Tensor } from '../tensor/tensor.js';
import { EXACT_GATE, type Gate } from './gates.js';
import { compareDecoded, compareOutputs, type OutputMetrics } from './metrics.js';
import { isExactDType, tensorValues } from './values.js';

/** The judgement of one output: its metrics, the gate actually applied, and why it failed. */
export interface OutputVerdict {
  metrics: OutputMetrics;
  /** The gate applied: the requested one, or `exact` for integer and bool outputs. */
  gate: Gate;
  pass: boolean;
  /** Why the output failed; absent when it passed. */
  reason?: string;
}

/**
 * Compares `actual` with `reference` and applies `gate`. Integer and bool outputs are
 * always held to `exact`, whatever the gate says. Every check is written `!(x <= limit)`
 * so that a NaN anywhere fails.
 */
export function evaluateOutput(reference: Tensor, actual: Tensor, gate: Gate, options: VerdictOptions = {}): OutputVerdict {
  const applied = isExactDType(reference) ? EXACT_GATE : gate;
  if (!sameShape(reference.shape, actual.shape)) return failed(compareOutputs(reference, actual), applied);
  const ref = tensorValues(reference);
  const act = tensorValues(actual);
  const metrics = compareDecoded(reference, actual, ref, act);
  if (metrics.failure !== null) return failed(metrics, applied);
  const reason = GATE_CHECKS[applied.kind](applied, metrics, ref, act) ?? checkTop1(options.minTop1Agreement, metrics.top1Agreement);
  return reason === undefined ? { metrics, gate: applied, pass: true } : { metrics, gate: applied, pass: false, reason };
}

/** Extra requirements a user may ask for on top of the gate. */
export interface VerdictOptions {
  /**
   * Least share of rows whose top-1 class must agree, for class-score outputs (0..1).
   * Top-k agreement is only gated when asked: a small numeric drift can flip a near tie.
   */
  minTop1Agreement?: number;
}

function checkTop1(min: number | undefined, agreement: number | null): string | undefined {
  if (min === undefined || agreement === null || agreement >= min) return undefined;
  return `top-1 agreement ${agreement} is below the required ${min}`;
}

/** All outputs must pass; an empty list does not (nothing ran, so nothing passed). */
export function overallPass(verdicts: readonly { pass: boolean }[]): boolean {
  return verdicts.length > 0 && verdicts.every((v) => v.pass);
}

function failed(metrics: OutputMetrics, gate: Gate): OutputVerdict {
  return { metrics, gate, pass: false, reason: metrics.failure ?? 'comparison failed' };
}

type GateCheck = (gate: Gate, metrics: OutputMetrics, ref: Float64Array, act: Float64Array) => string | undefined;

const GATE_CHECKS: Readonly<Record<Gate['kind'], GateCheck>> = {
  elementwise: (gate, _metrics, ref, act) => (gate.kind === 'elementwise' ? checkElementwise(gate, ref, act) : undefined),
  psnr: (gate, metrics) => (gate.kind === 'psnr' ? checkPsnr(gate.minDb, metrics) : undefined),
  exact: (_gate, _metrics, ref, act) => checkExact(ref, act),
};

/**
 * Errors no larger than fp16's smallest normal (2^-14 ≈ 6.1e-5) pass a PSNR gate whatever
 * the ratio: PSNR gates fp16 and compressed variants, and an output whose reference is all
 * zeros or subnormal (which fp16 flushes to zero) would otherwise score −∞ or ~0 dB on
 * differences fp16 cannot even represent.
 */
const PSNR_ABSOLUTE_FLOOR = FLOAT16_MIN_NORMAL;

function checkPsnr(minDb: number, metrics: OutputMetrics): string | undefined {
  if (metrics.psnrDb >= minDb || metrics.maxAbsError <= PSNR_ABSOLUTE_FLOOR) return undefined;
  return `PSNR ${metrics.psnrDb.toFixed(2)} dB is below the ${minDb} dB gate`;
}

function checkElementwise(gate: { atol: number; rtol: number }, ref: Float64Array, act: Float64Array): string | undefined {
  let violations = 0;
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i]!;
    const a = act[i]!;
    if (Number.isNaN(r) && Number.isNaN(a)) continue;
    if (r === a) continue; // equal values, including equal infinities
    const limit = gate.atol + gate.rtol * Math.abs(r);
    const err = Math.abs(a - r);
    if (!(err <= limit)) {
      violations++;
      const excess = err / limit;
      if (worst < 0 || !(excess <= worstExcess)) {
        worst = i;
        worstExcess = excess;
      }
    }
  }
  if (violations === 0) return undefined;
  return (
    `${violations} of ${ref.length} elements exceed |actual − reference| ≤ ${gate.atol} + ${gate.rtol}·|reference| ` +
    `(worst at flat index ${worst}: reference ${ref[worst]}, actual ${act[worst]})`
  );
}

function checkExact(ref: Float64Array, act: Float64Array): string | undefined {
  let differing = 0;
  let first = -1;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i]!;
    const a = act[i]!;
    if (r === a || (Number.isNaN(r) && Number.isNaN(a))) continue;
    if (first < 0) first = i;
    differing++;
  }
  if (differing === 0) return undefined;
  return `${differing} of ${ref.length} elements differ (first at flat index ${first}: reference ${ref[first]}, actual ${act[first]})`;
}
