import { describe, expect, it } from 'vitest';
import type { MilOpset } from '../../src/mil/ir.js';
import { f32, flag, int, runOp, scalar, values } from './build.js';

/** Boxes as (cx, cy, w, h) rows; scores as one row of K class scores per box. */
interface Case {
  boxes: number[][];
  scores: number[][];
  iou: number;
  score?: number;
  max: number;
  perClass?: boolean;
}

/** non_maximum_suppression at iOS15 on one batch: boxes, scores, indices and count. */
function nms15(c: Case): { boxes: number[]; scores: number[]; indices: number[]; count: number } {
  const n = c.boxes.length;
  const k = c.scores[0]!.length;
  const out = runOp(
    'non_maximum_suppression',
    {
      boxes: f32([1, n, 4], c.boxes.flat()),
      scores: f32([1, n, k], c.scores.flat()),
      iou_threshold: scalar(c.iou),
      score_threshold: scalar(c.score ?? -1e30),
      max_boxes: int(c.max),
      per_class_suppression: flag(c.perClass ?? false),
    },
    [
      { dtype: 'float32', shape: [1, c.max, 4] },
      { dtype: 'float32', shape: [1, c.max, k] },
      { dtype: 'int32', shape: [1, c.max] },
      { dtype: 'int32', shape: [1] },
    ],
    'CoreML5',
  );
  return { boxes: values(out[0]!), scores: values(out[1]!), indices: values(out[2]!), count: values(out[3]!)[0]! };
}

const oneClass = (scores: number[]) => scores.map((s) => [s]);

describe('non_maximum_suppression (iOS15)', () => {
  it("gives Apple's smoke-test outputs (iOS15/test_tensor_operation.py TestNonMaximumSuppression)", () => {
    const r = nms15({
      boxes: [[0, 0, 0, 0], [1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]],
      scores: oneClass([-3.5, 9.4, 2.3, 0.7]),
      iou: 0.2, score: 0.4, max: 2, perClass: true,
    });
    expect(r.boxes).toEqual([1, 1, 1, 1, 2, 2, 2, 2]);
    expect(r.scores.map((v) => Math.fround(v))).toEqual([Math.fround(9.4), Math.fround(2.3)]);
    expect(r.indices).toEqual([1, 2]);
    expect(r.count).toBe(2);
  });

  // A = [0,2]×[0,2], B = [0,2]×[0,1]: intersection 2, union 4, IoU exactly 0.5.
  const overlapping = { boxes: [[1, 1, 2, 2], [1, 0.5, 2, 1], [10, 10, 2, 2]], scores: oneClass([0.9, 0.8, 0.7]) };

  it('suppresses a box only when its IoU with a kept box is above the threshold, not at it', () => {
    expect(nms15({ ...overlapping, iou: 0.5, max: 3 }).indices).toEqual([0, 1, 2]);
    expect(nms15({ ...overlapping, iou: 0.49, max: 3 }).indices).toEqual([0, 2, -1]);
  });

  it('drops boxes whose score is not above score_threshold and pads with 0 and -1', () => {
    const r = nms15({ ...overlapping, iou: 0.9, score: 0.75, max: 4 });
    expect(r.indices).toEqual([0, 1, -1, -1]);
    expect(r.count).toBe(2);
    expect(r.boxes.slice(8)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(r.scores.slice(2)).toEqual([0, 0]);
    // A score equal to the threshold is dropped too.
    expect(nms15({ ...overlapping, iou: 0.9, score: Math.fround(0.8), max: 4 }).indices).toEqual([0, -1, -1, -1]);
  });

  it('takes equal scores in box order, so the lower index wins a tie', () => {
    const r = nms15({ boxes: [[5, 5, 2, 2], [1, 1, 2, 2], [1, 1, 2, 2]], scores: oneClass([0.5, 0.5, 0.5]), iou: 0.5, max: 3 });
    expect(r.indices).toEqual([0, 1, -1]);
  });

  it('stops at max_boxes, highest scores first', () => {
    const r = nms15({ boxes: [[0, 0, 1, 1], [5, 5, 1, 1], [10, 10, 1, 1]], scores: oneClass([0.1, 0.3, 0.2]), iou: 0.5, max: 2 });
    expect(r.indices).toEqual([1, 2]);
    expect(r.count).toBe(2);
  });

  it('scores a box by its best class and, per class, lets only boxes of that class suppress it', () => {
    // Same box twice; box 0 is class 0, box 1 class 1 (its best score, 0.8, is its class-1 score).
    const c = { boxes: [[1, 1, 2, 2], [1, 1, 2, 2]], scores: [[0.9, 0.1], [0.2, 0.8]], iou: 0.5, max: 2 };
    expect(nms15({ ...c, perClass: false }).indices).toEqual([0, -1]);
    const perClass = nms15({ ...c, perClass: true });
    expect(perClass.indices).toEqual([0, 1]);
    expect(perClass.scores).toEqual([0.9, 0.1, 0.2, 0.8].map(Math.fround));
  });

  it('returns the best box alone when the score threshold leaves none', () => {
    const r = nms15({ boxes: [[0, 0, 1, 1], [5, 5, 1, 1]], scores: oneClass([0.1, 0.3]), iou: 0.5, score: 0.5, max: 2 });
    expect(r.indices).toEqual([1, -1]);
    expect(r.count).toBe(1);
  });

  it('treats boxes of zero area as overlapping nothing', () => {
    expect(nms15({ boxes: [[1, 1, 0, 0], [1, 1, 0, 0]], scores: oneClass([0.9, 0.8]), iou: 0, max: 2 }).indices).toEqual([0, 1]);
  });

  it('suppresses each batch on its own', () => {
    const out = runOp(
      'non_maximum_suppression',
      {
        boxes: f32([2, 2, 4], [1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, 2, 9, 9, 2, 2]),
        scores: f32([2, 2, 1], [0.9, 0.8, 0.3, 0.4]),
        iou_threshold: scalar(0.5), score_threshold: scalar(0), max_boxes: int(2),
      },
      [{ dtype: 'float32', shape: [2, 2, 4] }, { dtype: 'float32', shape: [2, 2, 1] }, { dtype: 'int32', shape: [2, 2] }, { dtype: 'int32', shape: [2] }],
      'CoreML5',
    );
    expect(values(out[2]!)).toEqual([0, -1, 1, 0]);
    expect(values(out[3]!)).toEqual([1, 2]);
  });
});

describe('non_maximum_suppression (iOS17)', () => {
  it('reads and writes the box axis last and returns no count', () => {
    const opset: MilOpset = 'CoreML7';
    // The overlapping pair above, transposed: boxes [1, 4, 3], scores [1, 1, 3].
    const out = runOp(
      'non_maximum_suppression',
      {
        boxes: f32([1, 4, 3], [1, 1, 10, 1, 0.5, 10, 2, 2, 2, 2, 1, 2]),
        scores: f32([1, 1, 3], [0.9, 0.8, 0.7]),
        iou_threshold: scalar(0.49), max_boxes: int(3),
      },
      [{ dtype: 'float32', shape: [1, 4, 3] }, { dtype: 'float32', shape: [1, 1, 3] }, { dtype: 'int32', shape: [1, 3] }],
      opset,
    );
    expect(out).toHaveLength(3);
    expect(values(out[2]!)).toEqual([0, 2, -1]);
    expect(values(out[0]!)).toEqual([1, 10, 0, 1, 10, 0, 2, 2, 0, 2, 2, 0]);
    expect(values(out[1]!).map(Math.fround)).toEqual([0.9, 0.7, 0].map(Math.fround));
  });
});
