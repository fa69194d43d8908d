import type { OnnxModel, OnnxNode } from '../../src/onnx/ir.js';
import { mulberry32 } from '../../src/tensor/random.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';

/**
 * A text-detection network as Paddle2ONNX writes it (opset 11): a Conv /
 * BatchNormalization / HardSigmoid-swish backbone, then a head that upsamples
 * with ConvTranspose (one plain, one grouped), each followed by
 * BatchNormalization, a 1×1 Conv to one channel, Sigmoid and a bilinear
 * Resize. The weights are drawn like trained ones: per output channel, the
 * magnitudes spread over a factor of ~30 and the batch norm after the layer
 * rescales every channel back to unit variance, so a channel's relative
 * weight error reaches the outputs unscaled, whatever its magnitude. One
 * channel in eight is "decayed" (weights around 1e-6, as weight decay leaves
 * the channels a batch norm makes scale-invariant): below fp16's normal
 * range, where a quantization scale of max|w|/127 rounds to zero in fp16.
 */

export const DETECTOR_INPUT = { name: 'x', shape: [1, 3, 64, 64] } as const;

interface Layer {
  nodes: OnnxNode[];
  initializers: Record<string, Tensor>;
}

function gaussian(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Standard deviation of a decayed channel's weights. */
const DECAYED_STD = 1e-6;

/**
 * A weight whose `channelAxis` slices have standard deviations spread
 * log-uniformly over [1/30, 1]·base, every eighth channel decayed; returns
 * the weight and each channel's std.
 */
function spreadWeight(random: () => number, shape: number[], channelAxis: number, base: number): { weight: Tensor; std: Float64Array } {
  const channels = shape[channelAxis]!;
  const std = Float64Array.from({ length: channels }, (_, c) => (c % 8 === 5 ? DECAYED_STD : base * 30 ** -random()));
  const inner = shape.slice(channelAxis + 1).reduce((a, d) => a * d, 1);
  const data = new Float32Array(shape.reduce((a, d) => a * d, 1));
  for (let i = 0; i < data.length; i++) data[i] = gaussian(random) * std[Math.floor(i / inner) % channels]!;
  return { weight: makeTensor('float32', shape, data), std };
}

/** BatchNormalization whose running variance is what the preceding layer produces from unit-variance inputs. */
function batchNorm(random: () => number, name: string, input: string, outStd: Float64Array): Layer {
  const c = outStd.length;
  const f = (values: (i: number) => number): Tensor => makeTensor('float32', [c], Float32Array.from({ length: c }, (_, i) => values(i)));
  return {
    nodes: [node('BatchNormalization', [input, `${name}_g`, `${name}_b`, `${name}_m`, `${name}_v`], [name], { epsilon: 1e-5 }, ['epsilon'])],
    initializers: {
      [`${name}_g`]: f(() => 0.5 + random()),
      [`${name}_b`]: f(() => (random() - 0.5) * 0.4),
      [`${name}_m`]: f((i) => (random() - 0.5) * 0.2 * outStd[i]!),
      [`${name}_v`]: f((i) => outStd[i]! ** 2),
    },
  };
}

function conv(random: () => number, name: string, input: string, cin: number, cout: number, k: number, stride: number): { layer: Layer; outStd: Float64Array } {
  const fanIn = cin * k * k;
  const { weight, std } = spreadWeight(random, [cout, cin, k, k], 0, 1 / Math.sqrt(fanIn));
  const pad = (k - 1) / 2;
  return {
    layer: { nodes: [node('Conv', [input, `${name}_w`], [name], { kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad] })], initializers: { [`${name}_w`]: weight } },
    outStd: std.map((s) => s * Math.sqrt(fanIn)),
  };
}

/** ConvTranspose with kernel = stride = 2; weight [C_in, C_out/groups, 2, 2], output channels along axis 1 (and groups along axis 0). */
function convTranspose(random: () => number, name: string, input: string, cin: number, cout: number, groups: number): { layer: Layer; outStd: Float64Array } {
  const perGroup = cout / groups;
  const { weight, std } = spreadWeight(random, [cin, perGroup, 2, 2], 1, Math.sqrt(groups / cin));
  // Each output pixel reads one kernel tap of every input channel of its group.
  const fanIn = cin / groups;
  const outStd = Float64Array.from({ length: cout }, (_, o) => std[o % perGroup]! * Math.sqrt(fanIn));
  return {
    layer: { nodes: [node('ConvTranspose', [input, `${name}_w`], [name], { kernel_shape: [2, 2], strides: [2, 2], group: groups })], initializers: { [`${name}_w`]: weight } },
    outStd,
  };
}

/** x · HardSigmoid(x) with Paddle's slope 1/6 (hard-swish as Paddle2ONNX writes it). */
function hardSwish(name: string, input: string): Layer {
  return {
    nodes: [node('HardSigmoid', [input], [`${name}_gate`], { alpha: 1 / 6, beta: 0.5 }, ['alpha', 'beta']), node('Mul', [input, `${name}_gate`], [name])],
    initializers: {},
  };
}

export function convTransposeDetector(seed: number): OnnxModel {
  const random = mulberry32(seed);
  const layers: Layer[] = [];
  const stage = (built: { layer: Layer; outStd: Float64Array }, bn: string, act: 'swish' | 'relu'): string => {
    layers.push(built.layer);
    const convOut = built.layer.nodes[built.layer.nodes.length - 1]!.outputs[0]!;
    layers.push(batchNorm(random, bn, convOut, built.outStd));
    const out = `${bn}_act`;
    layers.push(act === 'swish' ? hardSwish(out, bn) : { nodes: [node('Relu', [bn], [out])], initializers: {} });
    return out;
  };
  let x: string = DETECTOR_INPUT.name;
  x = stage(conv(random, 'stem', x, 3, 32, 3, 2), 'stem_bn', 'swish');
  x = stage(conv(random, 'down', x, 32, 64, 3, 2), 'down_bn', 'swish');
  x = stage(conv(random, 'mid', x, 64, 64, 3, 1), 'mid_bn', 'swish');
  x = stage(convTranspose(random, 'up1', x, 64, 64, 1), 'up1_bn', 'relu');
  x = stage(convTranspose(random, 'up2', x, 64, 64, 4), 'up2_bn', 'relu');
  const head = conv(random, 'head', x, 64, 1, 1, 1);
  layers.push(head.layer);
  layers.push({
    nodes: [
      node('Sigmoid', ['head'], ['prob']),
      node('Resize', ['prob', 'roi', 'scales'], ['y'], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }),
    ],
    initializers: {
      roi: makeTensor('float32', [0], new Float32Array(0)),
      scales: makeTensor('float32', [4], Float32Array.from([1, 1, 0.5, 0.5])),
    },
  });
  return model({
    nodes: layers.flatMap((l) => l.nodes),
    inputs: [valueInfo(DETECTOR_INPUT.name, 'float32', [...DETECTOR_INPUT.shape])],
    outputs: [valueInfo('y', 'float32', [1, 1, 32, 32])],
    initializers: Object.assign({}, ...layers.map((l) => l.initializers)) as Record<string, Tensor>,
    opset: 11,
  });
}
