import { encodeOnnxModel } from '../../src/onnx/encode.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';
import { runOnOrt } from '../helpers/ort.js';

/** Runs one ONNX node on onnxruntime-node: an independent reference for the interpreter's kernels. */

export type OnnxAttr = number | number[] | string;

/** Runs `opType` on float32 `inputs` (then `initializers`, in that order as node inputs) and returns its single output. */
export async function runOnnxNode(
  opType: string, inputs: Record<string, Tensor>, initializers: Record<string, Tensor>, attrs: Record<string, OnnxAttr> = {}, opset = 17,
): Promise<Float32Array> {
  const m = model({
    nodes: [node(opType, [...Object.keys(inputs), ...Object.keys(initializers)], ['y'], attrs)],
    inputs: Object.entries(inputs).map(([name, t]) => valueInfo(name, 'float32', [...t.shape])),
    outputs: [{ name: 'y', dtype: 'float32' }],
    initializers,
    opset,
  });
  const result = await runOnOrt(encodeOnnxModel(m), inputs);
  return result['y']!.data as Float32Array;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
