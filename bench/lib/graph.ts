import type { OnnxAttributeValue, OnnxModel, OnnxNode, OnnxValueInfo } from '../../src/onnx/ir.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { mulberry32 } from '../../src/tensor/random.js';

/**
 * Helpers the benchmark network builders share: a seeded generator, nodes,
 * random weights and constants, and the model wrapper. Weights are random but
 * reproducible; the shapes and op mix are those of the real networks.
 */

export interface GraphParts {
  nodes: OnnxNode[];
  initializers: Map<string, Tensor>;
  random: () => number;
  parameterCount: number;
}

export function newGraph(seed: number): GraphParts {
  return { nodes: [], initializers: new Map(), random: mulberry32(seed), parameterCount: 0 };
}

export function ints(value: number[]): OnnxAttributeValue {
  return { type: 'ints', value };
}

export function addNode(g: GraphParts, opType: string, inputs: string[], output: string, attrs: Record<string, OnnxAttributeValue> = {}): string {
  g.nodes.push({ name: output, opType, domain: '', inputs, outputs: [output], attributes: new Map(Object.entries(attrs)) });
  return output;
}

/** Uniform in [-scale, scale]. */
export function addWeight(g: GraphParts, name: string, shape: number[], scale: number): string {
  const count = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = (g.random() * 2 - 1) * scale;
  g.initializers.set(name, makeTensor('float32', shape, data));
  g.parameterCount += count;
  return name;
}

export function addConstant(g: GraphParts, name: string, length: number, value: (i: number) => number): string {
  const data = new Float32Array(length);
  for (let i = 0; i < length; i++) data[i] = value(i);
  g.initializers.set(name, makeTensor('float32', [length], data));
  g.parameterCount += length;
  return name;
}

/** An int64 initializer (shapes, indices, axes): not a parameter. */
export function addInt64(g: GraphParts, name: string, shape: number[], values: number[]): string {
  g.initializers.set(name, makeTensor('int64', shape, BigInt64Array.from(values.map((v) => BigInt(v)))));
  return name;
}

export interface BenchModel {
  model: OnnxModel;
  parameterCount: number;
  convCount: number;
}

export function benchModel(g: GraphParts, name: string, opset: number, input: OnnxValueInfo, output: OnnxValueInfo): BenchModel {
  const model: OnnxModel = {
    irVersion: 8,
    opsetImports: new Map([['', opset]]),
    producerName: 'onnx-coreml-bench',
    producerVersion: '1',
    metadata: new Map(),
    functions: [],
    graph: { name, nodes: g.nodes, inputs: [input], outputs: [output], initializers: g.initializers, valueInfo: new Map() },
  };
  return { model, parameterCount: g.parameterCount, convCount: g.nodes.filter((n) => n.opType === 'Conv').length };
}
