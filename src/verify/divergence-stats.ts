/**
 * One intermediate value of a variant against the fp32 program's: what went wrong
 * (overflow, NaN, underflow to zero, or only a relative error) and the ranges of both.
 */

/** A range end as JSON can hold it: infinities are spelled out. */
export type RangeEnd = number | '+inf' | '-inf' | 'nan';
/** [min, max] over the non-NaN values; ['nan', 'nan'] when every value is NaN. */
export type ValueRange = [RangeEnd, RangeEnd];

export interface DivergenceError {
  /**
   * - `overflow`: values are ±inf where fp32 is finite;
   * - `nan`: values are NaN where fp32 is not;
   * - `underflow`: at least 1% of fp32's non-zero values became zero;
   * - `relative`: none of these, only the relative error.
   */
  kind: 'overflow' | 'nan' | 'underflow' | 'relative';
  /** ‖variant − fp32‖₂ / ‖fp32‖₂ over the elements finite in both; null when not finite. */
  relative: number | null;
  /** Elements that overflowed, became NaN or underflowed (by `kind`); 0 for `relative`. */
  count: number;
  elements: number;
}

export interface ValueComparison {
  error: DivergenceError;
  fp32Range: ValueRange;
  variantRange: ValueRange;
}

/** Share of fp32's non-zero values that must be flushed to zero before it counts as underflow. */
const UNDERFLOW_SHARE = 0.01;

export function compareValues(reference: Float32Array, actual: Float32Array): ValueComparison {
  let squaredError = 0;
  let squaredReference = 0;
  let overflow = 0;
  let nan = 0;
  let flushed = 0;
  let nonZero = 0;
  for (let i = 0; i < reference.length; i++) {
    const a = reference[i]!;
    const b = actual[i]!;
    if (Number.isFinite(a) && !Number.isFinite(b)) {
      if (Number.isNaN(b)) nan++;
      else overflow++;
      continue;
    }
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    if (a !== 0) {
      nonZero++;
      if (b === 0) flushed++;
    }
    squaredError += (b - a) * (b - a);
    squaredReference += a * a;
  }
  const relative = squaredReference > 0 ? Math.sqrt(squaredError / squaredReference) : squaredError === 0 ? 0 : Infinity;
  const kind: DivergenceError['kind'] = nan > 0 ? 'nan' : overflow > 0 ? 'overflow' : nonZero > 0 && flushed >= UNDERFLOW_SHARE * nonZero ? 'underflow' : 'relative';
  const count = { nan, overflow, underflow: flushed, relative: 0 }[kind];
  return {
    error: { kind, relative: Number.isFinite(relative) ? relative : null, count, elements: reference.length },
    fp32Range: rangeOf(reference),
    variantRange: rangeOf(actual),
  };
}

function rangeOf(data: Float32Array): ValueRange {
  let min = Infinity;
  let max = -Infinity;
  let any = false;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (Number.isNaN(v)) continue;
    any = true;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return any ? [rangeEnd(min), rangeEnd(max)] : ['nan', 'nan'];
}

function rangeEnd(v: number): RangeEnd {
  if (v === Infinity) return '+inf';
  if (v === -Infinity) return '-inf';
  return v;
}

/** A range for one line of text: `[-3.2, 1.2e5]`. */
export function formatRange([min, max]: ValueRange): string {
  const f = (v: RangeEnd): string => (typeof v === 'number' ? Number(v.toPrecision(3)).toString() : v);
  return `[${f(min)}, ${f(max)}]`;
}
