import type { OnnxModel } from '../../../src/onnx/ir.js';
import { makeTensor } from '../../../src/tensor/tensor.js';
import { floats, GraphBuilder, int64s } from './graph.js';

/** torch.onnx writes "to the end" as INT64_MAX in Slice ends. */
const INT64_MAX = makeTensor('int64', [1], BigInt64Array.of(9223372036854775807n));

/**
 * A small convnet as torch.onnx wrote it at the opsets of torch 1.0–1.4: numbered value
 * names, BatchNormalization with `spatial=1` (opset 7), Upsample with a `scales`
 * attribute (7); `F.interpolate(x, size=...)` as Upsample (9) or Resize(X, scales) (10)
 * whose scales are Shape → Gather → Cast → Div → Concat of the two tensors' sizes; a
 * GLU-style channel split by Slice with attributes (7, 9) or with constant inputs ending
 * at INT64_MAX (10); ReLU6 as Clip with min/max attributes; reflection padding as Pad
 * with a `pads` attribute; Dropout with a `ratio` attribute (and its mask output);
 * `x.view(x.size(0), -1)` as Shape → Gather → Unsqueeze → Concat → Reshape (9), Flatten
 * (7) or a constant Reshape (10); MaxPool with ceil_mode (10); classifier as Gemm with transB.
 */
export function torchLegacyNet(opset: 7 | 9 | 10): OnnxModel {
  const g = new GraphBuilder('', 700 + opset);
  const conv = (x: string, inC: number, outC: number, pad: number): string =>
    g.op('Conv', [x, g.convWeight(outC, inC, 3), g.weight([outC], 0.1)], { dilations: [1, 1], group: 1, kernel_shape: [3, 3], pads: [pad, pad, pad, pad], strides: [1, 1] });
  const batchNorm = (x: string, channels: number): string =>
    g.op('BatchNormalization', [x, ...g.batchNormParams(channels)], { epsilon: 1e-5, momentum: 0.9, ...(opset === 7 ? { spatial: 1 } : {}) }, ['epsilon', 'momentum']);
  const sliceChannels = (x: string, start: number, end: number | 'end'): string => {
    if (opset < 10) return g.op('Slice', [x], { axes: [1], starts: [start], ends: [end === 'end' ? 16 : end] });
    const ends = end === 'end' ? g.constant(INT64_MAX) : g.constant(int64s([end]));
    return g.op('Slice', [x, g.constant(int64s([start])), ends, g.constant(int64s([1])), g.constant(int64s([1]))]);
  };
  // F.interpolate(x, size=like.shape[2:]): scales = size / input size, from the shapes of both.
  const upsampleTo = (x: string, like: string): string => {
    if (opset === 7) return g.op('Upsample', [x], { mode: 'nearest', scales: [1, 1, 2, 2] }, ['scales']);
    const spatial = (v: string, axis: number): string =>
      g.op('Cast', [g.op('Unsqueeze', [g.op('Gather', [g.op('Shape', [v]), g.constant(int64s([axis], []))], { axis: 0 })], { axes: [0] })], { to: 1 });
    const ratio = (axis: number): string => g.op('Div', [spatial(like, axis), spatial(x, axis)]);
    const scales = g.op('Concat', [g.constant(floats([1, 1])), ratio(2), ratio(3)], { axis: 0 });
    return opset === 9 ? g.op('Upsample', [x, scales], { mode: 'nearest' }) : g.op('Resize', [x, scales], { mode: 'nearest' });
  };
  const flatten = (x: string): string => {
    if (opset === 7) return g.op('Flatten', [x], { axis: 1 });
    if (opset === 10) return g.op('Reshape', [x, g.constant(int64s([1, -1]))]);
    const batch = g.op('Unsqueeze', [g.op('Gather', [g.op('Shape', [x]), g.constant(int64s([0], []))], { axis: 0 })], { axes: [0] });
    return g.op('Reshape', [x, g.op('Concat', [batch, g.constant(int64s([-1]))], { axis: 0 })]);
  };
  const dropout = (x: string): string => g.ops('Dropout', [x], { ratio: 0.5 }, ['ratio'], 2)[0]!;

  const r1 = g.op('Relu', [batchNorm(conv('input.1', 3, 8, 1), 8)]); // 24×24
  const p1 =
    opset === 10
      ? g.op('MaxPool', [r1], { ceil_mode: 1, kernel_shape: [3, 3], pads: [0, 0, 0, 0], strides: [2, 2] })
      : g.op('MaxPool', [r1], { kernel_shape: [2, 2], pads: [0, 0, 0, 0], strides: [2, 2] }); // 12×12
  const c2 = g.op('Clip', [batchNorm(conv(p1, 8, 16, 1), 16)], { min: 0, max: 6 }, ['min', 'max']);
  const glu = g.op('Mul', [sliceChannels(c2, 0, 8), g.op('Sigmoid', [sliceChannels(c2, 8, 'end')])]);
  const merged = g.op('Concat', [upsampleTo(glu, r1), r1], { axis: 1 }); // 16 × 24×24
  const padded = g.op('Pad', [merged], { mode: 'reflect', pads: [0, 0, 1, 1, 0, 0, 1, 1] });
  const c3 = g.op('Relu', [conv(padded, 16, 8, 0)]);
  const pooled = dropout(g.op('AveragePool', [c3], { kernel_shape: [2, 2], pads: [0, 0, 0, 0], strides: [2, 2] })); // 8 × 12×12
  const hidden = dropout(g.op('Relu', [g.op('Gemm', [flatten(pooled), g.weight([32, 8 * 12 * 12], 0.05), g.weight([32], 0.1)], { alpha: 1, beta: 1, transB: 1 }, ['alpha', 'beta'])]));
  const logits = g.op('Gemm', [hidden, g.weight([10, 32], 0.3), g.weight([10], 0.1)], { alpha: 1, beta: 1, transB: 1 }, ['alpha', 'beta']);
  g.output(g.op('Softmax', [logits], { axis: 1 }), '63');
  g.output(c3, '44');
  return g.build({
    inputs: [{ name: 'input.1', dtype: 'float32', shape: [1, 3, 24, 24] }],
    outputs: [
      { name: '63', dtype: 'float32', shape: [1, 10] },
      { name: '44', dtype: 'float32', shape: [1, 8, 24, 24] },
    ],
    opset,
    producer: 'pytorch',
    irVersion: opset === 7 ? 3 : 4,
  });
}
