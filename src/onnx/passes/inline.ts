import { ModelInputError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { OnnxAttributeValue, OnnxFunction, OnnxGraph, OnnxModel, OnnxNode } from '../ir.js';

/**
 * Inlining passes: calls to the model's local functions (FunctionProto) are
 * replaced by the function bodies, and If nodes whose condition is a constant
 * by their taken branch. Inner values get names prefixed by the calling node,
 * so they never collide with the graph's own names. Both return the model
 * unchanged (the same object) when there is nothing to inline.
 */

/** How deep function calls may nest before the model is taken to be recursive. */
const MAX_CALL_DEPTH = 32;

type Rename = (name: string) => string;

function isDefaultDomain(domain: string): boolean {
  return domain === '' || domain === 'ai.onnx';
}

/** Renames node inputs and outputs, also the inputs read from subgraphs of the node (If/Loop bodies). */
function renameNode(node: OnnxNode, rename: Rename, prefix: string, index: number): OnnxNode {
  const attributes = new Map<string, OnnxAttributeValue>();
  for (const [k, v] of node.attributes) {
    if (v.type === 'graph') attributes.set(k, { type: 'graph', value: renameGraphReads(v.value, rename) });
    else if (v.type === 'graphs') attributes.set(k, { type: 'graphs', value: v.value.map((g) => renameGraphReads(g, rename)) });
    else attributes.set(k, v);
  }
  const renamed: OnnxNode = {
    ...node,
    name: `${prefix}${node.name || `${node.opType}_${index}`}`,
    inputs: node.inputs.map((i) => (i === '' ? '' : rename(i))),
    outputs: node.outputs.map((o) => (o === '' ? '' : rename(o))),
    attributes,
  };
  return renamed;
}

/** A subgraph with the outer names it reads renamed (its own values keep their names). */
function renameGraphReads(graph: OnnxGraph, rename: Rename): OnnxGraph {
  const own = new Set<string>([...graph.inputs.map((i) => i.name), ...graph.initializers.keys()]);
  for (const n of graph.nodes) for (const o of n.outputs) own.add(o);
  const outer: Rename = (name) => (own.has(name) ? name : rename(name));
  const nodes = graph.nodes.map((n) => ({ ...renameNode(n, outer, '', 0), name: n.name, outputs: n.outputs }));
  return { ...graph, nodes, outputs: graph.outputs.map((o) => ({ ...o, name: outer(o.name) })) };
}

// ---------------------------------------------------------------- functions

function resolveAttributes(inner: OnnxNode, caller: OnnxNode, fn: OnnxFunction): Map<string, OnnxAttributeValue> {
  const out = new Map(inner.attributes);
  for (const [name, ref] of inner.attributeRefs ?? []) {
    const value = caller.attributes.get(ref) ?? fn.attributeDefaults?.get(ref);
    if (value) out.set(name, value);
  }
  return out;
}

/** The body of `fn` for one call, with inputs/outputs bound to the caller's values. */
function expandCall(caller: OnnxNode, fn: OnnxFunction, callIndex: number): OnnxNode[] {
  const prefix = `${caller.name || `${fn.name}_${callIndex}`}/`;
  const bound = new Map<string, string>();
  fn.inputs.forEach((name, k) => bound.set(name, caller.inputs[k] ?? ''));
  fn.outputs.forEach((name, k) => {
    const target = caller.outputs[k];
    if (target) bound.set(name, target);
  });
  const rename: Rename = (name) => bound.get(name) ?? `${prefix}${name}`;
  return fn.nodes.map((inner, k) => {
    const node = renameNode({ ...inner, attributes: resolveAttributes(inner, caller, fn) }, rename, prefix, k);
    delete node.attributeRefs;
    return node;
  });
}

function functionKey(domain: string, name: string): string {
  return `${isDefaultDomain(domain) ? '' : domain}::${name}`;
}

/** A node whose subgraphs (If branches, Loop and Scan bodies) have their calls inlined too. */
function withInlinedSubgraphs(node: OnnxNode, inline: (nodes: OnnxNode[]) => OnnxNode[]): OnnxNode {
  if (![...node.attributes.values()].some((a) => a.type === 'graph' || a.type === 'graphs')) return node;
  const attributes = new Map<string, OnnxAttributeValue>();
  for (const [k, v] of node.attributes) {
    if (v.type === 'graph') attributes.set(k, { type: 'graph', value: { ...v.value, nodes: inline(v.value.nodes) } });
    else if (v.type === 'graphs') attributes.set(k, { type: 'graphs', value: v.value.map((g) => ({ ...g, nodes: inline(g.nodes) })) });
    else attributes.set(k, v);
  }
  return { ...node, attributes };
}

/** Replaces every call to a model-local function by its body, repeatedly (functions may call functions), also inside subgraphs. */
export function inlineFunctions(model: OnnxModel): OnnxModel {
  if (model.functions.length === 0) return model;
  const byKey = new Map(model.functions.map((f) => [functionKey(f.domain, f.name), f]));
  const inline = (graphNodes: OnnxNode[]): OnnxNode[] => {
    let nodes = graphNodes;
    for (let depth = 0; ; depth++) {
      let calls = 0;
      nodes = nodes.flatMap((node, k) => {
        const fn = byKey.get(functionKey(node.domain, node.opType));
        if (!fn) return [node];
        calls++;
        return expandCall(node, fn, k);
      });
      if (calls === 0) return nodes.map((n) => withInlinedSubgraphs(n, inline));
      if (depth >= MAX_CALL_DEPTH) {
        const file = model.sourcePath;
        throw new ModelInputError('MALFORMED', `local functions call each other more than ${MAX_CALL_DEPTH} levels deep (recursion?)`, file === undefined ? {} : { file });
      }
    }
  };
  return { ...model, graph: { ...model.graph, nodes: inline(model.graph.nodes) }, functions: [] };
}

// ------------------------------------------------------------- constant If

function truthy(t: Tensor): boolean {
  if (t.data.length !== 1) return false;
  const v = t.data[0];
  return typeof v === 'bigint' ? v !== 0n : Boolean(v);
}

/** The taken branch of an If whose condition is constant, inlined; undefined when the condition is not constant. */
function expandIf(node: OnnxNode, constants: Map<string, Tensor>, initializers: Map<string, Tensor>, index: number): OnnxNode[] | undefined {
  const cond = constants.get(node.inputs[0] ?? '');
  if (!cond || cond.data.length !== 1) return undefined;
  const attribute = node.attributes.get(truthy(cond) ? 'then_branch' : 'else_branch');
  if (attribute?.type !== 'graph') return undefined;
  const branch = attribute.value;
  const prefix = `${node.name || `If_${index}`}/`;
  const own = new Set<string>(branch.initializers.keys());
  for (const n of branch.nodes) for (const o of n.outputs) if (o !== '') own.add(o);
  const rename: Rename = (name) => (own.has(name) ? `${prefix}${name}` : name);
  for (const [name, t] of branch.initializers) initializers.set(rename(name), t);
  const body = branch.nodes.map((n, k) => renameNode(n, rename, prefix, k));
  const results = branch.outputs.map((o, k): OnnxNode => ({
    name: `${prefix}output_${k}`,
    opType: 'Identity',
    domain: '',
    inputs: [rename(o.name)],
    outputs: [node.outputs[k] ?? ''],
    attributes: new Map(),
  }));
  return [...body, ...results.filter((r) => r.outputs[0] !== '')];
}

/** Replaces every top-level If whose condition is a constant (an initializer or a folded value) by its taken branch. */
export function inlineConstantIfs(model: OnnxModel): OnnxModel {
  const initializers = new Map(model.graph.initializers);
  let changed = false;
  const nodes = model.graph.nodes.flatMap((node, k) => {
    if (node.opType !== 'If' || !isDefaultDomain(node.domain)) return [node];
    const expanded = expandIf(node, model.graph.initializers, initializers, k);
    if (!expanded) return [node];
    changed = true;
    return expanded;
  });
  return changed ? { ...model, graph: { ...model.graph, nodes, initializers } } : model;
}
