import { convertOnnxModel, type ConversionResult } from '../../../src/convert/index.js';
import { mainFunction, walkOperations, type DeploymentTarget, type MilOperation, type MilTensorType } from '../../../src/mil/ir.js';
import { printProgram } from '../../../src/mil/print.js';
import { validateProgram } from '../../../src/mil/validate.js';
import type { OnnxNode, OnnxValueInfo } from '../../../src/onnx/ir.js';
import { runModel } from '../../../src/runtime/interpreter.js';
import { toNumberList, type Tensor } from '../../../src/tensor/tensor.js';
import { model } from '../../helpers/onnx-graph.js';

/** One converted graph (already checked by validateProgram), with lookups tests need. */
export interface Converted {
  result: ConversionResult;
  ops: MilOperation[];
  /** MIL op types in program order, consts left out. */
  types: string[];
  text: string;
  typeOf(name: string): MilTensorType;
  /** The op that produces var `name`. */
  producer(name: string): MilOperation;
  /** The constant value bound to parameter `param` of `op`. */
  constParam(op: MilOperation, param: string): Tensor | undefined;
  /** Runs the converted model on the reference interpreter; outputs as plain numbers by name. */
  run(inputs: Record<string, Tensor>): Record<string, number[]>;
}

export function convertGraph(options: {
  nodes: OnnxNode[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  initializers?: Record<string, Tensor>;
  opset?: number;
  target?: DeploymentTarget;
}): Converted {
  const result = convertOnnxModel(model(options), { target: options.target ?? 'iOS15', precision: 'fp32' });
  const problems = validateProgram(result.model.program);
  if (problems.length > 0) throw new Error(`invalid program:\n${problems.join('\n')}\n${printProgram(result.model.program)}`);
  const fn = mainFunction(result.model.program);
  const ops = [...walkOperations(fn.block)];
  const producer = (name: string): MilOperation => {
    const op = ops.find((o) => o.outputs.some((v) => v.name === name));
    if (!op) throw new Error(`no op produces ${name}`);
    return op;
  };
  return {
    result,
    ops,
    types: ops.filter((o) => o.type !== 'const').map((o) => o.type),
    text: printProgram(result.model.program),
    typeOf: (name) => fn.inputs.find((i) => i.name === name)?.type ?? producer(name).outputs.find((v) => v.name === name)!.type,
    producer,
    run: (inputs) => {
      const outputs = runModel(result.model, inputs);
      return Object.fromEntries(Object.entries(outputs).map(([k, t]) => [k, toNumberList(t)]));
    },
    constParam: (op, param) => {
      const b = op.inputs[param]?.[0];
      if (!b) return undefined;
      if (b.kind === 'value') return b.value;
      const p = ops.find((o) => o.outputs[0]?.name === b.name);
      return p?.type === 'const' ? p.attributes['val'] : undefined;
    },
  };
}

export function firstOp(c: Converted, type: string): MilOperation {
  const op = c.ops.find((o) => o.type === type);
  if (!op) throw new Error(`no ${type} op in\n${c.text}`);
  return op;
}
