import * as ort from 'onnxruntime-node';
import { convertOnnxModel } from '../../../src/convert/index.js';
import { encodeOnnxModel } from '../../../src/onnx/encode.js';
import type { OnnxNode } from '../../../src/onnx/ir.js';
import { FP32_GATE } from '../../../src/parity/gates.js';
import { evaluateOutput, type OutputVerdict } from '../../../src/parity/verdict.js';
import { runModel } from '../../../src/runtime/interpreter.js';
import type { DType } from '../../../src/tensor/dtype.js';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { model, valueInfo } from '../../helpers/onnx-graph.js';

/**
 * Like compareWithOrt, for nodes whose inputs are not all float32: int64
 * inputs (class indices, shift amounts) go to onnxruntime as int64 and to the
 * converted model as the int32 Core ML takes. Outputs may be float or integer.
 */

export type TypedInput = { dtype: 'float32'; shape: number[]; data: Float32Array } | { dtype: 'int64' | 'uint64'; shape: number[]; data: number[] };

export const floatInput = (shape: number[], data: number[]): TypedInput => ({ dtype: 'float32', shape, data: Float32Array.from(data) });
export const int64Input = (shape: number[], data: number[]): TypedInput => ({ dtype: 'int64', shape, data });
export const uint64Input = (shape: number[], data: number[]): TypedInput => ({ dtype: 'uint64', shape, data });

function toOrt(t: TypedInput): ort.Tensor {
  if (t.dtype === 'float32') return new ort.Tensor('float32', t.data, t.shape);
  if (t.dtype === 'uint64') return new ort.Tensor('uint64', BigUint64Array.from(t.data, (v) => BigInt(v)), t.shape);
  return new ort.Tensor('int64', BigInt64Array.from(t.data, (v) => BigInt(v)), t.shape);
}

/** Core ML takes scalar inputs as shape [1]. */
function toMil(t: TypedInput): Tensor {
  const shape = t.shape.length === 0 ? [1] : t.shape;
  return t.dtype === 'float32' ? makeTensor('float32', shape, t.data) : makeTensor('int32', shape, Int32Array.from(t.data));
}

/** A scalar reference is compared as shape [1], the shape Core ML gives scalar outputs. */
function fromOrt(t: ort.Tensor): Tensor {
  const shape = t.dims.length === 0 ? [1] : t.dims.map(Number);
  if (t.type === 'int64' || t.type === 'uint64') return makeTensor('int32', shape, Int32Array.from(t.data as BigInt64Array, (v) => Number(v)));
  return makeTensor('float32', shape, Float32Array.from(t.data as Float32Array));
}

export async function compareTypedWithOrt(
  node: OnnxNode,
  inputs: Record<string, TypedInput>,
  outputDTypes: DType[],
  options: { opset?: number; initializers?: Record<string, Tensor> } = {},
): Promise<OutputVerdict[]> {
  const outputs = node.outputs.filter((o) => o !== '');
  const m = model({
    nodes: [node],
    inputs: Object.entries(inputs).map(([name, t]) => valueInfo(name, t.dtype, [...t.shape])),
    outputs: outputs.map((name, k) => ({ name, dtype: outputDTypes[k] ?? 'float32' })),
    initializers: options.initializers ?? {},
    opset: options.opset ?? 17,
  });
  const session = await ort.InferenceSession.create(encodeOnnxModel(m));
  const expected = await session.run(Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, toOrt(t)])));
  const converted = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' });
  const feeds: Record<string, Tensor> = {};
  Object.values(inputs).forEach((t, k) => (feeds[converted.model.inputs[k]!.name] = toMil(t)));
  const actual = runModel(converted.model, feeds);
  return outputs.map((name, k) => evaluateOutput(fromOrt(expected[name]!), actual[converted.model.outputs[k]!.name]!, FP32_GATE));
}
