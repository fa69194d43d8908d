import { formatShape, sameShape, type Tensor } from '../tensor/tensor.js';
import { classAgreement } from './top-k.js';
import { isExactDType, tensorValues } from './values.js';

/**
 * How far a Core ML output is from its reference, element by element and as a whole.
 *
 * Definitions (all computed in float64 over the decoded values):
 * - `maxAbsError` = max |actual − reference|; `meanAbsError` its mean.
 * - `maxRelError` = max |actual − reference| / |reference| over the elements whose
 *   reference is not zero (where the reference is exactly zero only the absolute
 *   error says anything; a ReLU's zeros would otherwise make it infinite).
 * - `snrDb` = 10·log10(Σ reference² / Σ (actual − reference)²).
 * - `psnrDb` = 20·log10(max |reference| / RMSE). Both are +Infinity when the outputs are
 *   identical, −Infinity when the reference is all zeros and the actual is not.
 * - `cosine` = cosine similarity of the two tensors as vectors (1 when both are all zeros).
 * - `top1Agreement`/`top5Agreement`: see `classAgreement`; null when the output is not class scores.
 * - `exactMatch`: for integer and bool outputs, whether every element is equal; null for floats.
 *
 * NaN and ±Inf: an element where both tensors hold NaN, or the same infinity, counts as equal.
 * Any other element where either side is not finite is a non-finite mismatch; then the error
 * metrics are infinite (the dB values −Infinity, cosine NaN) and `failure` says where, so every
 * gate fails. A shape mismatch also sets `failure`, with the error metrics NaN.
 */
export interface OutputMetrics {
  referenceShape: number[];
  actualShape: number[];
  elementCount: number;
  maxAbsError: number;
  maxRelError: number;
  meanAbsError: number;
  snrDb: number;
  psnrDb: number;
  cosine: number;
  top1Agreement: number | null;
  top5Agreement: number | null;
  exactMatch: boolean | null;
  nonFiniteMismatches: number;
  /** A problem that fails the output under every gate (shape mismatch, NaN/Inf mismatch); null otherwise. */
  failure: string | null;
}

export function compareOutputs(reference: Tensor, actual: Tensor): OutputMetrics {
  if (!sameShape(reference.shape, actual.shape)) return shapeMismatchMetrics(reference, actual);
  return compareDecoded(reference, actual, tensorValues(reference), tensorValues(actual));
}

/** Same as `compareOutputs` for tensors of equal shape whose values are already decoded. */
export function compareDecoded(reference: Tensor, actual: Tensor, ref: Float64Array, act: Float64Array): OutputMetrics {
  const sums = accumulateErrors(ref, act);
  const exact = isExactDType(reference) || isExactDType(actual);
  const agreement = exact ? { top1: null, top5: null } : classAgreement(reference.shape, ref, act);
  const base = {
    referenceShape: [...reference.shape],
    actualShape: [...actual.shape],
    elementCount: ref.length,
    top1Agreement: agreement.top1,
    top5Agreement: agreement.top5,
    exactMatch: exact ? sums.equalCount === ref.length : null,
    nonFiniteMismatches: sums.nonFiniteMismatches,
  };
  if (sums.nonFiniteMismatches > 0) {
    return {
      ...base,
      maxAbsError: Infinity,
      maxRelError: Infinity,
      meanAbsError: Infinity,
      snrDb: -Infinity,
      psnrDb: -Infinity,
      cosine: NaN,
      failure: describeNonFinite(sums, ref, act),
    };
  }
  return { ...base, ...summarize(sums), failure: null };
}

interface ErrorSums {
  maxAbs: number;
  maxRel: number;
  sumAbs: number;
  sumSqErr: number;
  sumSqRef: number;
  sumSqAct: number;
  dot: number;
  maxAbsRef: number;
  finiteCount: number;
  equalCount: number;
  nonFiniteMismatches: number;
  firstMismatch: number;
}

