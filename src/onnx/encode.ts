import Long from 'long';
import { onnx } from '../gen/onnx.js';
import { onnxTypeOfDType } from './data-type.js';
import type { OnnxAttributeValue, OnnxFunction, OnnxGraph, OnnxModel, OnnxNode, OnnxValueInfo } from './ir.js';
import { tensorToProto } from './tensor-proto.js';

/**
 * OnnxModel back to ModelProto bytes, so tests, benches and examples can build
 * ONNX files without Python. Tensors are written as raw_data (string tensors as
 * string_data); decodeOnnxModel(encodeOnnxModel(m)) gives back an equal model.
 */

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** An int64 field value; numbers beyond ±2^53 (e.g. INT64_MAX sentinels) are clamped into int64 range, never wrapped. */
function int64Field(value: number): number | Long {
  if (Number.isSafeInteger(value)) return value;
  let big = BigInt(Math.trunc(value));
  if (big > INT64_MAX) big = INT64_MAX;
  if (big < INT64_MIN) big = INT64_MIN;
  return Long.fromString(big.toString());
}

const T = onnx.AttributeProto.AttributeType;

type AttributeWriter<K extends OnnxAttributeValue['type']> = (value: Extract<OnnxAttributeValue, { type: K }>['value']) => onnx.IAttributeProto;

const ATTRIBUTE_WRITERS: { readonly [K in OnnxAttributeValue['type']]: AttributeWriter<K> } = {
  float: (v) => ({ type: T.FLOAT, f: v }),
  int: (v) => ({ type: T.INT, i: int64Field(v) }),
  string: (v) => ({ type: T.STRING, s: new TextEncoder().encode(v) }),
  tensor: (v) => ({ type: T.TENSOR, t: tensorToProto('', v) }),
  graph: (v) => ({ type: T.GRAPH, g: graphToProto(v) }),
  floats: (v) => ({ type: T.FLOATS, floats: [...v] }),
  ints: (v) => ({ type: T.INTS, ints: v.map(int64Field) }),
  strings: (v) => ({ type: T.STRINGS, strings: v.map((s) => new TextEncoder().encode(s)) }),
  tensors: (v) => ({ type: T.TENSORS, tensors: v.map((t) => tensorToProto('', t)) }),
  graphs: (v) => ({ type: T.GRAPHS, graphs: v.map(graphToProto) }),
};

function attributeToProto(name: string, attr: OnnxAttributeValue): onnx.IAttributeProto {
  const write = ATTRIBUTE_WRITERS[attr.type] as AttributeWriter<typeof attr.type>;
  return { name, ...write(attr.value as never) };
}

function valueInfoToProto(info: OnnxValueInfo): onnx.IValueInfoProto {
  const proto: onnx.IValueInfoProto = { name: info.name };
  if (info.dtype !== undefined || info.shape !== undefined) {
    const tensorType: onnx.TypeProto.ITensor = { elemType: info.dtype ? (onnxTypeOfDType(info.dtype) ?? 0) : 0 };
    if (info.shape) {
      tensorType.shape = {
        dim: info.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {})),
      };
    }
    proto.type = { tensorType };
  }
  if (info.docString) proto.docString = info.docString;
  return proto;
}

function nodeToProto(node: OnnxNode): onnx.INodeProto {
  const attribute = [...node.attributes].map(([name, value]) => attributeToProto(name, value));
  for (const [name, ref] of node.attributeRefs ?? []) attribute.push({ name, refAttrName: ref });
  const proto: onnx.INodeProto = {
    name: node.name,
    opType: node.opType,
    input: node.inputs,
    output: node.outputs,
    attribute,
  };
  if (node.domain) proto.domain = node.domain;
  if (node.docString) proto.docString = node.docString;
  return proto;
}

function graphToProto(graph: OnnxGraph): onnx.IGraphProto {
  const proto: onnx.IGraphProto = {
    name: graph.name,
    node: graph.nodes.map(nodeToProto),
    initializer: [...graph.initializers].map(([name, tensor]) => tensorToProto(name, tensor)),
    input: graph.inputs.map(valueInfoToProto),
    output: graph.outputs.map(valueInfoToProto),
    valueInfo: [...graph.valueInfo.values()].map(valueInfoToProto),
  };
  if (graph.docString) proto.docString = graph.docString;
  return proto;
}

function opsetsToProto(opsets: Map<string, number>): onnx.IOperatorSetIdProto[] {
  return [...opsets].map(([domain, version]) => ({ domain, version }));
}

function functionToProto(fn: OnnxFunction): onnx.IFunctionProto {
  const proto: onnx.IFunctionProto = {
    name: fn.name,
    domain: fn.domain,
    input: fn.inputs,
    output: fn.outputs,
    attribute: fn.attributes,
    node: fn.nodes.map(nodeToProto),
    opsetImport: opsetsToProto(fn.opsetImports),
    attributeProto: [...(fn.attributeDefaults ?? [])].map(([name, value]) => attributeToProto(name, value)),
  };
  if (fn.docString) proto.docString = fn.docString;
  return proto;
}

/** Serializes a model as ONNX ModelProto bytes. */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const proto: onnx.IModelProto = {
    irVersion: model.irVersion,
    opsetImport: opsetsToProto(model.opsetImports),
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    graph: graphToProto(model.graph),
    metadataProps: [...model.metadata].map(([key, value]) => ({ key, value })),
    functions: model.functions.map(functionToProto),
  };
  if (model.docString) proto.docString = model.docString;
  if (model.modelVersion !== undefined) proto.modelVersion = model.modelVersion;
  return onnx.ModelProto.encode(proto).finish();
}
