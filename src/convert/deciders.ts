import type { OnnxGraph, OnnxNode } from '../onnx/ir.js';

/**
 * Which model inputs decide a value: the inputs it is computed from by value, and
 * those it reads only through Shape or Size (their shape decides it, not their
 * data). A refusal of a run-time decision (an If's condition, a Loop's trip
 * count) names them, so the user knows what to freeze or to fix the shape of.
 */
export interface Deciders {
  values: string[];
  shapes: string[];
}

/** Ops whose result depends on their input's shape only. */
const SHAPE_READERS = new Set(['Shape', 'Size']);

/** Producers of every value of a graph and of the subgraphs of its nodes (names are unique across scopes). */
export function producersOf(graph: OnnxGraph, into = new Map<string, OnnxNode>()): Map<string, OnnxNode> {
  for (const node of graph.nodes) {
    for (const o of node.outputs) if (o !== '') into.set(o, node);
    for (const a of node.attributes.values()) {
      if (a.type === 'graph') producersOf(a.value, into);
      else if (a.type === 'graphs') a.value.forEach((g) => producersOf(g, into));
    }
  }
  return into;
}

/** The inputs deciding a value (or, with `shapeOnly`, deciding only its shape). */
export function decidersOf(name: string, producers: ReadonlyMap<string, OnnxNode>, modelInputs: ReadonlySet<string>, shapeOnly = false): Deciders {
  const found = { values: new Set<string>(), shapes: new Set<string>() };
  const seen = new Set<string>();
  const visit = (value: string, viaShape: boolean): void => {
    const key = `${viaShape ? 's' : 'v'}:${value}`;
    if (value === '' || seen.has(key)) return;
    seen.add(key);
    if (modelInputs.has(value)) (viaShape ? found.shapes : found.values).add(value);
    const producer = producers.get(value);
    if (!producer) return;
    const shapeOnly = viaShape || SHAPE_READERS.has(producer.opType);
    for (const input of producer.inputs) visit(input, shapeOnly);
  };
  visit(name, shapeOnly);
  return { values: [...found.values].sort(), shapes: [...found.shapes].filter((s) => !found.values.has(s)).sort() };
}

/** The inputs that decide any of several values. */
export function mergeDeciders(all: readonly Deciders[]): Deciders {
  const values = new Set(all.flatMap((d) => d.values));
  const shapes = new Set(all.flatMap((d) => d.shapes).filter((s) => !values.has(s)));
  return { values: [...values].sort(), shapes: [...shapes].sort() };
}

/** What to do about a decision made at run time, in words; empty when no model input decides it. */
export function decidersAdvice(what: string, deciders: Deciders): string {
  const quoted = (names: string[]) => names.map((n) => `"${n}"`).join(', ');
  const parts: string[] = [];
  if (deciders.values.length > 0) {
    parts.push(`${what} depends on the value of input ${quoted(deciders.values)}: freeze it (${deciders.values.map((n) => `--freeze ${n}=VALUE`).join(' ')})`);
  }
  if (deciders.shapes.length > 0) {
    parts.push(`${what} depends on the shape of input ${quoted(deciders.shapes)}: give it a static shape (${deciders.shapes.map((n) => `--input-shape ${n}=DIMS`).join(' ')})`);
  }
  return parts.join('; ');
}
