import { addConstant, addNode, addWeight, benchModel, ints, newGraph, type BenchModel, type GraphParts } from './graph.js';

/**
 * ResNet-50 (He et al. 2015, torchvision layout) as an in-memory ONNX model with
 * seeded random weights: 53 convolutions, each followed by BatchNormalization,
 * bottleneck blocks [3, 4, 6, 3], global average pool, a 2048→1000 Gemm.
 * 25.5 M fp32 parameters, ≈ 102 MB encoded; the numbers are random but the
 * shapes, op mix and weight volume are those of the real network.
 */

export type { BenchModel } from './graph.js';

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

export function buildResNet50(seed = 50): BenchModel {
  const g = newGraph(seed);
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

  return benchModel(g, 'resnet50', 13, { name: 'input', dtype: 'float32', shape: [1, 3, 224, 224] }, { name: 'logits', dtype: 'float32', shape: [1, 1000] });
}
