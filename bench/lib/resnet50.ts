import type { OnnxAttributeValue, OnnxModel, OnnxNode, OnnxValueInfo } from '../../src/onnx/ir.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';

/**
 * ResNet-50 (He et al. 2015, torchvision layout) as an in-memory ONNX model with
 * seeded random weights: 53 convolutions, each followed by BatchNormalization,
 * bottleneck blocks [3, 4, 6, 3], global average pool, a 2048→1000 Gemm.
 * 25.5 M fp32 parameters, ≈ 102 MB encoded; the numbers are random but the
 * shapes, op mix and weight volume are those of the real network.
 */

/** mulberry32: tiny, fast and reproducible, which is all a benchmark needs. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface GraphParts {
  nodes: OnnxNode[];
  initializers: Map<string, Tensor>;
  random: () => number;
  parameterCount: number;
}

function ints(value: number[]): OnnxAttributeValue {
  return { type: 'ints', value };
}

function addNode(g: GraphParts, opType: string, inputs: string[], output: string, attrs: Record<string, OnnxAttributeValue> = {}): string {
  g.nodes.push({ name: output, opType, domain: '', inputs, outputs: [output], attributes: new Map(Object.entries(attrs)) });
  return output;
}

/** Uniform in [-scale, scale]; He-style scale keeps activations finite through 50 layers. */
function addWeight(g: GraphParts, name: string, shape: number[], scale: number): string {
  const count = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = (g.random() * 2 - 1) * scale;
  g.initializers.set(name, makeTensor('float32', shape, data));
  g.parameterCount += count;
  return name;
}

function addConstant(g: GraphParts, name: string, length: number, value: (i: number) => number): string {
  const data = new Float32Array(length);
  for (let i = 0; i < length; i++) data[i] = value(i);
  g.initializers.set(name, makeTensor('float32', [length], data));
  g.parameterCount += length;
  return name;
}

/** Conv (no bias, as torchvision) → BatchNormalization → optional Relu. */
function convBn(g: GraphParts, input: string, name: string, inC: number, outC: number, kernel: number, stride: number, relu: boolean): string {
  const pad = Math.floor(kernel / 2);
  const w = addWeight(g, `${name}.weight`, [outC, inC, kernel, kernel], Math.sqrt(6 / (inC * kernel * kernel)));
  const conv = addNode(g, 'Conv', [input, w], `${name}.conv`, {
    kernel_shape: ints([kernel, kernel]),
    strides: ints([stride, stride]),
    pads: ints([pad, pad, pad, pad]),
  });
  const bn = [
    addConstant(g, `${name}.bn.scale`, outC, () => 0.5 + g.random() * 0.5),
    addConstant(g, `${name}.bn.bias`, outC, () => (g.random() - 0.5) * 0.1),
    addConstant(g, `${name}.bn.mean`, outC, () => (g.random() - 0.5) * 0.1),
    addConstant(g, `${name}.bn.var`, outC, () => 0.5 + g.random()),
  ];
  const norm = addNode(g, 'BatchNormalization', [conv, ...bn], `${name}.bn`, { epsilon: { type: 'float', value: 1e-5 } });
  return relu ? addNode(g, 'Relu', [norm], `${name}.relu`) : norm;
}

function bottleneck(g: GraphParts, input: string, name: string, inC: number, width: number, stride: number): string {
  const outC = width * 4;
  let x = convBn(g, input, `${name}.conv1`, inC, width, 1, 1, true);
  x = convBn(g, x, `${name}.conv2`, width, width, 3, stride, true);
  x = convBn(g, x, `${name}.conv3`, width, outC, 1, 1, false);
  const shortcut = stride !== 1 || inC !== outC ? convBn(g, input, `${name}.downsample`, inC, outC, 1, stride, false) : input;
  const sum = addNode(g, 'Add', [x, shortcut], `${name}.add`);
  return addNode(g, 'Relu', [sum], `${name}.out`);
}

const STAGES: readonly { blocks: number; width: number; stride: number }[] = [
  { blocks: 3, width: 64, stride: 1 },
  { blocks: 4, width: 128, stride: 2 },
  { blocks: 6, width: 256, stride: 2 },
  { blocks: 3, width: 512, stride: 2 },
];

export interface BenchModel {
  model: OnnxModel;
  parameterCount: number;
  convCount: number;
}

export function buildResNet50(seed = 50): BenchModel {
  const g: GraphParts = { nodes: [], initializers: new Map(), random: seededRandom(seed), parameterCount: 0 };
  let x = convBn(g, 'input', 'stem', 3, 64, 7, 2, true);
  x = addNode(g, 'MaxPool', [x], 'stem.pool', { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) });
  let channels = 64;
  STAGES.forEach((stage, s) => {
    for (let b = 0; b < stage.blocks; b++) {
      x = bottleneck(g, x, `layer${s + 1}.${b}`, channels, stage.width, b === 0 ? stage.stride : 1);
      channels = stage.width * 4;
    }
  });
  x = addNode(g, 'GlobalAveragePool', [x], 'pool');
  x = addNode(g, 'Flatten', [x], 'flatten', { axis: { type: 'int', value: 1 } });
  const fcW = addWeight(g, 'fc.weight', [1000, channels], Math.sqrt(1 / channels));
  const fcB = addConstant(g, 'fc.bias', 1000, () => 0);
  addNode(g, 'Gemm', [x, fcW, fcB], 'logits', { transB: { type: 'int', value: 1 } });

  const input: OnnxValueInfo = { name: 'input', dtype: 'float32', shape: [1, 3, 224, 224] };
  const output: OnnxValueInfo = { name: 'logits', dtype: 'float32', shape: [1, 1000] };
  const model: OnnxModel = {
    irVersion: 8,
    opsetImports: new Map([['', 13]]),
    producerName: 'onnx-coreml-bench',
    producerVersion: '1',
    metadata: new Map(),
    functions: [],
    graph: { name: 'resnet50', nodes: g.nodes, inputs: [input], outputs: [output], initializers: g.initializers, valueInfo: new Map() },
  };
  return { model, parameterCount: g.parameterCount, convCount: g.nodes.filter((n) => n.opType === 'Conv').length };
}
