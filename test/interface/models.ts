import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeOnnxModel } from '../../src/onnx/encode.js';
import type { OnnxModel } from '../../src/onnx/ir.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';

/** Small image models written for the interface tests. */

function ramp(shape: number[], scale: number): ReturnType<typeof makeTensor<'float32'>> {
  const n = shape.reduce((a, b) => a * b, 1);
  return makeTensor('float32', shape, Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + 0.3) * scale));
}

/**
 * An image classifier: [1, 3, 8, 8] → conv 3→4 → relu → global average pool → flatten →
 * gemm 4→5 (→ softmax when `softmax`) → `scores` [1, 5].
 */
export function imageClassifier(softmax: boolean): OnnxModel {
  const nodes = [
    node('Conv', ['input', 'W', 'B'], ['c'], { pads: [1, 1, 1, 1], kernel_shape: [3, 3] }),
    node('Relu', ['c'], ['r']),
    node('GlobalAveragePool', ['r'], ['g']),
    node('Flatten', ['g'], ['f']),
    node('Gemm', ['f', 'G', 'H'], [softmax ? 'logits' : 'scores']),
    ...(softmax ? [node('Softmax', ['logits'], ['scores'], { axis: -1 })] : []),
  ];
  const m = model({
    nodes,
    inputs: [valueInfo('input', 'float32', [1, 3, 8, 8])],
    outputs: [valueInfo('scores', 'float32', [1, 5])],
    initializers: { W: ramp([4, 3, 3, 3], 0.5), B: ramp([4], 0.1), G: ramp([4, 5], 2), H: ramp([5], 0.2) },
  });
  return { ...m, docString: 'a tiny image classifier', modelVersion: 3, metadata: new Map([['license', 'from-model']]) };
}

/** A segmentation model: [1, 3, 8, 8] → conv 3→1 → sigmoid → `mask` [1, 1, 8, 8] in 0..1. */
export function segmenter(): OnnxModel {
  return model({
    nodes: [node('Conv', ['input', 'W'], ['c'], { pads: [1, 1, 1, 1], kernel_shape: [3, 3] }), node('Sigmoid', ['c'], ['mask'])],
    inputs: [valueInfo('input', 'float32', [1, 3, 8, 8])],
    outputs: [valueInfo('mask', 'float32', [1, 1, 8, 8])],
    initializers: { W: ramp([1, 3, 3, 3], 0.8) },
  });
}

export function writeModel(dir: string, name: string, m: OnnxModel): string {
  const path = join(dir, name);
  writeFileSync(path, encodeOnnxModel(m));
  return path;
}

/**
 * An image model with two outputs named as old torch exports name them, by number, in an
 * order that is not numeric: "63" ([1, 2, 8, 8], a conv) before "44" ([1, 2], its pooled
 * values). A record keyed by these names lists "44" first.
 */
export function numberedOutputs(): OnnxModel {
  return model({
    nodes: [
      node('Conv', ['input', 'W'], ['63'], { pads: [1, 1, 1, 1], kernel_shape: [3, 3] }),
      node('GlobalAveragePool', ['63'], ['p']),
      node('Flatten', ['p'], ['44']),
    ],
    inputs: [valueInfo('input', 'float32', [1, 3, 8, 8])],
    outputs: [valueInfo('63', 'float32', [1, 2, 8, 8]), valueInfo('44', 'float32', [1, 2])],
    initializers: { W: ramp([2, 3, 3, 3], 0.8) },
  });
}
