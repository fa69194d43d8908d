import type { OnnxAttributeValue, OnnxModel, OnnxNode, OnnxValueInfo } from '../../src/onnx/ir.js';
import type { DType } from '../../src/tensor/dtype.js';
import type { Tensor } from '../../src/tensor/tensor.js';

/** Test helpers to build ONNX graphs in memory without any file. */

type AttrInput = number | string | number[] | string[] | Tensor | OnnxAttributeValue;

function toAttr(v: AttrInput, floatHint: boolean): OnnxAttributeValue {
  if (typeof v === 'object' && v !== null && 'type' in v && 'value' in v) return v as OnnxAttributeValue;
  if (typeof v === 'number') return Number.isInteger(v) && !floatHint ? { type: 'int', value: v } : { type: 'float', value: v };
  if (typeof v === 'string') return { type: 'string', value: v };
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'string') return { type: 'strings', value: v as string[] };
    const nums = v as number[];
    return !floatHint && nums.every(Number.isInteger) ? { type: 'ints', value: nums } : { type: 'floats', value: nums };
  }
  return { type: 'tensor', value: v as Tensor };
}

/**
 * A node. Attribute numbers are ints when integral; name a float attribute in
 * `floats` (e.g. ['alpha']) to force a float.
 */
export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  attrs: Record<string, AttrInput> = {},
  floats: string[] = [],
): OnnxNode {
  const attributes = new Map<string, OnnxAttributeValue>();
  for (const [k, v] of Object.entries(attrs)) attributes.set(k, toAttr(v, floats.includes(k)));
  return { name: `${opType}_${outputs[0] ?? 'out'}`, opType, domain: '', inputs, outputs, attributes };
}

export function valueInfo(name: string, dtype: DType, shape: (number | string | null)[]): OnnxValueInfo {
  return { name, dtype, shape };
}

export function model(options: {
  nodes: OnnxNode[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  initializers?: Record<string, Tensor>;
  opset?: number;
}): OnnxModel {
  return {
    irVersion: 8,
    opsetImports: new Map([['', options.opset ?? 17]]),
    producerName: 'test',
    producerVersion: '0',
    metadata: new Map(),
    functions: [],
    graph: {
      name: 'test',
      nodes: options.nodes,
      inputs: options.inputs,
      outputs: options.outputs,
      initializers: new Map(Object.entries(options.initializers ?? {})),
      valueInfo: new Map(),
    },
  };
}
