import { milConst } from '../../mil/builder.js';
import type { MilTensorType } from '../../mil/ir.js';
import { attrBool, attrInt, type OnnxNode } from '../../onnx/ir.js';
import { dftAxis, dftOutputLength } from '../../onnx/shapes/signal.js';
import { makeTensor, toNumberList, type Tensor } from '../../tensor/tensor.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type ConverterTable, type OpConverter } from '../types.js';
import { floatTensor, outputName, typeOfInput } from './nn-util.js';

/**
 * ONNX → MIL converters for spectral ops. A DFT of static length is linear
 * in the signal, so it is one matmul: the signal axis and the real/imaginary
 * pair are flattened into one row of L·c values, multiplied by a constant
 * [L·c, 2·M] matrix of cosines and sines, and unflattened into M complex
 * bins. Zero padding to dft_length is rows that do not exist; truncation is
 * rows left out.
 */

/** Largest constant DFT matrix emitted (entries), so a long transform cannot balloon the weights. */
const MAX_MATRIX_ENTRIES = 1 << 24;

interface DftPlan {
  /** Samples present in the signal (L) and components per sample (c = 1 real, 2 complex). */
  length: number;
  components: number;
  /** Transform length N and output bins M. */
  n: number;
  bins: number;
  inverse: boolean;
}

/**
 * W[(t·c + j), (k·2 + r)]: the weight of component j of sample t in part r of
 * bin k. Forward: e^(−iθ) with θ = 2πkt/N; inverse: e^(+iθ) / N.
 */
export function dftMatrix(p: DftPlan): Float32Array {
  const cols = 2 * p.bins;
  const w = new Float32Array(p.length * p.components * cols);
  const sign = p.inverse ? 1 : -1;
  const scale = p.inverse ? 1 / p.n : 1;
  for (let t = 0; t < Math.min(p.length, p.n); t++) {
    for (let k = 0; k < p.bins; k++) {
      const theta = (2 * Math.PI * ((k * t) % p.n)) / p.n;
      const cos = Math.cos(theta) * scale;
      const sin = Math.sin(theta) * sign * scale;
      const re = t * p.components * cols + 2 * k;
      w[re] = cos; // re → re
      w[re + 1] = sin; // re → im
      if (p.components === 2) {
        w[re + cols] = -sin; // im → re
        w[re + cols + 1] = cos; // im → im
      }
    }
  }
  return w;
}

function swapPerm(rank: number, a: number, b: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return perm;
}

/** Static dims after the first (the batch may be dynamic), or unsupported. */
function staticAfterBatch(ctx: ConvertContext, node: OnnxNode, t: MilTensorType): number[] {
  const tail = t.shape.slice(1);
  if (tail.some((d) => d === null)) ctx.unsupported(node, 'every dim of the signal but the batch must be static');
  return tail as number[];
}

/**
 * Applies the DFT of `plan` to x along `axis` (x's last dim holds the c
 * components): moves the axis next to the last, flattens, multiplies by the
 * constant matrix (scaled per sample by `window`), unflattens and moves it back.
 */
function emitDft(ctx: ConvertContext, node: OnnxNode, x: string, axis: number, plan: DftPlan, window?: Float32Array): string {
  const xt = typeOfInput(ctx, x);
  const rank = xt.shape.length;
  const entries = plan.length * plan.components * 2 * plan.bins;
  if (entries > MAX_MATRIX_ENTRIES) ctx.unsupported(node, `a ${plan.length}-sample transform to ${plan.bins} bins needs a ${entries}-entry matrix (limit ${MAX_MATRIX_ENTRIES})`);
  const name = outputName(node);
  const perm = swapPerm(rank, axis, rank - 2);
  const moved = axis === rank - 2 ? x : ctx.b.op1('transpose', { x, perm: milConst.ints(perm) }, { name: `${name}_to_rows` });
  const lead = staticAfterBatch(ctx, node, typeOfInput(ctx, moved)).slice(0, -2);
  const flat = ctx.b.op1('reshape', { x: moved, shape: milConst.ints([-1, ...lead, plan.length * plan.components]) }, { name: `${name}_rows` });
  const w = dftMatrix(plan);
  if (window) applyWindow(w, window, plan);
  const matrix = floatTensor(xt.dtype, [plan.length * plan.components, 2 * plan.bins], w);
  const product = ctx.b.op1('matmul', { x: flat, y: matrix }, { name: `${name}_dft` });
  const bins = ctx.b.op1('reshape', { x: product, shape: milConst.ints([-1, ...lead, plan.bins, 2]) }, { name: axis === rank - 2 ? name : `${name}_bins` });
  return axis === rank - 2 ? bins : ctx.b.op1('transpose', { x: bins, perm: milConst.ints(perm) }, { name });
}

/** Scales the matrix rows of sample t by window[t]. */
function applyWindow(w: Float32Array, window: Float32Array, plan: DftPlan): void {
  const rowLength = 2 * plan.bins;
  for (let t = 0; t < plan.length; t++) {
    for (let j = 0; j < plan.components; j++) {
      const start = (t * plan.components + j) * rowLength;
      for (let i = start; i < start + rowLength; i++) w[i] = w[i]! * window[t]!;
    }
  }
}

