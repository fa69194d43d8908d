import type { OnnxModel, OnnxValueInfo } from '../../../src/onnx/ir.js';
import type { DType } from '../../../src/tensor/dtype.js';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { model, node } from '../../helpers/onnx-graph.js';
import { seededUniform } from '../../helpers/seeded.js';

type Attrs = Parameters<typeof node>[3];

/**
 * Writes an ONNX graph node by node the way an exporter does: generated value names,
 * weights as initializers, small constants either as initializers or as Constant nodes
 * (exporters differ in which they use), seeded weights so every build is identical.
 */
export class GraphBuilder {
  private readonly nodes: ReturnType<typeof node>[] = [];
  private readonly initializers: Record<string, Tensor> = {};
  private counter = 0;
  private seed: number;

  constructor(readonly prefix: string, seed: number) {
    this.seed = seed;
  }

  private fresh(hint: string): string {
    return `${this.prefix}${hint}_${this.counter++}`;
  }

  /** One node; returns its output names (`outputs` of them). */
  ops(opType: string, inputs: string[], attrs: Attrs = {}, floats: string[] = [], outputs = 1): string[] {
    const names = Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase()));
    this.nodes.push({ ...node(opType, inputs, names, attrs, floats), name: `${opType}_${this.counter}` });
    return names;
  }

  /** An Identity giving `value` the model-output name `name` (exporters name outputs after their own ops). */
  output(value: string, name: string): void {
    this.nodes.push({ ...node('Identity', [value], [name]), name: `Identity_${this.counter++}` });
  }

  /** One node with one output. */
  op(opType: string, inputs: string[], attrs: Attrs = {}, floats: string[] = []): string {
    return this.ops(opType, inputs, attrs, floats)[0]!;
  }

  /** A named initializer. */
  init(tensor: Tensor, hint = 'const'): string {
    const name = this.fresh(hint);
    this.initializers[name] = tensor;
    return name;
  }

  /** A Constant node holding `tensor` (torch.onnx and Paddle2ONNX write small constants so). */
  constant(tensor: Tensor): string {
    return this.op('Constant', [], { value: tensor });
  }

  /** Uniform weights in ±scale, the next stream of the builder's seed. */
  weight(shape: number[], scale: number, offset = 0): string {
    return this.init(uniform(shape, scale, offset, this.seed++), 'weight');
  }

  /** Conv weights scaled by 1/√fan-in, so activations keep their size through deep stacks. */
  convWeight(out: number, inPerGroup: number, k: number): string {
    return this.weight([out, inPerGroup, k, k], Math.sqrt(3 / (inPerGroup * k * k)));
  }

  /** BatchNormalization's scale, bias, mean and variance as a trained network holds them. */
  batchNormParams(channels: number): string[] {
    return [this.weight([channels], 0.2, 1), this.weight([channels], 0.2), this.weight([channels], 0.2), this.weight([channels], 0.4, 0.8)];
  }

  build(options: { inputs: OnnxValueInfo[]; outputs: OnnxValueInfo[]; opset: number; producer: string; irVersion?: number }): OnnxModel {
    const built = model({ nodes: this.nodes, inputs: options.inputs, outputs: options.outputs, initializers: this.initializers, opset: options.opset });
    return { ...built, producerName: options.producer, irVersion: options.irVersion ?? built.irVersion };
  }
}

function uniform(shape: number[], scale: number, offset: number, seed: number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = seededUniform(n, seed);
  for (let i = 0; i < n; i++) values[i] = offset + values[i]! * scale;
  return makeTensor('float32', shape, values);
}

export function int64s(values: number[], shape: number[] = [values.length]): Tensor {
  return makeTensor('int64', shape, BigInt64Array.from(values, BigInt));
}

export function int32s(values: number[], shape: number[] = [values.length]): Tensor {
  return makeTensor('int32', shape, Int32Array.from(values));
}

export function floats(values: number[], shape: number[] = [values.length]): Tensor {
  return makeTensor('float32', shape, Float32Array.from(values));
}

export function scalar(dtype: Extract<DType, 'float32' | 'int32' | 'int64'>, value: number): Tensor {
  if (dtype === 'int64') return int64s([value], []);
  return dtype === 'int32' ? int32s([value], []) : floats([value], []);
}
