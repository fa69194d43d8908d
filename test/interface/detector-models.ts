import type { OnnxModel } from '../../src/onnx/ir.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';

/**
 * Small detector heads in the layouts `--nms` reads, built for the tests: a 3×3 conv over
 * the input gives one box per pixel, so boxes and scores follow the image. Sigmoids keep
 * scores in 0..1 and make boxes positive; constants scale them to pixels.
 */

const SIZE = 16;
const ANCHORS = SIZE * SIZE;

function ramp(shape: number[], scale: number, phase = 0.3): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return makeTensor('float32', shape, Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + phase) * scale));
}

const i64 = (values: number[]): Tensor => makeTensor('int64', [values.length], BigInt64Array.from(values.map(BigInt)));

/**
 * conv 3×3 (3 → channels) → sigmoid → [1, channels, N]: per pixel, one row of raw values in
 * 0..1. Score channels (from `scoresFrom` on) start from a negative bias, so, as in a
 * trained detector, most rows score low and a few stand out.
 */
function head(channels: number, scoresFrom: number, scoreBias = -1.8) {
  const bias = Float32Array.from({ length: channels }, (_, c) => (c < scoresFrom ? Math.sin(c * 1.7 + 1.1) : scoreBias));
  return {
    nodes: [
      node('Conv', ['images', 'W', 'B'], ['conv'], { pads: [1, 1, 1, 1], kernel_shape: [3, 3] }),
      node('Reshape', ['conv', 'flat_shape'], ['flat']),
      node('Sigmoid', ['flat'], ['act']),
    ],
    initializers: { W: ramp([channels, 3, 3, 3], 0.5), B: makeTensor('float32', [channels], bias), flat_shape: i64([1, channels, ANCHORS]) },
  };
}

/**
 * YOLOv8-style: one `output0` [1, 4 + C, N], boxes (cx, cy, w, h) in pixels of a 16×16
 * image, then class scores.
 */
export function yolov8Detector(classes: number): OnnxModel {
  const channels = 4 + classes;
  const h = head(channels, 4);
  const scale = Float32Array.from({ length: channels }, (_, c) => (c < 2 ? SIZE : c < 4 ? SIZE / 4 : 1));
  return model({
    nodes: [...h.nodes, node('Mul', ['act', 'scale'], ['output0'])],
    inputs: [valueInfo('images', 'float32', [1, 3, SIZE, SIZE])],
    outputs: [valueInfo('output0', 'float32', [1, channels, ANCHORS])],
    initializers: { ...h.initializers, scale: makeTensor('float32', [1, channels, 1], scale) },
  });
}

/**
 * YOLOv5-style: one `output` [1, N, 5 + C]: boxes as corners (x1, y1, x2, y2) in pixels,
 * objectness, class scores. As in YOLO, each box sits at its own grid cell: its top-left
 * corner is the cell's position plus up to 2 pixels, its size 2 to 6 pixels.
 */
export function yolov5Detector(classes: number): OnnxModel {
  const channels = 5 + classes;
  const h = head(channels, 5);
  return model({
    nodes: [
      ...h.nodes,
      node('Transpose', ['act'], ['rows'], { perm: [0, 2, 1] }),
      node('Slice', ['rows', 'at0', 'at2', 'axis2'], ['corner01']),
      node('Slice', ['rows', 'at2', 'at4', 'axis2'], ['extent01']),
      node('Slice', ['rows', 'at4', 'atEnd', 'axis2'], ['scores']),
      node('Mul', ['corner01', 'cornerScale'], ['offset']),
      node('Add', ['offset', 'grid'], ['corner']),
      node('Mul', ['extent01', 'extentScale'], ['extent0']),
      node('Add', ['extent0', 'minExtent'], ['extent']),
      node('Add', ['corner', 'extent'], ['far']),
      node('Concat', ['corner', 'far', 'scores'], ['output'], { axis: 2 }),
    ],
    inputs: [valueInfo('images', 'float32', [1, 3, SIZE, SIZE])],
    outputs: [valueInfo('output', 'float32', [1, ANCHORS, channels])],
    initializers: {
      ...h.initializers,
      at0: i64([0]), at2: i64([2]), at4: i64([4]), atEnd: i64([channels]), axis2: i64([2]),
      cornerScale: makeTensor('float32', [1], Float32Array.of(2)),
      grid: makeTensor('float32', [1, ANCHORS, 2], Float32Array.from({ length: ANCHORS * 2 }, (_, i) => (i % 2 === 0 ? Math.floor(i / 2) % SIZE : Math.floor(i / 2 / SIZE)))),
      extentScale: makeTensor('float32', [1], Float32Array.of(4)),
      minExtent: makeTensor('float32', [1], Float32Array.of(2)),
    },
  });
}

/**
 * Two outputs: `boxes` [1, N, 4] (cx, cy, w, h, normalized 0..1) and `scores` [1, N, C],
 * from a plain float input (no image).
 */
export function separateDetector(classes: number): OnnxModel {
  const channels = 4 + classes;
  const h = head(channels, 4);
  return model({
    nodes: [
      ...h.nodes,
      node('Transpose', ['act'], ['rows'], { perm: [0, 2, 1] }),
      node('Slice', ['rows', 'at0', 'at4', 'axis2'], ['unit_boxes']),
      node('Mul', ['unit_boxes', 'boxScale'], ['boxes']),
      node('Slice', ['rows', 'at4', 'atEnd', 'axis2'], ['scores']),
    ],
    inputs: [valueInfo('images', 'float32', [1, 3, SIZE, SIZE])],
    outputs: [valueInfo('boxes', 'float32', [1, ANCHORS, 4]), valueInfo('scores', 'float32', [1, ANCHORS, classes])],
    initializers: {
      ...h.initializers,
      at0: i64([0]), at4: i64([4]), atEnd: i64([channels]), axis2: i64([2]),
      boxScale: makeTensor('float32', [1, 1, 4], Float32Array.of(1, 1, 0.3, 0.3)),
    },
  });
}
