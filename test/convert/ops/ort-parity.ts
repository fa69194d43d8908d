import { convertOnnxModel } from '../../../src/convert/index.js';
import type { DeploymentTarget } from '../../../src/mil/ir.js';
import { encodeOnnxModel } from '../../../src/onnx/encode.js';
import type { OnnxNode } from '../../../src/onnx/ir.js';
import { FP32_GATE } from '../../../src/parity/gates.js';
import { evaluateOutput, type OutputVerdict } from '../../../src/parity/verdict.js';
import { runModel } from '../../../src/runtime/interpreter.js';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { model, valueInfo } from '../../helpers/onnx-graph.js';
import { runOnOrt } from '../../helpers/ort.js';
import { seededFloats } from '../../helpers/seeded.js';

/**
 * Runs one ONNX node on onnxruntime-node and, converted, on the reference
 * interpreter, and judges every output with the fp32 gate. Two independent
 * implementations agreeing is what shows a converter kept ONNX's meaning.
 */

/** Deterministic float32 values in [-1, 1), so failures reproduce. */
export function seededTensor(shape: number[], seed = 7): Tensor {
  return makeTensor('float32', shape, seededFloats(shape.reduce((a, b) => a * b, 1), seed));
}

export async function compareWithOrt(
  node: OnnxNode,
  inputs: Record<string, Tensor>,
  initializers: Record<string, Tensor> = {},
  options: { opset?: number; target?: DeploymentTarget } = {},
): Promise<OutputVerdict[]> {
  const outputs = node.outputs.filter((o) => o !== '');
  const m = model({
    nodes: [node],
    inputs: Object.entries(inputs).map(([name, t]) => valueInfo(name, 'float32', [...t.shape])),
    outputs: outputs.map((name) => ({ name, dtype: 'float32' as const })),
    initializers,
    opset: options.opset ?? 17,
  });
  const expected = await runOnOrt(encodeOnnxModel(m), inputs);

  const converted = convertOnnxModel(m, { target: options.target ?? 'iOS15', precision: 'fp32' });
  const feedsMil: Record<string, Tensor> = {};
  Object.values(inputs).forEach((t, k) => (feedsMil[converted.model.inputs[k]!.name] = t));
  const actual = runModel(converted.model, feedsMil);
  return outputs.map((name, k) => {
    const ref = expected[name]!;
    const refTensor = makeTensor('float32', ref.dims.map(Number), Float32Array.from(ref.data as Float32Array));
    return evaluateOutput(refTensor, actual[converted.model.outputs[k]!.name]!, FP32_GATE);
  });
}
