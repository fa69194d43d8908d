import type { CoreMLModel } from '../coreml/model.js';
import { ToolError } from '../errors.js';
import { NMS_NAMES, readInterfaceRecord, type ImageInputOptions, type InterfaceRecord } from '../interface/index.js';
import { walkOperations, mainFunction } from '../mil/ir.js';
import { outputsInGraphOrder, type EngineOutputs } from '../reference/onnxruntime.js';
import { makeTensor, type Tensor } from '../tensor/tensor.js';
import type { NamedTensor, TestDataSet } from '../reference/test-data-set.js';
import { referenceDetections } from './detections.js';

/**
 * Verification of a package's app-facing interface. The ONNX model computes on the
 * normalized tensor; the package computes on the image. Both start from the same integer
 * pixels: the normalized tensor is computed here straight from the options the user gave
 * (mean/std or scale/bias, as recorded in the package), not from the folded numbers in
 * the program, so a wrong fold shows up as a failed output. ONNX outputs are then put in
 * the package's terms: the predicted label as a class index (exact), the probabilities
 * (softmax applied when the package added one), image outputs de-normalized and clipped,
 * a detector's raw outputs decoded and suppressed (verify/detections.ts).
 */

/** The interface record of a package, or undefined when it has no image or classifier interface. */
export function packageInterface(model: CoreMLModel, file: string): InterfaceRecord | undefined {
  const hasInterface = model.pipeline !== undefined || model.inputs.some((f) => f.type.kind === 'image') || model.outputs.some((f) => f.type.kind !== 'multiArray');
  if (!hasInterface) return undefined;
  const record = readInterfaceRecord(model.metadata);
  if (!record) {
    throw new ToolError('UNSUPPORTED_FEATURE', 'the package has image or classifier features but no record of their normalization (it was not written by this tool), so no ONNX reference can be computed', { file });
  }
  return record;
}

/** Pixel channel (R, G, B / gray) that each model channel reads, by color. */
const MODEL_CHANNEL_FROM_PIXEL: Record<ImageInputOptions['color'], readonly number[]> = { RGB: [0, 1, 2], BGR: [2, 1, 0], GRAY: [0] };

/** The tensor the ONNX model gets for these pixels: (p·range/255 − mean)/std, or p·scale + bias. */
export function normalizedImage(pixels: Tensor, options: ImageInputOptions): Tensor {
  const order = MODEL_CHANNEL_FROM_PIXEL[options.color];
  const [height, width] = pixels.shape as [number, number, number];
  const plane = height * width;
  const src = pixels.data as Uint8Array;
  const out = new Float32Array(order.length * plane);
  const pick = (values: readonly number[] | undefined, c: number, fallback: number): number => values?.[values.length === 1 ? 0 : c] ?? fallback;
  const meanStd = options.mean !== undefined || options.std !== undefined || options.pixelRange !== undefined;
  order.forEach((from, c) => {
    const mean = pick(options.mean, c, 0);
    const std = pick(options.std, c, 1);
    const range = options.pixelRange ?? 255;
    const scale = options.scale ?? 1;
    const bias = pick(options.bias, c, 0);
    for (let i = 0; i < plane; i++) {
      const p = src[i * order.length + from]!;
      out[c * plane + i] = meanStd ? ((p * range) / 255 - mean) / std : p * scale + bias;
    }
  });
  return makeTensor('float32', [1, order.length, height, width], out);
}

/** The classes of the package's classify op, in order. */
export function classifierClasses(model: CoreMLModel): readonly (string | bigint | number)[] {
  const fn = mainFunction(model.program);
  const ops = [...walkOperations(fn.block)];
  const classify = ops.find((op) => op.type === 'classify');
  const binding = classify?.inputs['classes']?.[0];
  if (!binding) throw new ToolError('INVALID_PACKAGE', 'the package is a classifier but has no classify op with classes');
  const value = binding.kind === 'value' ? binding.value : ops.find((op) => op.outputs.some((o) => o.name === binding.name))?.attributes['val'];
  if (!value) throw new ToolError('INVALID_PACKAGE', 'the classify op\'s classes are not a constant');
  return Array.from(value.data as ArrayLike<string | bigint | number>);
}

