import type { OnnxModel, OnnxNode } from '../../src/onnx/ir.js';
import { mulberry32 } from '../../src/tensor/random.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';

/**
 * A DBNet-style text detector written the way Paddle2ONNX exports one at
 * opset 11, built by hand with seeded weights: a MobileNetV3-like backbone
 * (Conv without bias → BatchNormalization left unfolded → hard-swish as
 * Add/Clip/Mul/Div, depthwise convs, squeeze-excitation gated by HardSigmoid
 * with Paddle's slope 1/6), a DB-FPN neck (1×1 lateral convs, nearest and
 * bilinear Resize by scales and by sizes computed from Shape, Concat), and a
 * DB head (Conv → BN → ReLU → ConvTranspose stride 2 (one grouped) → BN →
 * ReLU → ConvTranspose stride 2 with bias → Sigmoid) for the shrink and
 * threshold maps, plus the differentiable binarization
 * 1 / (1 + exp(−50 · (shrink − threshold))). N, H and W are dynamic, as
 * Paddle2ONNX leaves them.
 *
 * The BatchNormalization statistics are what training leaves: non-zero
 * means, variances from 1e-4 (near-dead channels whose conv weights are tiny)
 * to several hundred (channels with large weights), epsilon 1e-5, and conv
 * weights of Kaiming magnitude scaled per output channel to match.
 */

/** Standard normal values from a seeded uniform stream (Box–Muller). */
function normals(n: number, random: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const a = 2 * Math.PI * random();
    out[i] = r * Math.cos(a);
    if (i + 1 < n) out[i + 1] = r * Math.sin(a);
  }
  return out;
}

const i64 = (values: number[]): Tensor => makeTensor('int64', [values.length], BigInt64Array.from(values.map(BigInt)));
const f32 = (shape: number[], values: ArrayLike<number>): Tensor => makeTensor('float32', shape, Float32Array.from(values));

