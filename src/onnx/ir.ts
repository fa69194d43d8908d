import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * The in-memory ONNX graph this project works on, decoded from ModelProto by
 * `decode.ts`. Tensors are typed arrays (int64 stays BigInt64Array here; the
 * narrowing to int32 is the converter's job, with a range check).
 */

/** A dimension: a number when static, a symbolic name or null when not. */
export type OnnxDim = number | string | null;

/** What kind of value a typed name holds; everything but 'tensor' is outside what Core ML can express. */
export type OnnxValueKind = 'tensor' | 'sequence' | 'map' | 'optional' | 'sparse_tensor';

export interface OnnxValueInfo {
  name: string;
  /** Kind of value when the model gives a type; undefined means untyped (treat as tensor). */
  kind?: OnnxValueKind;
  /** ONNX's spelling of the full type for messages, e.g. `tensor(float)`, `seq(tensor(int64))`. */
  typeName?: string;
  /** Undefined when the model does not say (e.g. an untyped intermediate). */
  dtype?: DType;
  /** Undefined when the rank is unknown. */
  shape?: OnnxDim[];
  docString?: string;
}

export type OnnxAttributeValue =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number }
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: Tensor }
  | { type: 'graph'; value: OnnxGraph }
  | { type: 'floats'; value: number[] }
  | { type: 'ints'; value: number[] }
  | { type: 'strings'; value: string[] }
  | { type: 'tensors'; value: Tensor[] }
  | { type: 'graphs'; value: OnnxGraph[] };

export interface OnnxNode {
  /** Node name; decode() fills a unique `<OpType>_<index>` when the model leaves it empty. */
  name: string;
  opType: string;
  domain: string;
  /** Input value names; '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attributes: Map<string, OnnxAttributeValue>;
  /** Inside function bodies: attributes that take the value of the calling node's attribute (name → caller's name). */
  attributeRefs?: Map<string, string>;
  docString?: string;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  /** Graph inputs that are not initializers (the model's real inputs). */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  /** Constant tensors by name. */
  initializers: Map<string, Tensor>;
  /** Types of intermediate values as far as known (from value_info and shape inference). */
  valueInfo: Map<string, OnnxValueInfo>;
  docString?: string;
}

export interface OnnxFunction {
  name: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: string[];
  /** Attributes with default values (FunctionProto.attribute_proto). */
  attributeDefaults?: Map<string, OnnxAttributeValue>;
  nodes: OnnxNode[];
  opsetImports: Map<string, number>;
  docString?: string;
}

export interface OnnxModel {
  irVersion: number;
  /** Opset version per domain; '' is ai.onnx. */
  opsetImports: Map<string, number>;
  producerName: string;
  producerVersion: string;
  docString?: string;
  /** model_version, when the model sets one (non-zero). */
  modelVersion?: number;
  metadata: Map<string, string>;
  graph: OnnxGraph;
  functions: OnnxFunction[];
  /** The file the model came from, for messages. */
  sourcePath?: string;
}

/** ai.onnx opset of a model (the default domain, '' or 'ai.onnx'). */
export function defaultOpset(model: OnnxModel): number {
  return model.opsetImports.get('') ?? model.opsetImports.get('ai.onnx') ?? 1;
}

export function attr(node: OnnxNode, name: string): OnnxAttributeValue | undefined {
  return node.attributes.get(name);
}

export function attrInt(node: OnnxNode, name: string, fallback: number): number;
export function attrInt(node: OnnxNode, name: string): number | undefined;
export function attrInt(node: OnnxNode, name: string, fallback?: number): number | undefined {
  const a = node.attributes.get(name);
  return a?.type === 'int' ? a.value : fallback;
}

/** An int attribute read as a flag: ONNX treats any non-zero value as true (transB = 255 transposes). */
export function attrBool(node: OnnxNode, name: string, fallback: boolean): boolean {
  const a = node.attributes.get(name);
  return a?.type === 'int' ? a.value !== 0 : fallback;
}

export function attrFloat(node: OnnxNode, name: string, fallback: number): number;
export function attrFloat(node: OnnxNode, name: string): number | undefined;
export function attrFloat(node: OnnxNode, name: string, fallback?: number): number | undefined {
  const a = node.attributes.get(name);
  if (a?.type === 'float') return a.value;
  if (a?.type === 'int') return a.value;
  return fallback;
}

export function attrInts(node: OnnxNode, name: string): number[] | undefined {
  const a = node.attributes.get(name);
  return a?.type === 'ints' ? a.value : undefined;
}

export function attrFloats(node: OnnxNode, name: string): number[] | undefined {
  const a = node.attributes.get(name);
  return a?.type === 'floats' ? a.value : undefined;
}

export function attrString(node: OnnxNode, name: string, fallback: string): string;
export function attrString(node: OnnxNode, name: string): string | undefined;
export function attrString(node: OnnxNode, name: string, fallback?: string): string | undefined {
  const a = node.attributes.get(name);
  return a?.type === 'string' ? a.value : fallback;
}

export function attrTensor(node: OnnxNode, name: string): Tensor | undefined {
  const a = node.attributes.get(name);
  return a?.type === 'tensor' ? a.value : undefined;
}
