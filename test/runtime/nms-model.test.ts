import { describe, expect, it } from 'vitest';
import { boxIou, nonMaximumSuppression, suppressedRows, type SuppressionSettings } from '../../src/runtime/nms-model.js';
import { makeTensor } from '../../src/tensor/tensor.js';

const settings = (extra: Partial<SuppressionSettings> = {}): SuppressionSettings => ({ iouThreshold: 0.5, confidenceThreshold: 0.25, perClass: false, ...extra });

/** Boxes (cx, cy, w, h) as one flat array. */
const boxes = (...rows: [number, number, number, number][]): Float32Array => Float32Array.from(rows.flat());

describe('the NonMaximumSuppression model', () => {
  it('measures IoU on (cx, cy, w, h) boxes: 1 for the same box, 1/7 for half-overlapping unit squares, 0 apart or without area', () => {
    const c = boxes([0, 0, 2, 2], [0, 0, 2, 2], [1, 0, 2, 2], [5, 5, 1, 1], [0, 0, 0, 2]);
    expect(boxIou(c, 0, 1)).toBe(1);
    expect(boxIou(c, 0, 2)).toBeCloseTo(2 / 6, 12);
    expect(boxIou(c, 0, 3)).toBe(0);
    expect(boxIou(c, 0, 4)).toBe(0);
  });

  it('drops boxes below the confidence threshold but keeps one exactly at it, and never keeps a NaN score', () => {
    const conf = Float32Array.from([0.25, 0.2499, NaN, 0.9]);
    const c = boxes([0, 0, 1, 1], [3, 0, 1, 1], [6, 0, 1, 1], [9, 0, 1, 1]);
    expect(suppressedRows(conf, 1, c, settings())).toEqual([3, 0]);
  });

  it('orders by descending confidence, the lower row first on equal confidences', () => {
    const conf = Float32Array.from([0.5, 0.7, 0.5, 0.9]);
    const c = boxes([0, 0, 1, 1], [3, 0, 1, 1], [6, 0, 1, 1], [9, 0, 1, 1]);
    expect(suppressedRows(conf, 1, c, settings())).toEqual([3, 1, 0, 2]);
  });

  it('suppresses a box whose IoU with a kept one exceeds the threshold, not one exactly at it; threshold 1 suppresses nothing', () => {
    // IoU of rows 0 and 1 is exactly 1/3 (half-overlapping 2×2 squares); rows 0 and 2 are the same box.
    const conf = Float32Array.from([0.9, 0.8, 0.7]);
    const c = boxes([0, 0, 2, 2], [1, 0, 2, 2], [0, 0, 2, 2]);
    expect(suppressedRows(conf, 1, c, settings({ iouThreshold: 1 / 3 }))).toEqual([0, 1]);
    expect(suppressedRows(conf, 1, c, settings({ iouThreshold: 0.3 }))).toEqual([0]);
    expect(suppressedRows(conf, 1, c, settings({ iouThreshold: 1 }))).toEqual([0, 1, 2]);
  });

  it('per class, suppresses only among boxes of the same argmax class; class-agnostic, across classes', () => {
    // Two boxes on the same spot, one of class 0 and one of class 1, and a weaker class-0 copy.
    const conf = Float32Array.from([0.9, 0.1, 0.2, 0.8, 0.6, 0.0]);
    const c = boxes([0, 0, 1, 1], [0, 0, 1, 1], [0, 0, 1, 1]);
    expect(suppressedRows(conf, 2, c, settings({ perClass: true }))).toEqual([0, 1]);
    expect(suppressedRows(conf, 2, c, settings({ perClass: false }))).toEqual([0]);
  });

  it('takes the first class on equal class confidences as the label', () => {
    const conf = Float32Array.from([0.5, 0.5, 0.0, 0.5, 0.4, 0.0]);
    const c = boxes([0, 0, 1, 1], [0, 0, 1, 1]);
    // Both rows are class 0: the second is suppressed even per class.
    expect(suppressedRows(conf, 3, c, settings({ perClass: true }))).toEqual([0]);
  });

  it('returns at most the stated maximum, the most confident first, and pads to the stated minimum with zero rows', () => {
    const conf = makeTensor('float32', [4, 2], Float32Array.from([0.3, 0.1, 0.1, 0.9, 0.8, 0.1, 0.5, 0.2]));
    const coords = makeTensor('float32', [4, 4], boxes([0, 0, 1, 1], [3, 0, 1, 1], [6, 0, 1, 1], [9, 0, 1, 1]));
    const capped = nonMaximumSuppression(conf, coords, settings({ maxBoxes: 2 }));
    expect(Array.from(capped.confidence.data as Float32Array)).toEqual(Array.from(Float32Array.from([0.1, 0.9, 0.8, 0.1])));
    expect(Array.from(capped.coordinates.data as Float32Array)).toEqual([3, 0, 1, 1, 6, 0, 1, 1]);
    const padded = nonMaximumSuppression(conf, coords, settings({ confidenceThreshold: 0.85, minBoxes: 3 }));
    expect(padded.confidence.shape).toEqual([3, 2]);
    expect(Array.from(padded.coordinates.data as Float32Array)).toEqual([3, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('refuses confidence and coordinates of different row counts', () => {
    const conf = makeTensor('float32', [2, 2], new Float32Array(4));
    const coords = makeTensor('float32', [3, 4], new Float32Array(12));
    expect(() => nonMaximumSuppression(conf, coords, settings())).toThrow(/confidence \[N, C\] and coordinates \[N, 4\]/);
  });
});
