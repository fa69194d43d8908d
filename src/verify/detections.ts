import { ToolError } from '../errors.js';
import type { DetectionResult } from '../report/schema.js';
import type { DetectorRecord } from '../interface/index.js';
import { boxIou, nonMaximumSuppression, rowMaxima } from '../runtime/nms-model.js';
import { makeTensor, type Tensor } from '../tensor/tensor.js';

/**
 * Detectors are judged as sets of detections, not element by element: after suppression
 * a box that moves a little can keep or lose a neighbour, so rows shift. The reference is
 * the source model's raw outputs decoded here, from the recorded layout (not from the
 * package's program), and put through the same NonMaximumSuppression the interpreter runs.
 * A package detection matches a reference one of the same class with IoU ≥ 0.9 (each used
 * once, the most confident reference first, its best-overlapping candidate taken);
 * precision is matched / package detections, recall matched / reference detections.
 */

export const MATCH_IOU = 0.9;

/** Precision, recall, counts and the largest errors of matched pairs (0 when none), as the report holds them. */
export type DetectionMetrics = Omit<DetectionResult, keyof DetectionGate>;

/** The least precision and recall a detector's variant must reach. */
export type DetectionGate = Pick<DetectionResult, 'minPrecision' | 'minRecall'>;

/** 0.99 for fp32 (elementwise gate), 0.95 for fp16 and compressed variants. */
export function detectionGateFor(fp32: boolean): DetectionGate {
  return fp32 ? { minPrecision: 0.99, minRecall: 0.99 } : { minPrecision: 0.95, minRecall: 0.95 };
}

const values = (t: Tensor): Float64Array => Float64Array.from(t.data as ArrayLike<number>, Number);

/** Rows (cx, cy, w, h) normalized and class confidences [N, C] from the source model's raw outputs. */
export function decodeRawDetections(record: DetectorRecord, outputs: ReadonlyMap<string, Tensor>): { confidence: Float64Array; coordinates: Float64Array } {
  const get = (name: string): Float64Array => {
    const t = outputs.get(name);
    if (!t) throw new ToolError('REFERENCE', `no reference for detector output "${name}"`);
    return values(t);
  };
  const n = record.boxes;
  const c = record.classes;
  const boxes = new Float64Array(n * 4);
  const confidence = new Float64Array(n * c);
  if (record.layout === 'separate') {
    boxes.set(get(record.outputs[0]!).subarray(0, n * 4));
    confidence.set(get(record.outputs[1]!).subarray(0, n * c));
  } else if (record.layout === 'yolov8') {
    const raw = get(record.outputs[0]!); // [1, 4 + C, N]
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < 4; k++) boxes[r * 4 + k] = raw[k * n + r]!;
      for (let k = 0; k < c; k++) confidence[r * c + k] = raw[(4 + k) * n + r]!;
    }
  } else {
    const raw = get(record.outputs[0]!); // [1, N, 5 + C]
    const width = 5 + c;
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < 4; k++) boxes[r * 4 + k] = raw[r * width + k]!;
      for (let k = 0; k < c; k++) confidence[r * c + k] = raw[r * width + 5 + k]! * raw[r * width + 4]!;
    }
  }
  return { confidence, coordinates: normalizeBoxes(boxes, record) };
}

function normalizeBoxes(boxes: Float64Array, record: DetectorRecord): Float64Array {
  const sx = record.imageSize ? record.imageSize.width : 1;
  const sy = record.imageSize ? record.imageSize.height : 1;
  const out = new Float64Array(boxes.length);
  for (let r = 0; r < boxes.length / 4; r++) {
    const [a, b, c, d] = [boxes[r * 4]!, boxes[r * 4 + 1]!, boxes[r * 4 + 2]!, boxes[r * 4 + 3]!];
    const [cx, cy, w, h] = record.boxFormat === 'xyxy' ? [(a + c) / 2, (b + d) / 2, c - a, d - b] : [a, b, c, d];
    out.set([cx / sx, cy / sy, w / sx, h / sy], r * 4);
  }
  return out;
}