function softmax(values: Float64Array): Float64Array {
  let max = -Infinity;
  for (const v of values) max = Math.max(max, v);
  const out = values.map((v) => Math.exp(v - max));
  const sum = out.reduce((a, b) => a + b, 0);
  return out.map((v) => v / sum);
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

const asFloat64 = (t: Tensor): Float64Array => Float64Array.from(t.data as ArrayLike<number>, Number);

/** The predicted label as its index among the classes, so labels compare exactly. */
export function labelIndexTensor(label: Tensor, classes: readonly (string | bigint | number)[]): Tensor {
  const value = (label.data as ArrayLike<string | bigint | number>)[0];
  const index = classes.findIndex((c) => String(c) === String(value));
  return makeTensor('int32', [1], Int32Array.of(index));
}

/**
 * ONNX outputs (by the package's pre-interface output names, in order) as the package's
 * outputs: label index, probabilities, de-normalized images, and the rest as they are.
 */
export function referencesForPackage(model: CoreMLModel, record: InterfaceRecord, onnx: readonly Tensor[]): Record<string, Tensor> {
  const byName = new Map(record.tensorOutputs.map((name, i) => [name, onnx[i]!]));
  const out: Record<string, Tensor> = {};
  for (const [name, t] of byName) out[name] = t;
  for (const image of record.imageOutputs) {
    const ref = byName.get(image.name);
    if (!ref) continue;
    const data = asFloat64(ref);
    const plane = data.length / image.bias.length;
    const pixels = Float32Array.from(data, (v, i) => Math.min(255, Math.max(0, v * image.scale + image.bias[Math.floor(i / plane)]!)));
    out[image.name] = makeTensor('float32', ref.shape, pixels);
  }
  const detector = record.detector;
  if (detector) {
    const detections = referenceDetections(detector, byName);
    for (const source of detector.outputs) delete out[source];
    out[NMS_NAMES.confidence] = detections.confidence;
    out[NMS_NAMES.coordinates] = detections.coordinates;
  }
  const classifier = record.classifier;
  if (classifier) {
    const scores = byName.get(classifier.scores);
    if (!scores) throw new ToolError('INTERNAL', `no reference for the classifier scores "${classifier.scores}"`);
    delete out[classifier.scores];
    const values = asFloat64(scores);
    const probabilities = classifier.softmaxAdded ? softmax(values) : values;
    out[classifier.probabilitiesOutput] = makeTensor('float64', [probabilities.length], probabilities);
    out[classifier.labelOutput] = makeTensor('int32', [1], Int32Array.of(argmax(probabilities)));
  }
  for (const desc of model.outputs) if (!out[desc.name]) throw new ToolError('INTERNAL', `no reference for package output "${desc.name}"`);
  return out;
}

/**
 * The pixels an app would pass for the tensor a model was given: the normalization undone,
 * rounded and clipped to 0..255, channels back in R, G, B (or gray) order.
 */
export function pixelsFromNormalized(tensor: Tensor, options: ImageInputOptions): Tensor {
  const order = MODEL_CHANNEL_FROM_PIXEL[options.color];
  const [batch, channels, height, width] = tensor.shape as number[];
  if (tensor.shape.length !== 4 || batch !== 1 || channels !== order.length) {
    throw new ToolError('REFERENCE', `image input "${options.name}": reference data of shape [${tensor.shape.join(', ')}] is not one ${options.color} image [1, ${order.length}, H, W]`);
  }
  const plane = height! * width!;
  const src = Float64Array.from(tensor.data as ArrayLike<number>, Number);
  const out = new Uint8Array(plane * order.length);
  const pick = (values: readonly number[] | undefined, c: number, fallback: number): number => values?.[values.length === 1 ? 0 : c] ?? fallback;
  const meanStd = options.mean !== undefined || options.std !== undefined || options.pixelRange !== undefined;
  order.forEach((to, c) => {
    const range = options.pixelRange ?? 255;
    for (let i = 0; i < plane; i++) {
      const x = src[c * plane + i]!;
      const p = meanStd ? ((x * pick(options.std, c, 1) + pick(options.mean, c, 0)) * 255) / range : (x - pick(options.bias, c, 0)) / (options.scale ?? 1);
      out[i * order.length + to] = Math.min(255, Math.max(0, Math.round(p)));
    }
  });
  return makeTensor('uint8', [height!, width!, order.length], out);
}

/**
 * Reference sets in the package's terms. Sets written for the ONNX model (test data, or
 * seeded tensors) hold normalized image tensors: their pixels are recovered, normalized
 * again and the references recomputed with `engine`, so the ONNX model and the package
 * start from the same integer pixels; outputs become the package's (label index,
 * probabilities, de-normalized images).
 */
export async function packageDataSets(
  model: CoreMLModel,
  record: InterfaceRecord,
  sets: readonly TestDataSet[],
  engine: (inputs: Record<string, Tensor>) => Promise<EngineOutputs>,
): Promise<TestDataSet[]> {
  const out: TestDataSet[] = [];
  for (const set of sets) {
    const feeds: Record<string, Tensor> = {};
    const inputs: NamedTensor[] = [];
    for (const { name, tensor } of set.inputs) {
      const image = record.imageInputs.find((o) => o.name === name);
      if (!image) {
        feeds[name] = tensor;
        inputs.push({ name, tensor });
        continue;
      }
      const pixels = pixelsFromNormalized(tensor, image);
      feeds[name] = normalizedImage(pixels, image);
      inputs.push({ name, tensor: pixels });
    }
    const onnx = record.imageInputs.length > 0 ? outputsInGraphOrder(await engine(feeds)) : set.outputs.map((o) => o.tensor);
    const outputs = referencesForPackage(model, record, onnx);
    out.push({ name: set.name, inputs, outputs: model.outputs.map((o) => ({ name: o.name, tensor: outputs[o.name]! })) });
  }
  return out;
}