function scalarInput(ctx: ConvertContext, node: OnnxNode, i: number, what: string): number | undefined {
  if (!node.inputs[i]) return undefined;
  const t = ctx.constant(node, i);
  if (!t) return ctx.unsupported(node, `${what} must be a constant (it sets the output shape)`);
  return toNumberList(t)[0];
}

function componentsOf(ctx: ConvertContext, node: OnnxNode, t: MilTensorType): number {
  const c = t.shape[t.shape.length - 1];
  if (c !== 1 && c !== 2) return ctx.unsupported(node, `the last dim of the signal must be 1 (real) or 2 (complex), got ${c ?? 'a dynamic size'}`);
  return c;
}

const dft: OpConverter = {
  opsets: [17, LATEST_ONNX_OPSET],
  milOps: ['transpose', 'reshape', 'matmul'],
  limits: 'static signal length along the axis; dft_length and (opset 20) axis must be constants; a matrix of at most 2^24 entries',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const xt = typeOfInput(ctx, x);
    const rank = xt.shape.length;
    const components = componentsOf(ctx, node, xt);
    const rawAxis = ctx.opset >= 20 ? (scalarInput(ctx, node, 2, 'axis') ?? -2) : attrInt(node, 'axis', 1);
    const axis = dftAxis(rawAxis, rank);
    if (axis === undefined) return ctx.unsupported(node, `axis ${rawAxis} is not a signal axis of a rank-${rank} input`);
    const length = xt.shape[axis];
    if (length === null || length === undefined) return ctx.unsupported(node, 'the signal length along the axis must be static');
    const n = scalarInput(ctx, node, 1, 'dft_length') ?? length;
    const inverse = attrBool(node, 'inverse', false);
    const onesided = attrBool(node, 'onesided', false);
    if (inverse && onesided) ctx.unsupported(node, 'an inverse transform with onesided = 1 (ONNX leaves it undefined)');
    if (n < 1) ctx.unsupported(node, `dft_length ${n} must be positive`);
    const plan: DftPlan = { length, components, n, bins: dftOutputLength(n, onesided), inverse };
    ctx.setOutput(node, 0, emitDft(ctx, node, x, axis, plan));
  },
};

/** The STFT window as constant values: the window input, else ones of frame_length. */
function stftWindow(ctx: ConvertContext, node: OnnxNode, frameLength: number | undefined): Float32Array {
  if (!node.inputs[2]) {
    if (frameLength === undefined) return ctx.unsupported(node, 'either window or frame_length is required');
    return new Float32Array(frameLength).fill(1);
  }
  const t: Tensor | undefined = ctx.constant(node, 2);
  if (!t) return ctx.unsupported(node, 'window must be a constant');
  const values = Float32Array.from(toNumberList(t));
  if (frameLength !== undefined && frameLength !== values.length) ctx.unsupported(node, `window has ${values.length} values but frame_length is ${frameLength}`);
  return values;
}

/** Constant gather indices [frames, frameLength] of the samples in each frame. */
function frameIndices(frames: number, frameLength: number, step: number): Tensor {
  const idx = new Int32Array(frames * frameLength);
  for (let f = 0; f < frames; f++) for (let t = 0; t < frameLength; t++) idx[f * frameLength + t] = f * step + t;
  return makeTensor('int32', [frames, frameLength], idx);
}

/**
 * STFT: frames of frame_length samples every frame_step are gathered with
 * constant indices, then each frame goes through the windowed DFT matrix.
 */
const stft: OpConverter = {
  opsets: [17, LATEST_ONNX_OPSET],
  milOps: ['gather', 'reshape', 'matmul'],
  limits: 'frame_step, window and frame_length must be constants; the signal length must be static',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const xt = typeOfInput(ctx, x);
    if (xt.shape.length !== 3) ctx.unsupported(node, `the signal must be [batch, length, 1 or 2], got rank ${xt.shape.length}`);
    const components = componentsOf(ctx, node, xt);
    const length = xt.shape[1];
    if (length === null || length === undefined) return ctx.unsupported(node, 'the signal length must be static');
    const step = scalarInput(ctx, node, 1, 'frame_step');
    if (step === undefined || step < 1) return ctx.unsupported(node, 'frame_step must be a positive constant');
    const window = stftWindow(ctx, node, scalarInput(ctx, node, 3, 'frame_length'));
    const frameLength = window.length;
    if (frameLength < 1 || frameLength > length) return ctx.unsupported(node, `frame_length ${frameLength} must be in [1, ${length}]`);
    const frames = Math.floor((length - frameLength) / step) + 1;
    const onesided = attrBool(node, 'onesided', true);
    const name = outputName(node);
    const framed = ctx.b.op1('gather', { x, indices: frameIndices(frames, frameLength, step), axis: milConst.int(1) }, { name: `${name}_frames` });
    const plan: DftPlan = { length: frameLength, components, n: frameLength, bins: dftOutputLength(frameLength, onesided), inverse: false };
    ctx.setOutput(node, 0, emitDft(ctx, node, framed, 2, plan, window));
  },
};

export const signalConverters: ConverterTable = {
  DFT: dft,
  STFT: stft,
};
