import type { OnnxModel } from '../../../src/onnx/ir.js';
import { GraphBuilder, int32s, int64s, scalar } from './graph.js';

/**
 * A small Keras convnet in the shape tf2onnx writes it at opset 12: an NHWC input
 * with a Transpose into NCHW before every Conv and back after it (tf2onnx's optimizer
 * leaves the pairs around ops it does not push transposes through), ReLU6 as Clip
 * with constant inputs, a SAME-padded strided Conv as auto_pad SAME_UPPER, a tf.pad
 * whose paddings come from shape arithmetic in int32 (Shape → Cast → Gather → Sub →
 * Div → Unsqueeze → Concat → Reshape → Transpose → Reshape → Cast to int64, exactly
 * how tf2onnx rewrites TF's [rank, 2] paddings into ONNX's pads), a centre crop whose
 * Slice starts come from Shape → Gather → Sub → Div, ReduceMean with keepdims and
 * Squeeze/Unsqueeze with `axes` attributes (opset ≤ 12), Dense as MatMul + Add, and
 * TF tensor names with ":0" and a dynamic batch named "unk__N".
 */
export function tf2onnxKerasNet(): OnnxModel {
  const g = new GraphBuilder('StatefulPartitionedCall/model/', 1200);
  const toNchw = (x: string): string => g.op('Transpose', [x], { perm: [0, 3, 1, 2] });
  const toNhwc = (x: string): string => g.op('Transpose', [x], { perm: [0, 2, 3, 1] });
  const relu6 = (x: string): string => g.op('Clip', [x, g.init(scalar('float32', 0)), g.init(scalar('float32', 6))]);
  const unsqueeze0 = (x: string): string => g.op('Unsqueeze', [x], { axes: [0] });
  const dim = (shape: string, axis: number, dtype: 'int32' | 'int64'): string => g.op('Gather', [shape, g.init(scalar(dtype, axis))], { axis: 0 });

  // conv2d (SAME, stride 2) + batch norm + ReLU6, in NCHW between transposes.
  const stem = g.op('Conv', [toNchw('input_1:0'), g.convWeight(8, 3, 3), g.weight([8], 0.1)], { kernel_shape: [3, 3], strides: [2, 2], auto_pad: 'SAME_UPPER' });
  const bn = g.op('BatchNormalization', [stem, ...g.batchNormParams(8)], { epsilon: 1e-3 }, ['epsilon']);
  const features = toNhwc(relu6(bn)); // [1, 16, 16, 8]

  // tf.pad(features, [[0,0],[top,bottom],[left,right],[0,0]]) to 18×18, paddings computed in int32.
  const shape32 = g.op('Cast', [g.op('Shape', [features])], { to: 6 });
  const side = (axis: number): string => {
    const total = g.op('Sub', [g.init(scalar('int32', 18)), dim(shape32, axis, 'int32')]);
    const before = g.op('Div', [total, g.init(scalar('int32', 2))]);
    return g.op('Concat', [unsqueeze0(before), unsqueeze0(g.op('Sub', [total, before]))], { axis: 0 });
  };
  const zeros = g.init(int32s([0, 0]));
  const paddings = g.op('Reshape', [g.op('Concat', [zeros, side(1), side(2), zeros], { axis: 0 }), g.init(int64s([4, 2]))]);
  const pads = g.op('Cast', [g.op('Reshape', [g.op('Transpose', [paddings], { perm: [1, 0] }), g.init(int64s([-1]))])], { to: 7 });
  const padded = g.op('Pad', [features, pads, g.init(scalar('float32', 0))], { mode: 'constant' }); // [1, 18, 18, 8]

  // depthwise conv2d (VALID) + ReLU.
  const depthwise = toNhwc(g.op('Relu', [g.op('Conv', [toNchw(padded), g.convWeight(8, 1, 3)], { kernel_shape: [3, 3], group: 8, pads: [0, 0, 0, 0] })]));

  // centre crop to 12×12: begin = (h − 12) / 2 from the runtime shape.
  const shape64 = g.op('Shape', [depthwise]);
  const offset = (axis: number): string => unsqueeze0(g.op('Div', [g.op('Sub', [dim(shape64, axis, 'int64'), g.init(scalar('int64', 12))]), g.init(scalar('int64', 2))]));
  const starts = g.op('Concat', [offset(1), offset(2)], { axis: 0 });
  const ends = g.op('Add', [starts, g.init(int64s([12, 12]))]);
  const cropped = g.op('Slice', [depthwise, starts, ends, g.init(int64s([1, 2]))]); // [1, 12, 12, 8]

  // channel attention in NHWC: mean over H, W (keepdims 0), Dense, Unsqueeze back, sigmoid gate.
  const mean = g.op('ReduceMean', [cropped], { axes: [1, 2], keepdims: 0 });
  const gate = g.op('Sigmoid', [g.op('Unsqueeze', [g.op('MatMul', [mean, g.weight([8, 8], 0.6)])], { axes: [1, 2] })]);
  const attended = g.op('Mul', [cropped, gate]);

  // 1×1 conv head, global average pool as ReduceMean keepdims 1 + Squeeze, Dense + softmax.
  const head = toNhwc(g.op('Relu', [g.op('Conv', [toNchw(attended), g.convWeight(16, 8, 1), g.weight([16], 0.1)], { kernel_shape: [1, 1] })]));
  const pooled = g.op('Squeeze', [g.op('ReduceMean', [head], { axes: [1, 2], keepdims: 1 })], { axes: [1, 2] });
  const logits = g.op('Add', [g.op('MatMul', [pooled, g.weight([16, 10], 3)]), g.weight([10], 0.1)]);
  g.output(g.op('Softmax', [logits], { axis: 1 }), 'Identity:0');
  g.output(head, 'Identity_1:0');
  return g.build({
    inputs: [{ name: 'input_1:0', dtype: 'float32', shape: ['unk__618', 32, 32, 3] }],
    outputs: [
      { name: 'Identity:0', dtype: 'float32', shape: ['unk__619', 10] },
      { name: 'Identity_1:0', dtype: 'float32', shape: ['unk__620', 12, 12, 16] },
    ],
    opset: 12,
    producer: 'tf2onnx',
  });
}
