import type { OpContext } from '../kernel.js';
import { makeFloat, makeValue, type RtFloatValue, type RtValue } from '../value.js';

/**
 * non_maximum_suppression, as Apple's tests (iOS15/test_tensor_operation.py,
 * TestNonMaximumSuppression, and the TensorFlow-based reference it computes its
 * expected values with) pin it down. Per batch:
 *
 * - a box's score is its highest class score, its class the first class with it;
 * - boxes whose score is not above score_threshold are dropped (iOS15; iOS17 has no threshold);
 * - the rest are taken in descending score order, a tie going to the lower box index,
 *   and a box is kept unless its IoU with a kept box (of its class, with
 *   per_class_suppression) is above iou_threshold; at most max_boxes are kept;
 * - boxes are (centre x, centre y, width, height); a box of zero area overlaps nothing;
 * - when no box is kept, the highest-scoring box is returned alone (count 1);
 * - rows after the kept boxes hold 0 (boxes, scores) and -1 (indices).
 *
 * iOS15 takes boxes [n, B, 4] and scores [n, B, K] and returns boxes [n, M, 4],
 * scores [n, M, K], indices [n, M] and the count [n]; iOS17 puts the box axis last
 * on both sides ([n, 4, B] in, [n, 4, M] out) and returns no count.
 */

interface Layout {
  /** Reads coordinate/score c of box i of one batch from a [.., B, C] or [.., C, B] plane. */
  at(plane: ArrayLike<number>, base: number, i: number, c: number, boxes: number, channels: number): number;
  /** Index in a [M, C] or [C, M] output plane. */
  out(j: number, c: number, rows: number, channels: number): number;
  withThreshold: boolean;
  withCount: boolean;
}

const BOX_AXIS_MIDDLE: Layout = {
  at: (p, base, i, c, _boxes, channels) => p[base + i * channels + c]!,
  out: (j, c, _rows, channels) => j * channels + c,
  withThreshold: true,
  withCount: true,
};

const BOX_AXIS_LAST: Layout = {
  at: (p, base, i, c, boxes) => p[base + c * boxes + i]!,
  out: (j, c, rows) => c * rows + j,
  withThreshold: false,
  withCount: false,
};

interface Corners {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  area: number;
}

function corners(cx: number, cy: number, w: number, h: number): Corners {
  const [x1, x2] = [Math.min(cx - w / 2, cx + w / 2), Math.max(cx - w / 2, cx + w / 2)];
  const [y1, y2] = [Math.min(cy - h / 2, cy + h / 2), Math.max(cy - h / 2, cy + h / 2)];
  return { x1, y1, x2, y2, area: (x2 - x1) * (y2 - y1) };
}

function iou(a: Corners, b: Corners): number {
  if (a.area <= 0 || b.area <= 0) return 0;
  const w = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const h = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const inter = w * h;
  return inter / (a.area + b.area - inter);
}

interface Settings {
  iouThreshold: number;
  scoreThreshold: number;
  maxBoxes: number;
  perClass: boolean;
}

/** The kept box indices of one batch, in output order. */
function selectBoxes(best: Float64Array, classOf: Int32Array, box: (i: number) => Corners, s: Settings): number[] {
  const order = Array.from(best.keys()).filter((i) => best[i]! > s.scoreThreshold);
  order.sort((a, b) => best[b]! - best[a]! || a - b);
  const kept: number[] = [];
  for (const i of order) {
    if (kept.length >= s.maxBoxes) break;
    const overlaps = kept.some((k) => (!s.perClass || classOf[k] === classOf[i]) && iou(box(k), box(i)) > s.iouThreshold);
    if (!overlaps) kept.push(i);
  }
  if (kept.length === 0 && best.length > 0) kept.push(Array.from(best.keys()).reduce((m, i) => (best[i]! > best[m]! ? i : m), 0));
  return kept;
}

export function nonMaximumSuppression(ctx: OpContext): RtValue[] {
  const layout = ctx.opset === 'CoreML5' || ctx.opset === 'CoreML6' ? BOX_AXIS_MIDDLE : BOX_AXIS_LAST;
  const boxes = ctx.float('boxes');
  const scores = ctx.float('scores');
  if (boxes.shape.length !== 3 || scores.shape.length !== 3) ctx.fail('boxes and scores must have rank 3');
  const n = scores.shape[0]!;
  const [count, classes] = layout === BOX_AXIS_MIDDLE ? [scores.shape[1]!, scores.shape[2]!] : [scores.shape[2]!, scores.shape[1]!];
  const settings: Settings = {
    iouThreshold: ctx.num('iou_threshold'),
    scoreThreshold: layout.withThreshold ? ctx.num('score_threshold') : -Infinity,
    maxBoxes: ctx.num('max_boxes'),
    perClass: ctx.bool('per_class_suppression', false),
  };
  const m = settings.maxBoxes;
  const outBoxes = makeFloat(boxes.dtype, layout === BOX_AXIS_MIDDLE ? [n, m, 4] : [n, 4, m]);
  const outScores = makeFloat(scores.dtype, layout === BOX_AXIS_MIDDLE ? [n, m, classes] : [n, classes, m]);
  const outIndices = makeValue('int32', [n, m], new Int32Array(n * m).fill(-1));
  const outCount = makeValue('int32', [n]);
  for (let b = 0; b < n; b++) {
    const kept = suppressBatch(boxes, scores, b, count, classes, layout, settings);
    kept.forEach((i, j) => {
      for (let c = 0; c < 4; c++) outBoxes.data[b * 4 * m + layout.out(j, c, m, 4)] = layout.at(boxes.data, b * 4 * count, i, c, count, 4);
      for (let c = 0; c < classes; c++) outScores.data[b * classes * m + layout.out(j, c, m, classes)] = layout.at(scores.data, b * classes * count, i, c, count, classes);
      outIndices.data[b * m + j] = i;
    });
    outCount.data[b] = kept.length;
  }
  return layout.withCount ? [outBoxes, outScores, outIndices, outCount] : [outBoxes, outScores, outIndices];
}

function suppressBatch(boxes: RtFloatValue, scores: RtFloatValue, b: number, count: number, classes: number, layout: Layout, s: Settings): number[] {
  const best = new Float64Array(count).fill(-Infinity);
  const classOf = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < classes; c++) {
      const v = layout.at(scores.data, b * classes * count, i, c, count, classes);
      if (v > best[i]!) [best[i], classOf[i]] = [v, c];
    }
  }
  const cache = new Map<number, Corners>();
  const box = (i: number): Corners => {
    let found = cache.get(i);
    if (!found) {
      const v = (c: number) => layout.at(boxes.data, b * 4 * count, i, c, count, 4);
      found = corners(v(0), v(1), v(2), v(3));
      cache.set(i, found);
    }
    return found;
  };
  return selectBoxes(best, classOf, box, s);
}
