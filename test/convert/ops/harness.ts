import { ConversionContext } from '../../../src/convert/context.js';
import { findConverter } from '../../../src/convert/registry.js';
import { MilBuilder } from '../../../src/mil/builder.js';
import type { DeploymentTarget, MilOperation, MilTensorType } from '../../../src/mil/ir.js';
import type { OnnxNode } from '../../../src/onnx/ir.js';
import { toNumberList, type Tensor } from '../../../src/tensor/tensor.js';
import { model } from '../../helpers/onnx-graph.js';

export interface Converted {
  b: MilBuilder;
  ctx: ConversionContext;
  /** Non-const operations, in order. */
  ops: MilOperation[];
  /** The MIL type of ONNX output i. */
  outType(i?: number): MilTensorType;
  /** The op of a given type (the first one). */
  op(type: string): MilOperation;
  /** The constant bound to a parameter of an op. */
  param(op: MilOperation, name: string): Tensor | undefined;
  paramValues(op: MilOperation, name: string): (number | string)[] | undefined;
}

/**
 * Converts one ONNX node with the real ConversionContext and registry, with
 * model inputs declared as MIL function inputs and initializers as constants.
 */
export function convertNode(
  node: OnnxNode,
  inputs: Record<string, MilTensorType>,
  initializers: Record<string, Tensor> = {},
  options: { opset?: number; target?: DeploymentTarget } = {},
): Converted {
  const opset = options.opset ?? 17;
  const b = new MilBuilder(options.target ?? 'iOS15');
  const m = model({ nodes: [node], inputs: [], outputs: [], initializers, opset });
  const ctx = new ConversionContext(b, m.graph, opset);
  for (const [name, type] of Object.entries(inputs)) ctx.bind(name, b.addInput(name, type));
  const conv = findConverter(node.opType, opset);
  if (!conv) throw new Error(`no converter for ${node.opType} at opset ${opset}`);
  conv.convert(node, ctx);
  const param = (op: MilOperation, name: string) => {
    const binding = op.inputs[name]?.[0];
    return binding?.kind === 'name' ? b.constValue(binding.name) : undefined;
  };
  return {
    b,
    ctx,
    ops: b.operations().filter((o) => o.type !== 'const'),
    outType: (i = 0) => b.typeOf(ctx.value(node.outputs[i]!)!),
    op(type) {
      const found = b.operations().find((o) => o.type === type);
      if (!found) throw new Error(`no ${type} op`);
      return found;
    },
    param,
    paramValues(op, name) {
      const t = param(op, name);
      if (!t) return undefined;
      return t.dtype === 'string' ? [...(t.data as string[])] : toNumberList(t);
    },
  };
}

export const f32 = (...shape: (number | null)[]): MilTensorType => ({ dtype: 'float32', shape });
