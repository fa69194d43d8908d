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
  let compared = 0;
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
    compared++;
    squaredError += (b - a) * (b - a);
    squaredReference += a * a;
  }
  const relative = compared === 0 ? NaN : squaredReference > 0 ? Math.sqrt(squaredError / squaredReference) : squaredError === 0 ? 0 : Infinity;
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

const KIND_WORDS: Readonly<Record<DivergenceError['kind'], string>> = {
  overflow: 'overflow to ±inf',
  nan: 'NaN',
  underflow: 'underflow to zero',
  relative: 'relative error',
};

/**
 * One line on a divergence: `pow (ONNX node "Pow_1", output "x"): overflow to ±inf in 512
 * of 1024 values (relative error 0.3); fp32 range [0, 1.2e+05], fp16 range [0, +inf]`.
 * `quote` renders the model's own names for where the line goes (escaped for Markdown, say).
 */
export function describeDivergence(
  d: { op: string; onnxNode: string | null; outputName: string; error: DivergenceError; fp32Range: ValueRange; variantRange: ValueRange },
  variantLabel: string,
  quote: (name: string) => string,
): string {
  const node = d.onnxNode === null ? '' : `ONNX node ${quote(d.onnxNode)}, `;
  const e = d.error;
  const relative = e.relative === null ? 'not finite' : Number(e.relative.toPrecision(2)).toString();
  const what = e.kind === 'relative' ? `relative error ${relative}` : `${KIND_WORDS[e.kind]} in ${e.count} of ${e.elements} values (relative error of the others ${relative})`;
  return `${quote(d.op)} (${node}output ${quote(d.outputName)}): ${what}; fp32 range ${formatRange(d.fp32Range)}, ${variantLabel} range ${formatRange(d.variantRange)}`;
}