function accumulateErrors(ref: Float64Array, act: Float64Array): ErrorSums {
  const s: ErrorSums = {
    maxAbs: 0, maxRel: 0, sumAbs: 0, sumSqErr: 0, sumSqRef: 0, sumSqAct: 0, dot: 0,
    maxAbsRef: 0, finiteCount: 0, equalCount: 0, nonFiniteMismatches: 0, firstMismatch: -1,
  };
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i]!;
    const a = act[i]!;
    if (!Number.isFinite(r) || !Number.isFinite(a)) {
      if (sameNonFinite(r, a)) {
        s.equalCount++;
      } else {
        if (s.nonFiniteMismatches === 0) s.firstMismatch = i;
        s.nonFiniteMismatches++;
      }
      continue;
    }
    const d = Math.abs(a - r);
    const absRef = Math.abs(r);
    if (d === 0) s.equalCount++;
    if (d > s.maxAbs) s.maxAbs = d;
    if (absRef > 0 && d / absRef > s.maxRel) s.maxRel = d / absRef;
    if (absRef > s.maxAbsRef) s.maxAbsRef = absRef;
    s.sumAbs += d;
    s.sumSqErr += d * d;
    s.sumSqRef += r * r;
    s.sumSqAct += a * a;
    s.dot += r * a;
    s.finiteCount++;
  }
  return s;
}

function sameNonFinite(r: number, a: number): boolean {
  return (Number.isNaN(r) && Number.isNaN(a)) || r === a;
}

type SummaryMetrics = Pick<OutputMetrics, 'maxAbsError' | 'maxRelError' | 'meanAbsError' | 'snrDb' | 'psnrDb' | 'cosine'>;

function summarize(s: ErrorSums): SummaryMetrics {
  const n = s.finiteCount;
  const rmse = n > 0 ? Math.sqrt(s.sumSqErr / n) : 0;
  return {
    maxAbsError: s.maxAbs,
    maxRelError: s.maxRel,
    meanAbsError: n > 0 ? s.sumAbs / n : 0,
    // log10(0) is -Infinity, which is the right answer for an all-zero reference with errors.
    snrDb: s.sumSqErr === 0 ? Infinity : 10 * Math.log10(s.sumSqRef / s.sumSqErr),
    psnrDb: rmse === 0 ? Infinity : 20 * Math.log10(s.maxAbsRef / rmse),
    cosine: cosineOf(s),
  };
}

function cosineOf(s: ErrorSums): number {
  const normRef = Math.sqrt(s.sumSqRef);
  const normAct = Math.sqrt(s.sumSqAct);
  if (normRef === 0 && normAct === 0) return 1;
  if (normRef === 0 || normAct === 0) return 0;
  // Rounding can push the ratio a hair past ±1.
  return Math.max(-1, Math.min(1, s.dot / (normRef * normAct)));
}

function describeNonFinite(s: ErrorSums, ref: Float64Array, act: Float64Array): string {
  const i = s.firstMismatch;
  return (
    `${s.nonFiniteMismatches} of ${ref.length} elements are NaN or infinite where the other side is not ` +
    `(first at flat index ${i}: reference ${ref[i]}, actual ${act[i]})`
  );
}

function shapeMismatchMetrics(reference: Tensor, actual: Tensor): OutputMetrics {
  return {
    referenceShape: [...reference.shape],
    actualShape: [...actual.shape],
    elementCount: reference.data.length,
    maxAbsError: NaN,
    maxRelError: NaN,
    meanAbsError: NaN,
    snrDb: NaN,
    psnrDb: NaN,
    cosine: NaN,
    top1Agreement: null,
    top5Agreement: null,
    exactMatch: isExactDType(reference) ? false : null,
    nonFiniteMismatches: 0,
    failure: `shape ${formatShape(actual.shape)} differs from the reference shape ${formatShape(reference.shape)}`,
  };
}
