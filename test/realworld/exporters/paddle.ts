import type { OnnxModel } from '../../../src/onnx/ir.js';
import { floats, GraphBuilder, scalar } from './graph.js';

/**
 * A small detector-and-classifier in the shape Paddle2ONNX writes a PaddleOCR /
 * PaddleClas MobileNetV3 backbone: every BatchNormalization left unfolded after its
 * Conv, hard-swish spelled Add → Clip → Mul → Div (Paddle2ONNX below opset 14),
 * HardSigmoid(slope 0.2, offset 0.5) gating a squeeze-excitation block, ReLU6 as Clip,
 * nearest and bilinear upsampling by constant scales (Upsample at opset 9, Resize(X,
 * scales) at 10, Resize(X, roi, scales) at 11, bicubic there), linear layers as MatMul + Add, Paddle's
 * tensor names (with "/" and "." in them), a dynamic batch named "p2o.DynamicDimension.N" and
 * Constant nodes for every small constant.
 */
export function paddleMobileNet(opset: 9 | 10 | 11): OnnxModel {
  const g = new GraphBuilder('', 9000 + opset);
  const clip = (x: string, min: number, max: number): string =>
    opset >= 11 ? g.op('Clip', [x, g.constant(scalar('float32', min)), g.constant(scalar('float32', max))]) : g.op('Clip', [x], { min, max }, ['min', 'max']);
  const batchNorm = (x: string, channels: number): string => g.op('BatchNormalization', [x, ...g.batchNormParams(channels)], { epsilon: 1e-5, momentum: 0.9 }, ['epsilon', 'momentum']);
  const conv = (x: string, inC: number, outC: number, k: number, stride = 1, group = 1, bias = false): string =>
    g.op('Conv', [x, g.convWeight(outC, inC / group, k), ...(bias ? [g.weight([outC], 0.1)] : [])], {
      kernel_shape: [k, k], strides: [stride, stride], pads: Array(4).fill((k - 1) / 2), group, dilations: [1, 1],
    });
  const hardSwish = (x: string): string => {
    const shifted = g.op('Add', [x, g.constant(scalar('float32', 3))]);
    return g.op('Div', [g.op('Mul', [x, clip(shifted, 0, 6)]), g.constant(scalar('float32', 6))]);
  };
  const upsample = (x: string, mode: 'nearest' | 'linear' | 'cubic'): string => {
    const scales = g.constant(floats([1, 1, 2, 2]));
    if (opset === 9) return g.op('Upsample', [x, scales], { mode });
    if (opset === 10) return g.op('Resize', [x, scales], { mode });
    const roi = g.constant(floats([], [0]));
    if (mode === 'nearest') return g.op('Resize', [x, roi, scales], { mode, coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' });
    return g.op('Resize', [x, roi, scales], { mode, coordinate_transformation_mode: 'half_pixel', ...(mode === 'cubic' ? { cubic_coeff_a: -0.75 } : {}) }, ['cubic_coeff_a']);
  };

  const stem = hardSwish(batchNorm(conv('x', 3, 8, 3, 2), 8)); // 16×16
  const depthwise = g.op('Relu', [batchNorm(conv(stem, 8, 8, 3, 1, 8), 8)]);
  const squeezed = g.op('Relu', [conv(g.op('GlobalAveragePool', [depthwise]), 8, 4, 1, 1, 1, true)]);
  const gate = g.op('HardSigmoid', [conv(squeezed, 4, 8, 1, 1, 1, true)], { alpha: 0.2, beta: 0.5 }, ['alpha', 'beta']);
  const excited = g.op('Mul', [depthwise, gate]);
  const c3 = clip(batchNorm(conv(excited, 8, 16, 1), 16), 0, 6);
  const c4 = g.op('Relu', [batchNorm(conv(c3, 16, 16, 3, 2), 16)]); // 8×8
  const fused = g.op('Add', [upsample(c4, 'nearest'), c3]);
  const head = g.op('Relu', [batchNorm(conv(fused, 16, 8, 3), 8)]);
  // PaddleGAN-style heads upsample bicubically; Paddle2ONNX writes that only from opset 11.
  const prob = g.op('Sigmoid', [conv(upsample(head, opset === 11 ? 'cubic' : 'linear'), 8, 1, 1, 1, 1, true)]);
  const pooled = g.op('Flatten', [g.op('GlobalAveragePool', [c4])], { axis: 1 });
  const logits = g.op('Add', [g.op('MatMul', [pooled, g.weight([16, 10], 0.4)]), g.weight([10], 0.1)]);
  const probs = g.op('Softmax', [logits], { axis: 1 });
  const outputs = [
    { name: 'save_infer_model/scale_0.tmp_1', from: prob, shape: ['p2o.DynamicDimension.1', 1, 32, 32] },
    { name: 'save_infer_model/scale_1.tmp_1', from: probs, shape: ['p2o.DynamicDimension.2', 10] },
  ];
  for (const o of outputs) g.output(o.from, o.name);
  return g.build({
    inputs: [{ name: 'x', dtype: 'float32', shape: ['p2o.DynamicDimension.0', 3, 32, 32] }],
    outputs: outputs.map((o) => ({ name: o.name, dtype: 'float32' as const, shape: o.shape })),
    opset,
    producer: 'PaddlePaddle',
  });
}
