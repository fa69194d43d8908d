import { ModelInputError } from '../errors.js';
import { onnx } from '../gen/onnx.js';
import type { Tensor } from '../tensor/tensor.js';
import { valueInfoFromProto } from './decode-types.js';
import type { OnnxAttributeValue, OnnxFunction, OnnxGraph, OnnxNode } from './ir.js';
import type { ElementBudget, OnnxLimits } from './limits.js';
import { bytesToString, int64ToBigInt, int64ToSafeNumber, type ProtoInt64 } from './proto-values.js';
import { tensorFromProto, type ExternalDataReader, type RawDataSource } from './tensor-proto.js';

/** State shared while one model is decoded: limits are enforced across all graphs together. */
export interface DecodeContext {
  readonly file: string;
  readonly limits: OnnxLimits;
  readonly budget: ElementBudget;
  readonly readExternal: ExternalDataReader;
  /** Tensors get data of their own instead of views into the decoded bytes. */
  readonly ownData: boolean;
  /** Large raw_data is read again from the file when first used (see DecodeOnnxOptions.rawDataFrom). */
  readonly rawData?: RawDataSource;
  /** Nodes seen so far over every graph and function. */
  nodeCount: number;
  subgraphCount: number;
}

const AttributeType = onnx.AttributeProto.AttributeType;

/** How tensors of this model hold their data: copied, views, or read on demand. */
function tensorDataOptions(ctx: DecodeContext): { ownData: boolean; rawData?: RawDataSource } {
  return ctx.rawData ? { ownData: ctx.ownData, rawData: ctx.rawData } : { ownData: ctx.ownData };
}

/**
 * int64 attributes become numbers. Values beyond ±2^53 are sentinels such as
 * INT64_MAX for "to the end" in Slice; they round to the nearest double, which
 * keeps their meaning (far beyond any real size).
 */
function attrInt(value: ProtoInt64 | null | undefined): number {
  return value == null ? 0 : Number(int64ToBigInt(value));
}

type AttributeConverter = (a: onnx.IAttributeProto, ctx: DecodeContext, depth: number, where: string) => OnnxAttributeValue;

function subgraph(g: onnx.IGraphProto, ctx: DecodeContext, depth: number, where: string): OnnxGraph {
  if (depth + 1 > ctx.limits.maxSubgraphDepth) {
    throw new ModelInputError('LIMIT_EXCEEDED', `${where} nests subgraphs ${depth + 1} levels deep, above the limit of ${ctx.limits.maxSubgraphDepth}`, {
      file: ctx.file,
    });
  }
  ctx.subgraphCount += 1;
  if (ctx.subgraphCount > ctx.limits.maxSubgraphs) {
    throw new ModelInputError('LIMIT_EXCEEDED', `the model has more than ${ctx.limits.maxSubgraphs} subgraphs (If, Loop and Scan bodies)`, { file: ctx.file });
  }
  return graphFromProto(g, ctx, depth + 1);
}

const unsupportedAttribute = (kind: string): AttributeConverter => (_a, ctx, _d, where) => {
  throw new ModelInputError('UNSUPPORTED_FEATURE', `${where} is a ${kind} attribute, which this tool does not support`, { file: ctx.file });
};

const tensorAttr = (t: onnx.ITensorProto, ctx: DecodeContext, where: string): Tensor =>
  tensorFromProto(t, { file: ctx.file, budget: ctx.budget, readExternal: ctx.readExternal, label: `tensor of ${where}`, ...tensorDataOptions(ctx) });