class PaddleStyleGraph {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: Record<string, Tensor> = {};
  private readonly counters = new Map<string, number>();
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = mulberry32(seed);
  }

  /** Paddle's names: <op>_<n>.tmp_0 for outputs, <op>_<n>.w_k / .b_0 for parameters. */
  private next(op: string): string {
    const n = this.counters.get(op) ?? 0;
    this.counters.set(op, n + 1);
    return `${op}_${n}`;
  }

  private add(opType: string, inputs: string[], outputs: string[], attrs: Parameters<typeof node>[3] = {}, floats: string[] = []): void {
    const n = node(opType, inputs, outputs, attrs, floats);
    this.nodes.push({ ...n, name: `p2o.${opType}.${this.nodes.length}` });
  }

  private constant(name: string, t: Tensor): string {
    this.initializers[name] = t;
    return name;
  }

  private uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.random();
  }

  /**
   * Per-output-channel gains for a conv followed by BatchNormalization: most
   * channels near 1, about one in eight nearly dead (gain ~1e-2, variance
   * ~1e-4) and one in eight large (gain 5–15, variance up to a few hundred).
   */
  private channelGains(channels: number, large: [number, number] = [5, 15], largeKinds: readonly number[] = [6]): Float32Array {
    const gains = new Float32Array(channels);
    for (let c = 0; c < channels; c++) {
      const kind = c % 8;
      gains[c] = kind === 3 ? this.uniform(0.005, 0.02) : largeKinds.includes(kind) ? this.uniform(large[0], large[1]) : this.uniform(0.5, 1.5);
    }
    return gains;
  }

  /** Conv weight of Kaiming magnitude, each output channel scaled by its gain. */
  private convWeight(name: string, shape: number[], gains?: Float32Array): string {
    const [out, inPerGroup, ...kernel] = shape as [number, number, ...number[]];
    const fanIn = inPerGroup * kernel.reduce((a, b) => a * b, 1);
    const std = Math.sqrt(2 / fanIn);
    const w = normals(shape.reduce((a, b) => a * b, 1), this.random);
    const perChannel = w.length / out;
    for (let i = 0; i < w.length; i++) w[i] = w[i]! * std * (gains ? gains[Math.floor(i / perChannel)]! : 1);
    return this.constant(name, f32(shape, w));
  }

  /** Conv without bias, as Paddle writes a conv that a batch norm follows. */
  conv(x: string, inC: number, outC: number, k: number, options: { stride?: number; group?: number; gains?: Float32Array; bias?: boolean } = {}): string {
    const name = this.next('conv2d');
    const group = options.group ?? 1;
    const w = this.convWeight(`${name}.w_0`, [outC, inC / group, k, k], options.gains);
    const inputs = [x, w];
    if (options.bias) inputs.push(this.constant(`${name}.b_0`, f32([outC], normals(outC, this.random).map((v) => 0.1 * v))));
    const y = `${name}.tmp_0`;
    const pad = (k - 1) >> 1;
    this.add('Conv', inputs, [y], { dilations: [1, 1], group, kernel_shape: [k, k], pads: [pad, pad, pad, pad], strides: [options.stride ?? 1, options.stride ?? 1] });
    return y;
  }

  /** BatchNormalization with statistics consistent with the gains of the conv before it. */
  batchNorm(x: string, gains: Float32Array, inputScale = 1, largeGamma = 1): string {
    const name = this.next('batch_norm');
    const channels = gains.length;
    const variance = new Float32Array(channels);
    const mean = new Float32Array(channels);
    const gamma = new Float32Array(channels);
    const beta = new Float32Array(channels);
    for (let c = 0; c < channels; c++) {
      variance[c] = Math.max(1e-4, (gains[c]! * inputScale) ** 2 * this.uniform(0.5, 2));
      mean[c] = Math.sqrt(variance[c]!) * this.uniform(-1, 1);
      gamma[c] = this.uniform(0.3, 1.7) * (c % 5 === 2 ? -1 : 1) * (c % 8 === 6 ? largeGamma : 1);
      beta[c] = this.uniform(-0.8, 0.8);
    }
    const inputs = [x, ...[['w_0', gamma], ['b_0', beta], ['w_1', mean], ['w_2', variance]].map(([suffix, v]) => this.constant(`${name}.${suffix as string}`, f32([channels], v as Float32Array)))];
    const y = `${name}.tmp_2`;
    this.add('BatchNormalization', inputs, [y], { epsilon: 1e-5, momentum: 0.9 }, ['epsilon', 'momentum']);
    return y;
  }

  convBn(x: string, inC: number, outC: number, k: number, options: { stride?: number; group?: number } = {}): string {
    const gains = this.channelGains(outC);
    return this.batchNorm(this.conv(x, inC, outC, k, { ...options, gains }), gains);
  }

  /** hard_swish as Paddle2ONNX writes it below opset 14: x · clip(x + 3, 0, 6) / 6. */
  hardSwish(x: string): string {
    const name = this.next('hardswish');
    const three = this.constant(`${name}.offset`, f32([1], [3]));
    const zero = this.constant(`${name}.min`, f32([], [0]));
    const six = this.constant(`${name}.max`, f32([], [6]));
    const scale = this.constant(`${name}.scale`, f32([1], [6]));
    this.add('Add', [x, three], [`${name}.shifted`]);
    this.add('Clip', [`${name}.shifted`, zero, six], [`${name}.clipped`]);
    this.add('Mul', [x, `${name}.clipped`], [`${name}.gated`]);
    this.add('Div', [`${name}.gated`, scale], [`${name}.tmp_0`]);
    return `${name}.tmp_0`;
  }

  relu(x: string): string {
    const y = `${this.next('relu')}.tmp_0`;
    this.add('Relu', [x], [y]);
    return y;
  }

  /** Squeeze-excitation: global pool, two 1×1 convs with bias, HardSigmoid(slope 1/6, offset 0.5), channel gate. */
  squeezeExcite(x: string, channels: number): string {
    const pooled = `${this.next('pool2d')}.tmp_0`;
    this.add('GlobalAveragePool', [x], [pooled]);
    const squeezed = this.relu(this.conv(pooled, channels, Math.max(2, channels / 4), 1, { bias: true }));
    const excited = this.conv(squeezed, Math.max(2, channels / 4), channels, 1, { bias: true });
    const gate = `${this.next('hardsigmoid')}.tmp_0`;
    this.add('HardSigmoid', [excited], [gate], { alpha: 0.1666667, beta: 0.5 }, ['alpha', 'beta']);
    const y = `${this.next('elementwise_mul')}.tmp_0`;
    this.add('Mul', [x, gate], [y]);
    return y;
  }

  /** MobileNetV3 inverted residual: expand 1×1, depthwise k×k, optional SE, project 1×1; residual when shapes agree. */
  residualUnit(x: string, inC: number, midC: number, outC: number, k: number, stride: number, se: boolean): string {
    let y = this.hardSwish(this.convBn(x, inC, midC, 1));
    y = this.hardSwish(this.convBn(y, midC, midC, k, { stride, group: midC }));
    if (se) y = this.squeezeExcite(y, midC);
    y = this.convBn(y, midC, outC, 1);
    if (stride !== 1 || inC !== outC) return y;
    const sum = `${this.next('elementwise_add')}.tmp_0`;
    this.add('Add', [x, y], [sum]);
    return sum;
  }

  /** Resize by constant scales (opset 11: X, roi, scales). */
  resizeByScale(x: string, factor: number, mode: 'nearest' | 'linear'): string {
    const name = this.next('nearest_interp_v2');
    const roi = this.constant(`${name}.roi`, f32([0], []));
    const scales = this.constant(`${name}.scales`, f32([4], [1, 1, factor, factor]));
    const y = `${name}.tmp_0`;
    const attrs: Record<string, string> =
      mode === 'nearest' ? { mode, coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' } : { mode, coordinate_transformation_mode: 'half_pixel' };
    this.add('Resize', [x, roi, scales], [y], attrs);
    return y;
  }

  /** Resize to another value's H×W: sizes = Concat(Shape(x)[0:2], Shape(like)[2:4]), as an exporter writes upsample(x, size=like.shape[2:]). */
  resizeLike(x: string, like: string): string {
    const name = this.next('bilinear_interp_v2');
    const starts = this.constant(`${name}.starts`, i64([0]));
    const mids = this.constant(`${name}.mids`, i64([2]));
    const ends = this.constant(`${name}.ends`, i64([4]));
    this.add('Shape', [x], [`${name}.xshape`]);
    this.add('Shape', [like], [`${name}.likeshape`]);
    this.add('Slice', [`${name}.xshape`, starts, mids], [`${name}.nc`]);
    this.add('Slice', [`${name}.likeshape`, mids, ends], [`${name}.hw`]);
    this.add('Concat', [`${name}.nc`, `${name}.hw`], [`${name}.sizes`], { axis: 0 });
    const roi = this.constant(`${name}.roi`, f32([0], []));
    const scales = this.constant(`${name}.scales`, f32([0], []));
    const y = `${name}.tmp_0`;
    this.add('Resize', [x, roi, scales, `${name}.sizes`], [y], { mode: 'linear', coordinate_transformation_mode: 'half_pixel' });
    return y;
  }

  sum(a: string, b: string): string {
    const y = `${this.next('elementwise_add')}.tmp_0`;
    this.add('Add', [a, b], [y]);
    return y;
  }

  /** ConvTranspose kernel 2 stride 2 with bias, as DBHead upsamples (weight [C_in, C_out/group, 2, 2]). */
  convTranspose(x: string, inC: number, outC: number, group: number, gains?: Float32Array): string {
    const name = this.next('conv2d_transpose');
    const w = normals(inC * (outC / group) * 4, this.random);
    const std = Math.sqrt(2 / (inC / group));
    const perOut = 4;
    for (let i = 0; i < w.length; i++) {
      const oc = Math.floor(i / perOut) % (outC / group);
      const g = Math.floor(Math.floor(i / perOut) / (outC / group) / (inC / group));
      w[i] = w[i]! * std * (gains ? gains[g * (outC / group) + oc]! : 1);
    }
    const weight = this.constant(`${name}.w_0`, f32([inC, outC / group, 2, 2], w));
    const bias = this.constant(`${name}.b_0`, f32([outC], normals(outC, this.random).map((v) => 0.2 * v)));
    const y = `${name}.tmp_0`;
    this.add('ConvTranspose', [x, weight, bias], [y], { dilations: [1, 1], group, kernel_shape: [2, 2], pads: [0, 0, 0, 0], strides: [2, 2] });
    return y;
  }

  sigmoid(x: string): string {
    const y = `${this.next('sigmoid')}.tmp_0`;
    this.add('Sigmoid', [x], [y]);
    return y;
  }

  /**
   * DBHead branch: Conv3×3 → BN → ReLU → ConvTranspose → BN → ReLU → ConvTranspose(→1) → Sigmoid.
   * One channel in eight of the first BN has a large gamma and the transposed conv's channels
   * `largeKinds` (mod 8) a large gain (`largeGain`), so that the running variance of the BN
   * after it can lie beyond fp16's 65504 while every activation stays within a few thousand.
   */
  dbHeadBranch(x: string, inC: number, mid: number, group: number, largeGain: [number, number], largeKinds: readonly number[]): string {
    const gains1 = this.channelGains(mid);
    let y = this.relu(this.batchNorm(this.conv(x, inC, mid, 3, { gains: gains1 }), gains1, 1, 25));
    const gains = this.channelGains(mid, largeGain, largeKinds);
    y = this.relu(this.batchNorm(this.convTranspose(y, mid, mid, group, gains), gains, 25));
    return this.sigmoid(this.convTranspose(y, mid, 1, 1));
  }

  /** Differentiable binarization 1 / (1 + exp(−k · (p − t))), written as Paddle's scale and elementwise ops export. */
  binarize(shrink: string, threshold: string, k: number): string {
    const name = this.next('db_binarize');
    const negK = this.constant(`${name}.k`, f32([1], [-k]));
    const one = this.constant(`${name}.one`, f32([1], [1]));
    this.add('Sub', [shrink, threshold], [`${name}.diff`]);
    this.add('Mul', [`${name}.diff`, negK], [`${name}.scaled`]);
    this.add('Exp', [`${name}.scaled`], [`${name}.exp`]);
    this.add('Add', [`${name}.exp`, one], [`${name}.denom`]);
    this.add('Div', [one, `${name}.denom`], [`${name}.tmp_0`]);
    return `${name}.tmp_0`;
  }
}

