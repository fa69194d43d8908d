import { ModelInputError } from '../../errors.js';
import type { OnnxGraph, OnnxNode } from '../ir.js';

/**
 * Orders the nodes of a graph so every node comes after the producers of its
 * inputs. Exporters usually write nodes in order already; this keeps that
 * order where it is valid (Kahn's algorithm over the original positions), so
 * that names and messages stay predictable.
 */
export function topologicalOrder(graph: OnnxGraph, file?: string): OnnxNode[] {
  const available = new Set<string>(['']);
  for (const i of graph.inputs) available.add(i.name);
  for (const name of graph.initializers.keys()) available.add(name);

  const producerOf = new Map<string, number>();
  graph.nodes.forEach((n, idx) => n.outputs.forEach((o) => o !== '' && producerOf.set(o, idx)));

  const pending = new Array<number>(graph.nodes.length).fill(0);
  const consumers = new Map<number, number[]>();
  graph.nodes.forEach((n, idx) => {
    for (const input of new Set(n.inputs)) {
      if (available.has(input)) continue;
      const producer = producerOf.get(input);
      if (producer === undefined) {
        throw new ModelInputError('MALFORMED', `node "${n.name}" (${n.opType}) reads "${input}", which no node, input or initializer defines`, optionsFor(file));
      }
      pending[idx]! += 1;
      consumers.set(producer, [...(consumers.get(producer) ?? []), idx]);
    }
  });

  const ready: number[] = [];
  pending.forEach((count, idx) => count === 0 && ready.push(idx));
  const order: OnnxNode[] = [];
  while (ready.length > 0) {
    // Smallest original index first keeps the exporter's order when it is valid.
    ready.sort((a, b) => a - b);
    const idx = ready.shift()!;
    order.push(graph.nodes[idx]!);
    for (const c of consumers.get(idx) ?? []) {
      pending[c]! -= 1;
      if (pending[c] === 0) ready.push(c);
    }
  }
  if (order.length !== graph.nodes.length) {
    const stuck = graph.nodes.filter((_, idx) => pending[idx]! > 0).map((n) => n.name);
    throw new ModelInputError('MALFORMED', `graph has a cycle through nodes ${stuck.slice(0, 5).join(', ')}`, optionsFor(file));
  }
  return order;
}

function optionsFor(file: string | undefined): { file?: string } {
  return file === undefined ? {} : { file };
}

/**
 * Names a subgraph (an If branch, a Loop or Scan body) reads from enclosing
 * graphs, also those that only the subgraphs of its own nodes read (an If
 * nested in a branch may read a value two scopes up).
 */
export function outerReads(graph: OnnxGraph): string[] {
  const own = new Set<string>([...graph.inputs.map((i) => i.name), ...graph.initializers.keys(), '']);
  for (const n of graph.nodes) for (const o of n.outputs) own.add(o);
  const reads = new Set<string>();
  for (const n of graph.nodes) {
    for (const i of n.inputs) if (!own.has(i)) reads.add(i);
    for (const inner of subgraphsOf(n)) for (const r of outerReads(inner)) if (!own.has(r)) reads.add(r);
  }
  for (const o of graph.outputs) if (!own.has(o.name)) reads.add(o.name);
  return [...reads];
}

function subgraphsOf(node: OnnxNode): OnnxGraph[] {
  return [...node.attributes.values()].flatMap((a) => (a.type === 'graph' ? [a.value] : a.type === 'graphs' ? a.value : []));
}
