import * as ort from 'onnxruntime-node';
import { onnx } from '../../src/gen/onnx.js';
import { tensorToProto } from '../../src/onnx/tensor-proto.js';
import type { Tensor } from '../../src/tensor/tensor.js';

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
  const feeds: Record<string, ort.Tensor> = {};
  const graphInputs: onnx.IValueInfoProto[] = [];
  for (const [name, t] of Object.entries(inputs)) {
    feeds[name] = new ort.Tensor('float32', t.data as Float32Array, [...t.shape]);
    graphInputs.push({ name, type: { tensorType: { elemType: 1, shape: { dim: t.shape.map((d) => ({ dimValue: d })) } } } });
  }
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
  const session = await ort.InferenceSession.create(onnx.ModelProto.encode(model).finish());
  const result = await session.run(feeds);
  return result['y']!.data as Float32Array;
}

/** Deterministic values in [-1, 1) (xorshift), so failures reproduce. */
export function seeded(n: number, seed = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
