import type { FeatureDescription, NonMaximumSuppressionModel } from '../coreml/model.js';
import { ToolError } from '../errors.js';
import { makeTensor, type Tensor } from '../tensor/tensor.js';

/**
 * Core ML's NonMaximumSuppression model (NonMaximumSuppression.proto, PickTop), read from
 * the proto's own description of the algorithm:
 *  - a box's confidence is its largest class confidence and its label that class (the
 *    first one on equal confidences); boxes below the confidence threshold are dropped
 *    before anything else (a box exactly at the threshold stays);
 *  - the rest are taken by descending confidence (equal confidences: lower row first);
 *    the top one is kept and every later box whose IoU with a kept box exceeds the IoU
 *    threshold is discarded (so an IoU threshold of 1 suppresses nothing); with
 *    `perClass` only boxes of the same label suppress each other;
 *  - kept boxes come out in that order with their whole confidence row and coordinates;
 *    at most the output's stated maximum rows; fewer than its stated minimum are padded
 *    with zero rows.
 * Coordinates are (center x, center y, width, height); a box without area overlaps nothing.
 */

export interface SuppressionSettings {
  iouThreshold: number;
  confidenceThreshold: number;
  perClass: boolean;
  /** Most rows in the output (from its shape or range); unlimited when absent. */
  maxBoxes?: number;
  /** Least rows in the output; missing rows are zeros. */
  minBoxes?: number;
}

type FloatData = Float32Array | Float64Array;

/** IoU of two boxes given as (cx, cy, w, h) at rows `a` and `b` of `coords`. */
export function boxIou(coords: ArrayLike<number>, a: number, b: number): number {
  const [ax0, ay0, ax1, ay1] = corners(coords, a);
  const [bx0, by0, bx1, by1] = corners(coords, b);
  const iw = Math.min(ax1, bx1) - Math.max(ax0, bx0);
  const ih = Math.min(ay1, by1) - Math.max(ay0, by0);
  if (!(iw > 0 && ih > 0)) return 0;
  const inter = iw * ih;
  const union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter;
  return union > 0 ? inter / union : 0;
}

function corners(coords: ArrayLike<number>, row: number): [number, number, number, number] {
  const cx = coords[row * 4]!;
  const cy = coords[row * 4 + 1]!;
  const hw = Math.max(0, coords[row * 4 + 2]!) / 2;
  const hh = Math.max(0, coords[row * 4 + 3]!) / 2;
  return [cx - hw, cy - hh, cx + hw, cy + hh];
}

/** Best confidence and its class (the first on ties) of each row. */
export function rowMaxima(confidence: ArrayLike<number>, classes: number): { score: Float64Array; label: Int32Array } {
  const rows = classes === 0 ? 0 : confidence.length / classes;
  const score = new Float64Array(rows);
  const label = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = -Infinity;
    let at = 0;
    for (let c = 0; c < classes; c++) {
      const v = confidence[r * classes + c]!;
      if (v > best) {
        best = v;
        at = c;
      }
    }
    score[r] = best;
    label[r] = at;
  }
  return { score, label };
}

/** The rows kept, in output order (before padding). */
export function suppressedRows(confidence: ArrayLike<number>, classes: number, coordinates: ArrayLike<number>, settings: SuppressionSettings): number[] {
  const { score, label } = rowMaxima(confidence, classes);
  const candidates: number[] = [];
  // NaN never passes: `!(score < threshold)` would keep it.
  for (let r = 0; r < score.length; r++) if (score[r]! >= settings.confidenceThreshold) candidates.push(r);
  candidates.sort((a, b) => score[b]! - score[a]! || a - b);
  const kept: number[] = [];
  const limit = settings.maxBoxes ?? Infinity;
  for (const r of candidates) {
    if (kept.length >= limit) break;
    const suppressed = kept.some((k) => (!settings.perClass || label[k] === label[r]) && boxIou(coordinates, k, r) > settings.iouThreshold);
    if (!suppressed) kept.push(r);
  }
  return kept;
}

