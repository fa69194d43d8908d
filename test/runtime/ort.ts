import { onnx } from '../../src/gen/onnx.js';
import { tensorToProto } from '../../src/onnx/tensor-proto.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { runOnOrt } from '../helpers/ort.js';

/** Runs one ONNX node on onnxruntime-node: an independent reference for the interpreter's kernels. */

export type OnnxAttr = number | number[] | string;

function attribute(name: string, v: OnnxAttr): onnx.IAttributeProto {
  if (typeof v === 'string') return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: v };
  return Number.isInteger(v)
    ? { name, type: onnx.AttributeProto.AttributeType.INT, i: v }
    : { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v };
}

export async function runOnnxNode(
  opType: string, inputs: Record<string, Tensor>, initializers: Record<string, Tensor>, attrs: Record<string, OnnxAttr> = {}, opset = 17,
): Promise<Float32Array> {
  const graphInputs = Object.entries(inputs).map(([name, t]): onnx.IValueInfoProto => ({
    name, type: { tensorType: { elemType: 1, shape: { dim: t.shape.map((d) => ({ dimValue: d })) } } },
  }));
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: 'g',
      node: [{ opType, input: [...Object.keys(inputs), ...Object.keys(initializers)], output: ['y'], attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) }],
      initializer: Object.entries(initializers).map(([name, t]) => tensorToProto(name, t)),
      input: graphInputs,
      output: [{ name: 'y' }],
    },
  });
  const result = await runOnOrt(onnx.ModelProto.encode(model).finish(), inputs);
  return result['y']!.data as Float32Array;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
