import { ModelInputError, type UnsupportedNode } from '../errors.js';
import { defaultOpset, type OnnxModel, type OnnxNode } from '../onnx/ir.js';
import { prepareForConversion } from '../onnx/passes/prepare.js';
import { converterFor } from './registry.js';

export interface CoverageReport {
  ops: { op: string; count: number; supported: boolean; milOps: string[] }[];
  unsupported: UnsupportedNode[];
}

function isDefaultDomain(domain: string): boolean {
  return domain === '' || domain === 'ai.onnx';
}

/** Op name as reports show it: plain for ai.onnx, domain-qualified otherwise. */
export function qualifiedOpName(node: Pick<OnnxNode, 'domain' | 'opType'>): string {
  return isDefaultDomain(node.domain) ? node.opType : `${node.domain}.${node.opType}`;
}

/** Why a node cannot be converted, or undefined when a converter handles it at this opset. */
export function unsupportedReason(node: OnnxNode, opset: number): string | undefined {
  if (!isDefaultDomain(node.domain)) return `ops of domain "${node.domain}" are not supported`;
  const conv = converterFor(node.opType);
  if (!conv) return `no converter for ${node.opType}`;
  const [lo, hi] = conv.opsets;
  if (opset < lo || opset > hi) return `${node.opType} is supported for opsets ${lo}–${hi}, the model uses opset ${opset}`;
  return undefined;
}

/** Every node of the graph that no converter handles, in graph order. */
export function findUnsupportedNodes(model: OnnxModel): UnsupportedNode[] {
  const opset = defaultOpset(model);
  const out: UnsupportedNode[] = [];
  for (const node of model.graph.nodes) {
    const reason = unsupportedReason(node, opset);
    if (reason !== undefined) out.push({ op: qualifiedOpName(node), node: node.name, reason });
  }
  return out;
}

/**
 * Op coverage of a model without building anything: counts per op, whether
 * each converts, and every unsupported node. Nodes that constant folding
 * removes (shape arithmetic) need no converter, so they never count as
 * unsupported.
 */
export function checkOnnxModel(model: OnnxModel): CoverageReport {
  const opset = defaultOpset(model);
  const remaining = foldedGraphNodes(model);
  const counts = new Map<string, { node: OnnxNode; count: number }>();
  for (const node of model.graph.nodes) {
    const key = qualifiedOpName(node);
    const entry = counts.get(key);
    if (entry) entry.count++;
    else counts.set(key, { node, count: 1 });
  }
  const unsupported = findUnsupportedNodes({ ...model, graph: { ...model.graph, nodes: remaining } });
  const unsupportedOps = new Set(unsupported.map((u) => u.op));
  const ops = [...counts.entries()]
    .map(([op, { node, count }]) => ({
      op,
      count,
      supported: unsupportedReason(node, opset) === undefined || !unsupportedOps.has(op),
      milOps: isDefaultDomain(node.domain) ? [...(converterFor(node.opType)?.milOps ?? [])] : [],
    }))
    .sort((a, b) => a.op.localeCompare(b.op));
  return { ops, unsupported };
}

/**
 * The nodes left after folding. An inconsistent model is an input error here as
 * in convert; anything else leaves the raw nodes (the converter will say why).
 */
function foldedGraphNodes(model: OnnxModel): OnnxNode[] {
  try {
    return prepareForConversion(model, { checkDeclared: true }).graph.nodes;
  } catch (err) {
    if (err instanceof ModelInputError) throw err;
    return model.graph.nodes;
  }
}
