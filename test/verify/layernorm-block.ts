import { encodeOnnxModel } from '../../src/onnx/encode.js';
import type { OnnxModel } from '../../src/onnx/ir.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';
import { seededUniform } from '../helpers/seeded.js';

/**
 * A transformer-style block whose LayerNorm is written out by hand, as older exporters
 * and hand-rolled models do: ReduceMean, Sub, Pow 2, ReduceMean, Add eps, Sqrt, Div, then
 * the scale and shift, a ReLU feed-forward layer and a residual Add. The projection in
 * front of it makes activations of a few hundred, so the squared deviations reach ~1e5,
 * beyond fp16's 65504: the variance overflows in fp16 whatever the converter does.
 */

export const SEQUENCE = 16;
export const HIDDEN = 64;

function weight(rows: number, cols: number, seed: number, scale: number): Tensor {
  return makeTensor('float32', [rows, cols], seededUniform(rows * cols, seed).map((v) => v * scale));
}

function vector(n: number, seed: number, scale: number, offset = 0): Tensor {
  return makeTensor('float32', [n], seededUniform(n, seed).map((v) => v * scale + offset));
}

/** `projectionScale` sets the activations' size: 60 makes them a few hundred (std ≈ 280), 1 a few units. */
export function layerNormBlock(projectionScale = 60): OnnxModel {
  return model({
    opset: 13,
    inputs: [valueInfo('x', 'float32', [1, SEQUENCE, HIDDEN])],
    outputs: [valueInfo('y', 'float32', [1, SEQUENCE, HIDDEN])],
    initializers: {
      w_in: weight(HIDDEN, HIDDEN, 11, projectionScale),
      b_in: vector(HIDDEN, 12, projectionScale),
      two: makeTensor('float32', [], Float32Array.of(2)),
      eps: makeTensor('float32', [], Float32Array.of(1e-5)),
      gamma: vector(HIDDEN, 13, 0.2, 1),
      beta: vector(HIDDEN, 14, 0.1),
      w_ff: weight(HIDDEN, HIDDEN, 15, 0.25),
      b_ff: vector(HIDDEN, 16, 0.1),
      w_out: weight(HIDDEN, HIDDEN, 17, 0.25),
    },
    nodes: [
      node('MatMul', ['x', 'w_in'], ['proj']),
      node('Add', ['proj', 'b_in'], ['h']),
      node('ReduceMean', ['h'], ['mean'], { axes: [-1], keepdims: 1 }),
      node('Sub', ['h', 'mean'], ['centered']),
      node('Pow', ['centered', 'two'], ['squared']),
      node('ReduceMean', ['squared'], ['variance'], { axes: [-1], keepdims: 1 }),
      node('Add', ['variance', 'eps'], ['variance_eps']),
      node('Sqrt', ['variance_eps'], ['std']),
      node('Div', ['centered', 'std'], ['normalized']),
      node('Mul', ['normalized', 'gamma'], ['scaled']),
      node('Add', ['scaled', 'beta'], ['ln']),
      node('MatMul', ['ln', 'w_ff'], ['ff_proj']),
      node('Add', ['ff_proj', 'b_ff'], ['ff_pre']),
      node('Relu', ['ff_pre'], ['ff']),
      node('MatMul', ['ff', 'w_out'], ['ff_out']),
      node('Add', ['ff_out', 'ln'], ['y']),
    ],
  });
}

export function layerNormBlockBytes(projectionScale = 60): Uint8Array {
  return encodeOnnxModel(layerNormBlock(projectionScale));
}
