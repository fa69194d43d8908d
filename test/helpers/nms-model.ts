import type { OnnxModel } from '../../src/onnx/ir.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { model, node, valueInfo } from './onnx-graph.js';

/**
 * A detector tail: box parameters and class logits come from the input through
 * Mul/Add and Sigmoid, so which boxes survive depends on the input; then ONNX
 * NonMaxSuppression, its thresholds constants unless named in `runTime`.
 */

export const BATCHES = 2;
export const CLASSES = 3;
export const BOXES = 12;

export interface DetectorTailOptions {
  centerPointBox?: 0 | 1;
  /** Which NMS inputs are graph inputs instead of constants. */
  runTime?: ('max' | 'iou')[];
  maxPerClass?: number;
}

export function detectorTail(o: DetectorTailOptions = {}): OnnxModel {
  const runTime = new Set(o.runTime ?? []);
  const scalarF = (v: number) => makeTensor('float32', [1], Float32Array.of(v));
  const initializers: Record<string, Tensor> = {
    scale: makeTensor('float32', [1, 1, 4], Float32Array.of(8, 8, 6, 6)),
    shift: makeTensor('float32', [1, 1, 4], Float32Array.of(0, 0, 2, 2)),
    score_threshold: scalarF(0.6),
  };
  if (!runTime.has('max')) initializers['max_per_class'] = makeTensor('int64', [1], BigInt64Array.of(BigInt(o.maxPerClass ?? 6)));
  if (!runTime.has('iou')) initializers['iou_threshold'] = scalarF(0.3);
  const inputs = [valueInfo('raw_boxes', 'float32', [BATCHES, BOXES, 4]), valueInfo('logits', 'float32', [BATCHES, CLASSES, BOXES])];
  if (runTime.has('max')) inputs.push(valueInfo('max_per_class', 'int64', [1]));
  if (runTime.has('iou')) inputs.push(valueInfo('iou_threshold', 'float32', [1]));
  return model({
    nodes: [
      node('Mul', ['raw_boxes', 'scale'], ['scaled']),
      node('Add', ['scaled', 'shift'], ['boxes']),
      node('Sigmoid', ['logits'], ['scores']),
      node('NonMaxSuppression', ['boxes', 'scores', 'max_per_class', 'iou_threshold', 'score_threshold'], ['selected'], { center_point_box: o.centerPointBox ?? 0 }),
    ],
    inputs,
    outputs: [valueInfo('selected', 'int64', ['num_selected', 3])],
    initializers,
    opset: 11,
  });
}