const ATTRIBUTE_CONVERTERS: Readonly<Record<number, AttributeConverter>> = {
  [AttributeType.FLOAT]: (a) => ({ type: 'float', value: a.f ?? 0 }),
  [AttributeType.INT]: (a) => ({ type: 'int', value: attrInt(a.i) }),
  [AttributeType.STRING]: (a) => ({ type: 'string', value: bytesToString(a.s ?? new Uint8Array()) }),
  [AttributeType.TENSOR]: (a, ctx, _d, where) => ({ type: 'tensor', value: tensorAttr(a.t ?? {}, ctx, where) }),
  [AttributeType.GRAPH]: (a, ctx, d, where) => ({ type: 'graph', value: subgraph(a.g ?? {}, ctx, d, where) }),
  [AttributeType.FLOATS]: (a) => ({ type: 'floats', value: Array.from(a.floats ?? []) }),
  [AttributeType.INTS]: (a) => ({ type: 'ints', value: (a.ints ?? []).map(attrInt) }),
  [AttributeType.STRINGS]: (a) => ({ type: 'strings', value: (a.strings ?? []).map(bytesToString) }),
  [AttributeType.TENSORS]: (a, ctx, _d, where) => ({ type: 'tensors', value: (a.tensors ?? []).map((t) => tensorAttr(t, ctx, where)) }),
  [AttributeType.GRAPHS]: (a, ctx, d, where) => ({ type: 'graphs', value: (a.graphs ?? []).map((g) => subgraph(g, ctx, d, where)) }),
  [AttributeType.SPARSE_TENSOR]: unsupportedAttribute('sparse tensor'),
  [AttributeType.SPARSE_TENSORS]: unsupportedAttribute('sparse tensor list'),
  [AttributeType.TYPE_PROTO]: unsupportedAttribute('type'),
  [AttributeType.TYPE_PROTOS]: unsupportedAttribute('type list'),
};

/** IR version 1 files leave `type` unset; the value field that is present says what it is. */
const TYPE_BY_PRESENT_FIELD: readonly (readonly [keyof onnx.IAttributeProto, number])[] = [
  ['f', AttributeType.FLOAT],
  ['i', AttributeType.INT],
  ['s', AttributeType.STRING],
  ['t', AttributeType.TENSOR],
  ['g', AttributeType.GRAPH],
  ['floats', AttributeType.FLOATS],
  ['ints', AttributeType.INTS],
  ['strings', AttributeType.STRINGS],
  ['tensors', AttributeType.TENSORS],
  ['graphs', AttributeType.GRAPHS],
];

function attributeType(a: onnx.IAttributeProto): number {
  if (a.type) return a.type;
  const present = TYPE_BY_PRESENT_FIELD.find(([field]) => Object.prototype.hasOwnProperty.call(a, field));
  return present ? present[1] : AttributeType.UNDEFINED;
}

export function attributeFromProto(a: onnx.IAttributeProto, ctx: DecodeContext, depth: number, where: string): OnnxAttributeValue {
  const type = attributeType(a);
  const convert = ATTRIBUTE_CONVERTERS[type];
  if (!convert) throw new ModelInputError('MALFORMED', `${where} has no usable type (${type})`, { file: ctx.file });
  return convert(a, ctx, depth, where);
}

/** Node names as given, with empty ones filled by `<OpType>_<index>`, made unique within the graph. */
function nodeNames(nodes: readonly onnx.INodeProto[]): string[] {
  const taken = new Set(nodes.map((n) => n.name ?? '').filter((n) => n !== ''));
  return nodes.map((n, i) => {
    if (n.name) return n.name;
    const base = `${n.opType ?? 'Node'}_${i}`;
    let name = base;
    for (let k = 1; taken.has(name); k++) name = `${base}_${k}`;
    taken.add(name);
    return name;
  });
}

function nodeFromProto(n: onnx.INodeProto, name: string, ctx: DecodeContext, depth: number): OnnxNode {
  const node: OnnxNode = {
    name,
    opType: n.opType ?? '',
    domain: n.domain ?? '',
    inputs: [...(n.input ?? [])],
    outputs: [...(n.output ?? [])],
    attributes: new Map(),
  };
  for (const a of n.attribute ?? []) {
    const attrName = a.name ?? '';
    const where = `attribute "${attrName}" of node "${name}" (${node.opType})`;
    if (node.attributes.has(attrName) || node.attributeRefs?.has(attrName)) {
      throw new ModelInputError('MALFORMED', `${where} appears twice`, { file: ctx.file });
    }
    if (a.refAttrName) (node.attributeRefs ??= new Map()).set(attrName, a.refAttrName);
    else node.attributes.set(attrName, attributeFromProto(a, ctx, depth, where));
  }
  if (n.docString) node.docString = n.docString;
  return node;
}

