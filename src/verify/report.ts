import type { Gate } from '../parity/gates.js';
import type { OutputMetrics } from '../parity/metrics.js';
import type { OutputVerdict } from '../parity/verdict.js';
import type { DetectionResult, Fp32OpsSummary, OutputResult } from '../report/schema.js';
import type { FirstDivergence } from './divergence.js';
import type { DType } from '../tensor/dtype.js';

/**
 * One output's line in the verification report (the JSON the CLI prints with --json):
 * the fields of a pipeline report's output line, with the dtype as a MIL dtype, top-5
 * agreement beside top-1, and no `exact` flag.
 *
 * Numbers that are not finite cannot be written as JSON, so they are `null`:
 * - for a passing output a null `snrDb`/`psnrDb` means the outputs are identical
 *   (no noise: infinite SNR and PSNR);
 * - for a failing output, null metrics mean they could not be computed (shape mismatch)
 *   or are infinite (NaN/Inf in the output, all-zero reference); `reason` says which.
 * `top1Agreement`/`top5Agreement` are null when the output is not class scores
 * (see parity/top-k.ts). With several test data sets every metric is the worst over the sets.
 */
export interface VerifyOutputReport extends Omit<OutputResult, 'dtype' | 'exact'> {
  dtype: DType;
  top5Agreement: number | null;
}

export interface VerifyReport {
  /** True when every output passed its gate on every data set. */
  pass: boolean;
  /** Which engine produced the Core ML numbers; on Linux always this project's interpreter. */
  engine: 'reference interpreter';
  /** The gate requested or picked from the package; integer outputs are held to exact equality regardless. */
  gate: Gate;
  /** Names of the data sets the package ran on (test data sets, or the seeded inputs). */
  dataSets: string[];
  outputs: VerifyOutputReport[];
  /**
   * Present when an fp16 or compressed package failed: the first op where it leaves the
   * fp32 program (the ONNX model converted at fp32 with --onnx, else the package's own
   * program computed in fp32); null when no op stands out; absent when the package passed,
   * computes in fp32 only, or the trace could not run.
   */
  firstDivergence?: FirstDivergence | null;
  /** Present when an fp16 package computes some ops in fp32 (mixed precision): which. */
  fp32Ops?: Fp32OpsSummary;
}

/** The worst of several numbers where higher is worse; NaN (unknown) is worst of all. */
function worstHigh(a: number, b: number): number {
  return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b);
}

/** The worst of several numbers where lower is worse; NaN (unknown) is worst of all. */
function worstLow(a: number, b: number): number {
  return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b);
}

function worstAgreement(a: number | null, b: number | null): number | null {
  return a === null || b === null ? (a ?? b) : Math.min(a, b);
}

/** Folds the verdict of one more data set into the running worst case of an output. */
export function foldVerdict(worst: OutputVerdict | undefined, next: OutputVerdict, dataSet: string, multipleSets: boolean): OutputVerdict {
  const labelled = next.pass || !multipleSets ? next : { ...next, reason: `${dataSet}: ${next.reason ?? 'failed'}` };
  if (!worst) return labelled;
  const a = worst.metrics;
  const b = labelled.metrics;
  const metrics = {
    ...a,
    maxAbsError: worstHigh(a.maxAbsError, b.maxAbsError),
    maxRelError: worstHigh(a.maxRelError, b.maxRelError),
    meanAbsError: worstHigh(a.meanAbsError, b.meanAbsError),
    snrDb: worstLow(a.snrDb, b.snrDb),
    psnrDb: worstLow(a.psnrDb, b.psnrDb),
    cosine: worstLow(a.cosine, b.cosine),
    top1Agreement: worstAgreement(a.top1Agreement, b.top1Agreement),
    top5Agreement: worstAgreement(a.top5Agreement, b.top5Agreement),
  };
  const reason = worst.reason ?? labelled.reason;
  const pass = worst.pass && labelled.pass;
  return reason === undefined ? { metrics, gate: worst.gate, pass } : { metrics, gate: worst.gate, pass, reason };
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** The metric fields a report line shares with the pipeline report's, as JSON can hold them (see VerifyOutputReport). */
export type ReportedMetrics = Pick<OutputResult, 'maxAbsError' | 'maxRelError' | 'meanAbsError' | 'snrDb' | 'psnrDb' | 'cosine' | 'top1Agreement'>;

export function reportedMetrics(m: OutputMetrics): ReportedMetrics {
  return {
    maxAbsError: finiteOrNull(m.maxAbsError),
    maxRelError: finiteOrNull(m.maxRelError),
    meanAbsError: finiteOrNull(m.meanAbsError),
    snrDb: finiteOrNull(m.snrDb),
    psnrDb: finiteOrNull(m.psnrDb),
    cosine: finiteOrNull(m.cosine),
    top1Agreement: m.top1Agreement,
  };
}

export function outputReport(name: string, dtype: DType, verdict: OutputVerdict, detection?: DetectionResult): VerifyOutputReport {
  const m = verdict.metrics;
  const line: VerifyOutputReport = {
    name,
    shape: m.actualShape,
    dtype,
    ...reportedMetrics(m),
    top5Agreement: m.top5Agreement,
    pass: verdict.pass,
  };
  if (verdict.reason !== undefined) line.reason = verdict.reason;
  if (detection !== undefined) line.detection = detection;
  return line;
}
