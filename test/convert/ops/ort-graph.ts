import * as ort from 'onnxruntime-node';
import { convertOnnxModel } from '../../../src/convert/index.js';
import { encodeOnnxModel } from '../../../src/onnx/encode.js';
import type { OnnxModel } from '../../../src/onnx/ir.js';
import { FP32_GATE } from '../../../src/parity/gates.js';
import { evaluateOutput, type OutputVerdict } from '../../../src/parity/verdict.js';
import { runModel } from '../../../src/runtime/interpreter.js';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';

/**
 * Converts a whole ONNX model once (its inputs may have symbolic dims) and
 * compares every output with onnxruntime-node for each set of feeds (float32, int8, uint8, int64):
 * a converter that kept a dim dynamic must agree at several concrete sizes.
 */

function fromOrt(t: ort.Tensor): Tensor {
  const shape = t.dims.length === 0 ? [1] : t.dims.map(Number);
  if (t.type === 'int64') return makeTensor('int32', shape, Int32Array.from(t.data as BigInt64Array, (v) => Number(v)));
  if (t.type === 'bool' || t.type === 'uint8') return makeTensor(t.type === 'bool' ? 'bool' : 'int32', shape, t.type === 'bool' ? Uint8Array.from(t.data as Uint8Array) : Int32Array.from(t.data as Uint8Array));
  return makeTensor('float32', shape, Float32Array.from(t.data as Float32Array));
}

/** A feed for onnxruntime, and the same values as Core ML takes them (8-bit integers widen and int64 narrows to int32; a float scalar is [1]). */
function feedPair(t: Tensor): { ort: ort.Tensor; mil: Tensor } {
  if (t.dtype === 'int64') {
    const values = t.data as BigInt64Array;
    return { ort: new ort.Tensor('int64', values, [...t.shape]), mil: makeTensor('int32', t.shape, Int32Array.from(values, (v) => Number(v))) };
  }
  if (t.dtype === 'uint8' || t.dtype === 'int8') {
    return { ort: new ort.Tensor(t.dtype, t.data as Uint8Array | Int8Array, [...t.shape]), mil: makeTensor('int32', t.shape, Int32Array.from(t.data as Uint8Array)) };
  }
  return { ort: new ort.Tensor('float32', t.data as Float32Array, [...t.shape]), mil: t.shape.length === 0 ? makeTensor('float32', [1], t.data as Float32Array) : t };
}

export async function compareModelWithOrt(m: OnnxModel, feedSets: Record<string, Tensor>[]): Promise<OutputVerdict[][]> {
  const session = await ort.InferenceSession.create(encodeOnnxModel(m));
  const converted = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' });
  const results: OutputVerdict[][] = [];
  for (const feeds of feedSets) {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = feedPair(t).ort;
    const expected = await session.run(ortFeeds);
    const milFeeds: Record<string, Tensor> = {};
    m.graph.inputs.forEach((info, k) => (milFeeds[converted.model.inputs[k]!.name] = feedPair(feeds[info.name]!).mil));
    const actual = runModel(converted.model, milFeeds);
    results.push(m.graph.outputs.map((o, k) => evaluateOutput(fromOrt(expected[o.name]!), actual[converted.model.outputs[k]!.name]!, FP32_GATE)));
  }
  return results;
}
