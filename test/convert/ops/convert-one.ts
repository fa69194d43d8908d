import { convertOnnxModel } from '../../../src/convert/index.js';
import { mainFunction, type DeploymentTarget, type MilOperation } from '../../../src/mil/ir.js';
import type { OnnxNode, OnnxValueInfo } from '../../../src/onnx/ir.js';
import { toNumberList, type Tensor } from '../../../src/tensor/tensor.js';
import { model } from '../../helpers/onnx-graph.js';

/** Converts a one-node graph and gives access to the non-const ops and their constant parameters. */
export function convertOne(
  n: OnnxNode,
  io: { inputs: OnnxValueInfo[]; outputs: OnnxValueInfo[]; initializers?: Record<string, Tensor>; opset?: number; target?: DeploymentTarget },
) {
  const m = model({ nodes: [n], ...io });
  const result = convertOnnxModel(m, { target: io.target ?? 'iOS15', precision: 'fp32' });
  const fn = mainFunction(result.model.program);
  const ops = fn.block.operations.filter((op) => op.type !== 'const');
  const constOf = (name: string): Tensor | undefined =>
    fn.block.operations.find((op) => op.type === 'const' && op.outputs[0]!.name === name)?.attributes['val'];
  const param = (op: MilOperation, p: string): number[] | undefined => {
    const binding = op.inputs[p]?.[0];
    if (!binding || binding.kind !== 'name') return undefined;
    const t = constOf(binding.name);
    return t ? toNumberList(t) : undefined;
  };
  return { result, fn, ops, types: ops.map((o) => o.type), param };
}
