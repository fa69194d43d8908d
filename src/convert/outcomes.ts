import type { NodeOutcome, NodeStatus } from '../errors.js';
import { walkOperations, type MilOperation } from '../mil/ir.js';
import type { OnnxGraph, OnnxModel, OnnxNode } from '../onnx/ir.js';
import type { CoverageRow } from '../report/schema.js';
import { converterFor } from './registry.js';

/**
 * What the conversion did with each ONNX node, and the op-coverage table built
 * from it: counts from the model (If/Loop/Scan bodies included), outcomes from
 * the converter, and the MIL ops each node type actually became from the
 * program's per-op provenance — never from the converters' "may emit" lists,
 * which only document what a converter can do.
 */

/** One op type's row: the report's schema, built here. */
export type OpCoverageRow = CoverageRow;

export interface CoverageReport {
  ops: OpCoverageRow[];
  /** Every node the conversion refused, with the reason. */
  unsupported: { op: string; node: string; reason: string }[];
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

/** Which outcome wins when one node is converted more than once (a Loop body unrolled per iteration). */
const PRECEDENCE: Readonly<Record<NodeStatus, number>> = { folded: 0, converted: 1, skipped: 2, failed: 3 };

/** The outcome of every node the conversion reached, one per node however often it was converted. */
export class NodeOutcomes {
  private readonly byNode = new Map<string, NodeOutcome>();

  record(node: OnnxNode, status: NodeStatus, reason?: string): void {
    const key = `${qualifiedOpName(node)}\u0000${node.name}`;
    const before = this.byNode.get(key);
    if (before && PRECEDENCE[before.status] >= PRECEDENCE[status]) return;
    this.byNode.set(key, { op: qualifiedOpName(node), node: node.name, status, ...(reason === undefined ? {} : { reason }) });
  }

  list(): NodeOutcome[] {
    return [...this.byNode.values()];
  }
}

/** Node count per op type, descending into every graph attribute (If branches, Loop and Scan bodies). */
export function countNodes(graph: OnnxGraph, counts = new Map<string, number>()): Map<string, number> {
  for (const node of graph.nodes) {
    const op = qualifiedOpName(node);
    counts.set(op, (counts.get(op) ?? 0) + 1);
    for (const attr of node.attributes.values()) {
      if (attr.type === 'graph') countNodes(attr.value, counts);
      else if (attr.type === 'graphs') for (const g of attr.value) countNodes(g, counts);
    }
  }
  return counts;
}

/** MIL op counts per source op type, from the operations' provenance; const ops are weights and parameters, not work. */
function emittedBySourceOp(operations: readonly MilOperation[]): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const op of walkOperations({ inputs: [], operations: [...operations], outputs: [] })) {
    if (!op.source || op.type === 'const') continue;
    const counts = out.get(op.source.opType) ?? {};
    counts[op.type] = (counts[op.type] ?? 0) + 1;
    out.set(op.source.opType, counts);
  }
  return out;
}

/**
 * The coverage table of one conversion attempt. Nodes of the model the
 * conversion never reached were folded away before it (constant folding,
 * an If whose condition folded), so they count as folded.
 */
export function coverageOf(model: OnnxModel, outcomes: readonly NodeOutcome[], operations: readonly MilOperation[]): CoverageReport {
  const counts = countNodes(model.graph);
  const byOp = new Map<string, NodeOutcome[]>();
  for (const o of outcomes) byOp.set(o.op, [...(byOp.get(o.op) ?? []), o]);
  for (const [op, list] of byOp) if (list.length > (counts.get(op) ?? 0)) counts.set(op, list.length);
  const emitted = emittedBySourceOp(operations);
  const ops = [...counts.entries()]
    .map(([op, count]): OpCoverageRow => {
      const list = byOp.get(op) ?? [];
      const n = (status: NodeStatus) => list.filter((o) => o.status === status).length;
      const made = emitted.get(op) ?? {};
      const failed = n('failed');
      return {
        op,
        count,
        folded: n('folded') + (count - list.length),
        failed,
        skipped: n('skipped'),
        milOps: Object.keys(made).sort((a, b) => made[b]! - made[a]! || a.localeCompare(b)),
        emitted: made,
        supported: failed === 0,
      };
    })
    .sort((a, b) => a.op.localeCompare(b.op));
  const unsupported = outcomes.filter((o) => o.status === 'failed').map((o) => ({ op: o.op, node: o.node, reason: o.reason ?? 'not converted' }));
  return { ops, unsupported };
}