/** The detector: input x[N, 3, H, W] (H, W multiples of 32), output maps[N, 3, H, W] = shrink, threshold, binary. */
export function paddleTextDetector(seed = 2024): OnnxModel {
  const g = new PaddleStyleGraph(seed);
  // Backbone: stride-2 stem, then stages at strides 4, 8, 16, 32.
  let x = g.hardSwish(g.convBn('x', 3, 8, 3, { stride: 2 }));
  x = g.residualUnit(x, 8, 8, 8, 3, 1, false);
  const c2 = g.residualUnit(x, 8, 32, 16, 3, 2, false);
  let c3 = g.residualUnit(c2, 16, 48, 24, 5, 2, true);
  c3 = g.residualUnit(c3, 24, 48, 24, 5, 1, true);
  const c4 = g.residualUnit(c3, 24, 64, 32, 3, 2, false);
  const c5 = g.residualUnit(c4, 32, 96, 48, 5, 2, true);
  // DB-FPN neck.
  const inner = 32;
  const [in2, in3, in4, in5] = ([[c2, 16], [c3, 24], [c4, 32], [c5, 48]] as const).map(([c, ch]) => g.conv(c, ch, inner, 1));
  const out4 = g.sum(in4!, g.resizeByScale(in5!, 2, 'nearest'));
  const out3 = g.sum(in3!, g.resizeByScale(out4, 2, 'nearest'));
  const out2 = g.sum(in2!, g.resizeLike(out3, in2!));
  const [p5, p4, p3, p2] = [in5!, out4, out3, out2].map((t) => g.conv(t, inner, inner / 4, 3));
  const fuse = 'concat_0.tmp_0';
  const up5 = g.resizeByScale(p5!, 8, 'nearest');
  const up4 = g.resizeByScale(p4!, 4, 'linear');
  const up3 = g.resizeByScale(p3!, 2, 'nearest');
  g.nodes.push({ ...node('Concat', [up5, up4, up3, p2!], [fuse], { axis: 1 }), name: 'p2o.Concat.neck' });
  // DB head: shrink and threshold maps, then the binarization.
  const shrink = g.dbHeadBranch(fuse, inner, 8, 1, [30, 55], [1, 6]);
  const threshold = g.dbHeadBranch(fuse, inner, 8, 2, [8, 15], [6]);
  const binary = g.binarize(shrink, threshold, 50);
  g.nodes.push({ ...node('Concat', [shrink, threshold, binary], ['maps'], { axis: 1 }), name: 'p2o.Concat.maps' });
  return model({
    nodes: g.nodes,
    inputs: [valueInfo('x', 'float32', ['p2o.DynamicDimension.0', 3, 'p2o.DynamicDimension.1', 'p2o.DynamicDimension.2'])],
    outputs: [valueInfo('maps', 'float32', ['p2o.DynamicDimension.0', 3, 'p2o.DynamicDimension.3', 'p2o.DynamicDimension.4'])],
    initializers: g.initializers,
    opset: 11,
  });
}