/** Runs the suppression on [N, C] confidences and [N, 4] coordinates; outputs keep the input dtype. */
export function nonMaximumSuppression(confidence: Tensor, coordinates: Tensor, settings: SuppressionSettings): { confidence: Tensor; coordinates: Tensor } {
  if (confidence.shape.length !== 2 || coordinates.shape.length !== 2 || coordinates.shape[1] !== 4 || confidence.shape[0] !== coordinates.shape[0]) {
    throw new ToolError('RUNTIME', `NonMaximumSuppression takes confidence [N, C] and coordinates [N, 4]; got [${confidence.shape.join(', ')}] and [${coordinates.shape.join(', ')}]`);
  }
  const conf = floatData(confidence, 'confidence');
  const coords = floatData(coordinates, 'coordinates');
  const classes = confidence.shape[1]!;
  const kept = suppressedRows(conf, classes, coords, settings);
  const rows = Math.max(kept.length, settings.minBoxes ?? 0);
  const make = (dtype: 'float32' | 'float64', length: number): FloatData => (dtype === 'float32' ? new Float32Array(length) : new Float64Array(length));
  const outConf = make(confidence.dtype as 'float32' | 'float64', rows * classes);
  const outCoords = make(coordinates.dtype as 'float32' | 'float64', rows * 4);
  kept.forEach((r, i) => {
    outConf.set(conf.subarray(r * classes, (r + 1) * classes), i * classes);
    outCoords.set(coords.subarray(r * 4, r * 4 + 4), i * 4);
  });
  return {
    confidence: makeTensor(confidence.dtype as 'float32', [rows, classes], outConf as Float32Array),
    coordinates: makeTensor(coordinates.dtype as 'float32', [rows, 4], outCoords as Float32Array),
  };
}

function floatData(t: Tensor, what: string): FloatData {
  if (t.dtype !== 'float32' && t.dtype !== 'float64') throw new ToolError('RUNTIME', `NonMaximumSuppression ${what} must be float32 or double, got ${t.dtype}`);
  return t.data as FloatData;
}

/** Row bounds an output description states: its fixed shape, or its range on axis 0. */
function rowBounds(output: FeatureDescription | undefined): { minBoxes?: number; maxBoxes?: number } {
  if (output?.type.kind !== 'multiArray') return {};
  const { shape, shapeRange } = output.type;
  if (shapeRange && shapeRange.length === 2) {
    const [lo, hi] = shapeRange[0]!;
    return { minBoxes: lo, ...(hi >= 0 ? { maxBoxes: hi } : {}) };
  }
  if (shape.length === 2) return { minBoxes: shape[0]!, maxBoxes: shape[0]! };
  return {};
}

/** A threshold input as given (a double scalar), else the model's default. */
function thresholdOf(values: ReadonlyMap<string, Tensor>, name: string | undefined, fallback: number): number {
  const given = name === undefined ? undefined : values.get(name);
  if (!given) return fallback;
  const v = Number((given.data as ArrayLike<number>)[0]);
  if (!Number.isFinite(v)) throw new ToolError('RUNTIME', `NonMaximumSuppression input "${name}" is not a finite number`);
  return v;
}

/** Runs a NonMaximumSuppression stage on the values available so far; returns its outputs by name. */
export function runNmsStage(stage: NonMaximumSuppressionModel, values: ReadonlyMap<string, Tensor>): Record<string, Tensor> {
  const need = (name: string): Tensor => {
    const t = values.get(name);
    if (!t) throw new ToolError('RUNTIME', `NonMaximumSuppression input "${name}" was not given`);
    return t;
  };
  const bounds = rowBounds(stage.outputs.find((o) => o.name === stage.confidenceOutput)) ;
  const coordinateBounds = rowBounds(stage.outputs.find((o) => o.name === stage.coordinatesOutput));
  const settings: SuppressionSettings = {
    iouThreshold: thresholdOf(values, stage.iouThresholdInput, stage.iouThreshold),
    confidenceThreshold: thresholdOf(values, stage.confidenceThresholdInput, stage.confidenceThreshold),
    perClass: stage.perClass,
    ...coordinateBounds,
    ...bounds,
  };
  const out = nonMaximumSuppression(need(stage.confidenceInput), need(stage.coordinatesInput), settings);
  return { [stage.confidenceOutput]: out.confidence, [stage.coordinatesOutput]: out.coordinates };
}
