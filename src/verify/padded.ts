import type { RowPaddingRecord } from '../coreml/padded-outputs.js';
import { EXACT_GATE, type Gate } from '../parity/gates.js';
import { compareOutputs } from '../parity/metrics.js';
import { isExactDType } from '../parity/values.js';
import { evaluateOutput, type OutputVerdict, type VerdictOptions } from '../parity/verdict.js';
import { numberAt, type Tensor } from '../tensor/tensor.js';

/**
 * Judging an output padded to a fixed row count (ONNX NonMaxSuppression's
 * selected_indices): its valid rows come first, then rows that hold only the
 * padding value. The reference holds the true rows, as many as the ONNX model
 * selected. The counts must agree — a package that selects another number of
 * boxes fails, naming both counts — and then the valid rows are compared with
 * the reference like any other output.
 */

/** Rows before the first padding row, and whether any row after it is not padding. */
function validRows(actual: Tensor, padValue: number): { count: number; strayRow?: number } {
  const rows = actual.shape[0] ?? 0;
  const width = rows === 0 ? 0 : actual.data.length / rows;
  const isPadding = (r: number) => {
    for (let i = r * width; i < (r + 1) * width; i++) if (numberAt(actual.data, i) !== padValue) return false;
    return true;
  };
  let count = 0;
  while (count < rows && !isPadding(count)) count++;
  for (let r = count; r < rows; r++) if (!isPadding(r)) return { count, strayRow: r };
  return { count };
}

/** The first `count` rows of a tensor. */
function leadingRows(t: Tensor, count: number): Tensor {
  const rows = t.shape[0] ?? 0;
  const width = rows === 0 ? 0 : t.data.length / rows;
  const data = Array.isArray(t.data) ? t.data.slice(0, count * width) : t.data.subarray(0, count * width);
  return { ...t, shape: [count, ...t.shape.slice(1)], data } as Tensor;
}

export function evaluatePaddedOutput(reference: Tensor, actual: Tensor, padding: RowPaddingRecord, gate: Gate, options: VerdictOptions = {}): OutputVerdict {
  if (actual.shape.length === 0 || reference.shape.length !== actual.shape.length) return evaluateOutput(reference, actual, gate, options);
  const { count, strayRow } = validRows(actual, padding.padValue);
  const expected = reference.shape[0]!;
  const valid = leadingRows(actual, count);
  // The gate evaluateOutput would apply: integer indices are held to exact equality.
  const applied = isExactDType(reference) ? EXACT_GATE : gate;
  const fail = (reason: string): OutputVerdict => ({ metrics: compareOutputs(reference, valid), gate: applied, pass: false, reason });
  if (strayRow !== undefined) return fail(`row ${strayRow} follows the padding (${padding.padValue}) after ${count} valid rows but is not padding`);
  if (count !== expected) {
    const bound = expected > padding.rows ? `; the package holds at most ${padding.rows} (--max-detections)` : '';
    return fail(`${count} valid rows in the package, ${expected} in the reference${bound}`);
  }
  return evaluateOutput(reference, valid, gate, options);
}