/** The reference detections: the decoded raw outputs through the recorded NonMaximumSuppression. */
export function referenceDetections(record: DetectorRecord, outputs: ReadonlyMap<string, Tensor>): { confidence: Tensor; coordinates: Tensor } {
  const raw = decodeRawDetections(record, outputs);
  const n = record.boxes;
  const { iouThreshold, confidenceThreshold, perClass, maxDetections } = record.nms;
  return nonMaximumSuppression(
    makeTensor('float64', [n, record.classes], raw.confidence),
    makeTensor('float64', [n, 4], raw.coordinates),
    { iouThreshold, confidenceThreshold, perClass, maxBoxes: maxDetections },
  );
}

/** Matches the package's detections with the reference's and measures the sets. */
export function compareDetections(reference: { confidence: Tensor; coordinates: Tensor }, actual: { confidence: Tensor; coordinates: Tensor }): DetectionMetrics {
  const classes = reference.confidence.shape[1] ?? 0;
  if ((actual.confidence.shape[1] ?? 0) !== classes) {
    throw new ToolError('RUNTIME', `the package scores ${actual.confidence.shape[1]} classes, the reference ${classes}`);
  }
  const ref = { conf: values(reference.confidence), box: values(reference.coordinates) };
  const act = { conf: values(actual.confidence), box: values(actual.coordinates) };
  const refBest = rowMaxima(ref.conf, classes);
  const actBest = rowMaxima(act.conf, classes);
  const refCount = refBest.score.length;
  const actCount = actBest.score.length;
  // Both sets in one coordinates array, so boxIou compares a reference row with a package row.
  const boxes = new Float64Array((refCount + actCount) * 4);
  boxes.set(ref.box);
  boxes.set(act.box, refCount * 4);
  const order = [...Array(refCount).keys()].sort((a, b) => refBest.score[b]! - refBest.score[a]! || a - b);
  const used = new Uint8Array(actCount);
  let matched = 0;
  let maxBoxError = 0;
  let maxScoreError = 0;
  for (const r of order) {
    let best = -1;
    let bestIou = MATCH_IOU;
    for (let a = 0; a < actCount; a++) {
      if (used[a] || actBest.label[a] !== refBest.label[r]) continue;
      const iou = boxIou(boxes, r, refCount + a);
      if (iou >= bestIou) {
        best = a;
        bestIou = iou;
      }
    }
    if (best < 0) continue;
    used[best] = 1;
    matched++;
    for (let k = 0; k < 4; k++) maxBoxError = Math.max(maxBoxError, Math.abs(ref.box[r * 4 + k]! - act.box[best * 4 + k]!));
    for (let k = 0; k < classes; k++) maxScoreError = Math.max(maxScoreError, Math.abs(ref.conf[r * classes + k]! - act.conf[best * classes + k]!));
  }
  return {
    precision: actCount === 0 ? (refCount === 0 ? 1 : 0) : matched / actCount,
    recall: refCount === 0 ? 1 : matched / refCount,
    referenceCount: refCount,
    packageCount: actCount,
    matched,
    maxBoxError,
    maxScoreError,
  };
}

/** Why the detections fail the gate, or undefined when they pass. */
export function detectionFailure(m: DetectionMetrics, gate: DetectionGate): string | undefined {
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  const problems: string[] = [];
  if (!(m.precision >= gate.minPrecision)) problems.push(`precision ${pct(m.precision)} < ${pct(gate.minPrecision)}`);
  if (!(m.recall >= gate.minRecall)) problems.push(`recall ${pct(m.recall)} < ${pct(gate.minRecall)}`);
  if (problems.length === 0) return undefined;
  return `detections: ${problems.join(', ')} (${m.matched} of ${m.packageCount} package and ${m.referenceCount} reference boxes matched at IoU ≥ ${MATCH_IOU}, same class)`;
}

/** The worst of two data sets' metrics (counts added up). */
export function worstDetections(a: DetectionMetrics, b: DetectionMetrics): DetectionMetrics {
  return {
    precision: Math.min(a.precision, b.precision),
    recall: Math.min(a.recall, b.recall),
    referenceCount: a.referenceCount + b.referenceCount,
    packageCount: a.packageCount + b.packageCount,
    matched: a.matched + b.matched,
    maxBoxError: Math.max(a.maxBoxError, b.maxBoxError),
    maxScoreError: Math.max(a.maxScoreError, b.maxScoreError),
  };
}
