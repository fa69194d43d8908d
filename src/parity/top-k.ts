/**
 * Top-k agreement for class-score outputs.
 *
 * Rule for "class scores": drop every axis of size 1; what is left must be either
 * `[C]` (one row) or `[N, C]` (N rows), with C ≥ 2 classes along the last axis.
 * Anything else (feature maps, sequences, single values) has no top-k agreement.
 *
 * - top-1 agreement: share of rows whose arg-max class is the same in both tensors.
 * - top-5 agreement: share of rows where the reference's arg-max class is among the
 *   actual's five highest scores. Only reported when C > 5; with 5 classes or fewer
 *   it would always be 1.
 *
 * Arg-max ties go to the lowest index; NaN counts as the highest score (as in numpy),
 * so a NaN in the actual row makes top-1 disagree unless the reference has it too.
 */
export interface ClassAgreement {
  top1: number | null;
  top5: number | null;
}

export interface ClassScoreLayout {
  rows: number;
  classes: number;
}

export function classScoreLayout(shape: readonly number[]): ClassScoreLayout | null {
  const kept = shape.filter((d) => d !== 1);
  if (kept.length === 1 && kept[0]! >= 2) return { rows: 1, classes: kept[0]! };
  if (kept.length === 2 && kept[1]! >= 2) return { rows: kept[0]!, classes: kept[1]! };
  return null;
}

export function classAgreement(shape: readonly number[], ref: Float64Array, act: Float64Array): ClassAgreement {
  const layout = classScoreLayout(shape);
  if (!layout || layout.rows === 0) return { top1: null, top5: null };
  const { rows, classes } = layout;
  let top1 = 0;
  let top5 = 0;
  for (let row = 0; row < rows; row++) {
    const start = row * classes;
    const refRow = ref.subarray(start, start + classes);
    const actRow = act.subarray(start, start + classes);
    const refBest = argMax(refRow);
    if (argMax(actRow) === refBest) top1++;
    if (rankOf(actRow, refBest) < 5) top5++;
  }
  return { top1: top1 / rows, top5: classes > 5 ? top5 / rows : null };
}

function argMax(row: Float64Array): number {
  let best = 0;
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    if (Number.isNaN(v)) return i;
    if (v > row[best]!) best = i;
  }
  return best;
}

/** How many scores in `row` rank above the one at `index` (0 = it is the highest). */
function rankOf(row: Float64Array, index: number): number {
  const score = row[index]!;
  if (Number.isNaN(score)) return 0;
  let above = 0;
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    if (v > score || Number.isNaN(v)) above++;
  }
  return above;
}
