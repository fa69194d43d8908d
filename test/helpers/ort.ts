import * as ort from 'onnxruntime-node';
import type { Tensor } from '../../src/tensor/tensor.js';

/**
 * Runs an encoded ONNX model on onnxruntime-node with float32 inputs: the
 * independent reference the interpreter and the converters are checked against.
 */
export async function runOnOrt(modelBytes: Uint8Array, inputs: Record<string, Tensor>): Promise<ort.InferenceSession.OnnxValueMapType> {
  const session = await ort.InferenceSession.create(modelBytes);
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(inputs)) feeds[name] = new ort.Tensor('float32', t.data as Float32Array, [...t.shape]);
  return session.run(feeds);
}