function nodesFromProto(protos: readonly onnx.INodeProto[], ctx: DecodeContext, depth: number): OnnxNode[] {
  ctx.nodeCount += protos.length;
  if (ctx.nodeCount > ctx.limits.maxNodes) {
    throw new ModelInputError('LIMIT_EXCEEDED', `the model has more than ${ctx.limits.maxNodes} nodes`, { file: ctx.file });
  }
  const names = nodeNames(protos);
  return protos.map((n, i) => nodeFromProto(n, names[i]!, ctx, depth));
}

function initializersFromProto(g: onnx.IGraphProto, ctx: DecodeContext): Map<string, Tensor> {
  const sparse = g.sparseInitializer ?? [];
  if (sparse.length > 0) {
    const name = sparse[0]!.values?.name ?? '';
    throw new ModelInputError('UNSUPPORTED_FEATURE', `sparse initializer "${name}" is not supported; store it dense`, { file: ctx.file });
  }
  const initializers = new Map<string, Tensor>();
  for (const t of g.initializer ?? []) {
    const name = t.name ?? '';
    if (initializers.has(name)) throw new ModelInputError('MALFORMED', `initializer "${name}" appears twice`, { file: ctx.file });
    initializers.set(name, tensorFromProto(t, { file: ctx.file, budget: ctx.budget, readExternal: ctx.readExternal, ...tensorDataOptions(ctx) }));
  }
  return initializers;
}

/** A graph (main graph at depth 0, subgraphs deeper). Inputs that are initializers are not listed as inputs. */
export function graphFromProto(g: onnx.IGraphProto, ctx: DecodeContext, depth: number): OnnxGraph {
  const initializers = initializersFromProto(g, ctx);
  const graph: OnnxGraph = {
    name: g.name ?? '',
    nodes: nodesFromProto(g.node ?? [], ctx, depth),
    inputs: (g.input ?? []).filter((v) => !initializers.has(v.name ?? '')).map(valueInfoFromProto),
    outputs: (g.output ?? []).map(valueInfoFromProto),
    initializers,
    valueInfo: new Map((g.valueInfo ?? []).map((v) => [v.name ?? '', valueInfoFromProto(v)])),
  };
  if (g.docString) graph.docString = g.docString;
  return graph;
}

export function opsetImportsFromProto(imports: readonly onnx.IOperatorSetIdProto[], ctx: DecodeContext): Map<string, number> {
  const opsets = new Map<string, number>();
  for (const o of imports) {
    const domain = o.domain ?? '';
    opsets.set(domain, int64ToSafeNumber(o.version ?? 0, `opset version of domain "${domain}"`, ctx.file));
  }
  return opsets;
}

export function functionFromProto(f: onnx.IFunctionProto, ctx: DecodeContext): OnnxFunction {
  const fn: OnnxFunction = {
    name: f.name ?? '',
    domain: f.domain ?? '',
    inputs: [...(f.input ?? [])],
    outputs: [...(f.output ?? [])],
    attributes: [...(f.attribute ?? [])],
    nodes: nodesFromProto(f.node ?? [], ctx, 0),
    opsetImports: opsetImportsFromProto(f.opsetImport ?? [], ctx),
  };
  const defaults = f.attributeProto ?? [];
  if (defaults.length > 0) {
    fn.attributeDefaults = new Map(
      defaults.map((a) => [a.name ?? '', attributeFromProto(a, ctx, 0, `default of attribute "${a.name ?? ''}" of function "${fn.name}"`)]),
    );
  }
  if (f.docString) fn.docString = f.docString;
  return fn;
}
