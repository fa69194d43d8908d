import type { MilTensorType } from '../../mil/ir.js';
import { attr, type OnnxGraph, type OnnxModel, type OnnxNode, type OnnxValueInfo } from '../../onnx/ir.js';
import { inferShapesAndFold } from '../../onnx/passes/infer.js';
import { outerReads, topologicalOrder } from '../../onnx/passes/topo.js';
import { formatShape, type Tensor } from '../../tensor/tensor.js';
import { decidersAdvice } from '../deciders.js';
import { findConverter } from '../registry.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type ConverterTable, type OpConverter } from '../types.js';
import { loopConverter } from './loop.js';
import { outputName } from './nn-util.js';
import { scanConverter } from './scan.js';

/**
 * ONNX If. An If whose condition folds to a constant never reaches here (the
 * preparation passes inline its taken branch); when a converter meets one
 * anyway, it converts the taken branch in place. Any other If becomes a MIL
 * cond whose two blocks hold the converted branches; Core ML needs both
 * branches to return identical types.
 */

/** A stand-in node that reads one value, so the context's per-node readers can resolve a bare name. */
function reader(name: string): OnnxNode {
  return { name: `read ${name}`, opType: 'Identity', domain: '', inputs: [name], outputs: [], attributes: new Map() };
}

function infoOf(ctx: ConvertContext, name: string, mil: MilTensorType): OnnxValueInfo {
  const known = ctx.info(name);
  return { name, dtype: known?.dtype ?? mil.dtype, shape: known?.shape ?? [...mil.shape] };
}

/** What a subgraph input is bound to: a MIL value, or a constant known at conversion time. */
export type SubgraphBinding = string | Tensor;

/**
 * Folds and types a subgraph as a model of its own: its inputs and the values
 * it reads from enclosing graphs become the model's inputs (or initializers,
 * when constant).
 */
function prepareSubgraph(ctx: ConvertContext, graph: OnnxGraph, bindings: readonly SubgraphBinding[]): OnnxGraph {
  const initializers = new Map(graph.initializers);
  const inputs: OnnxValueInfo[] = [];
  graph.inputs.forEach((info, k) => {
    const bound = bindings[k]!;
    if (typeof bound === 'string') inputs.push({ name: info.name, dtype: info.dtype ?? ctx.b.typeOf(bound).dtype, shape: [...ctx.b.typeOf(bound).shape] });
    else initializers.set(info.name, bound);
  });
  for (const name of outerReads(graph)) {
    const c = ctx.constant(reader(name), 0);
    if (c) initializers.set(name, c);
    else inputs.push(infoOf(ctx, name, ctx.b.typeOf(ctx.input(reader(name), 0)!)));
  }
  const model: OnnxModel = {
    irVersion: 8, opsetImports: new Map([['', ctx.opset]]), producerName: '', producerVersion: '', metadata: new Map(), functions: [],
    graph: { ...graph, inputs, initializers },
  };
  return inferShapesAndFold(model).model.graph;
}

/**
 * Converts a subgraph's nodes into the current block, its inputs bound to
 * `bindings`; returns each output as a constant when it folded, else as a MIL value.
 */
export function convertSubgraph(ctx: ConvertContext, node: OnnxNode, graph: OnnxGraph, bindings: readonly SubgraphBinding[] = []): SubgraphBinding[] {
  graph.inputs.forEach((info, k) => {
    const bound = bindings[k]!;
    const binder = { ...reader(info.name), outputs: [info.name] };
    if (typeof bound === 'string') ctx.setOutput(binder, 0, bound);
    else ctx.setConstantOutput(binder, 0, bound);
  });
  const prepared = prepareSubgraph(ctx, graph, bindings);
  const outer = new Set(prepared.inputs.map((i) => i.name));
  for (const [name, value] of prepared.initializers) {
    if (!outer.has(name)) ctx.setConstantOutput({ ...reader(name), outputs: [name] }, 0, value);
  }
  for (const inner of topologicalOrder(prepared)) {
    const conv = findConverter(inner.opType, ctx.opset);
    if (!conv || (inner.domain !== '' && inner.domain !== 'ai.onnx')) {
      ctx.recordFailure(inner, `no converter for ${inner.opType}`);
      ctx.unsupported(node, `its body uses ${inner.opType} (node "${inner.name}"), which has no converter`);
    }
    ctx.convertNode(inner);
  }
  return graph.outputs.map((o) => ctx.constant(reader(o.name), 0) ?? ctx.input(reader(o.name), 0)!);
}

/** A subgraph result as a MIL value (constants become const ops). */
export function valueOf(ctx: ConvertContext, name: string): string {
  return ctx.input(reader(name), 0)!;
}

function branch(node: OnnxNode, which: 'then_branch' | 'else_branch', ctx: ConvertContext): OnnxGraph {
  const a = attr(node, which);
  return a?.type === 'graph' ? a.value : ctx.unsupported(node, `${which} is missing`);
}

/** A branch output as a value the block itself makes (Core ML blocks return their own ops' results). */
function ownValue(ctx: ConvertContext, value: string, madeHere: ReadonlySet<string>): string {
  return madeHere.has(value) ? value : ctx.b.op1('identity', { x: value });
}

function blockFor(ctx: ConvertContext, node: OnnxNode, graph: OnnxGraph) {
  return ctx.b.nestedBlock([], () => {
    convertSubgraph(ctx, node, graph);
    const values = graph.outputs.map((o) => valueOf(ctx, o.name));
    const madeHere = new Set(ctx.b.operations().flatMap((op) => op.outputs.map((o) => o.name)));
    return values.map((v) => ownValue(ctx, v, madeHere));
  });
}

function describe(types: readonly MilTensorType[]): string {
  return types.map((t) => `${t.dtype}${formatShape(t.shape)}`).join(', ');
}

function sameTypes(a: readonly MilTensorType[], b: readonly MilTensorType[]): boolean {
  return a.length === b.length && a.every((t, i) => t.dtype === b[i]!.dtype && formatShape(t.shape) === formatShape(b[i]!.shape));
}

function truthy(t: Tensor): boolean {
  const v = t.data[0];
  return typeof v === 'bigint' ? v !== 0n : Boolean(v);
}

const ifConverter: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['cond', 'identity', 'squeeze'],
  limits: 'a run-time condition needs both branches to return the same dtypes and shapes (freeze the input that decides it to inline one branch)',
  convert(node, ctx) {
    const constant = ctx.constant(node, 0);
    if (constant && constant.data.length === 1) {
      const taken = branch(node, truthy(constant) ? 'then_branch' : 'else_branch', ctx);
      convertSubgraph(ctx, node, taken);
      taken.outputs.forEach((o, k) => ctx.setOutput(node, k, valueOf(ctx, o.name)));
      return;
    }
    let pred = ctx.requireInput(node, 0);
    if (ctx.b.typeOf(pred).shape.length > 0) pred = ctx.b.op1('squeeze', { x: pred }, { name: `${outputName(node)}_pred` });
    const then = blockFor(ctx, node, branch(node, 'then_branch', ctx));
    const otherwise = blockFor(ctx, node, branch(node, 'else_branch', ctx));
    const [a, b] = [then, otherwise].map((blk) => blk.outputs.map((o) => ctx.b.typeOf(o)));
    if (!sameTypes(a!, b!)) {
      const advice = decidersAdvice('the condition', ctx.deciders(node.inputs[0]!));
      ctx.unsupported(node, `Core ML's cond needs both branches to return the same types: then (${describe(a!)}), else (${describe(b!)})${advice ? `; ${advice}` : ''}`);
    }
    const outputNames = node.outputs.map((_, k) => outputName(node, k));
    const outs = ctx.b.opWithBlocks('cond', { pred }, [then, otherwise], { outputNames });
    outs.forEach((v, k) => ctx.setOutput(node, k, v));
  },
};

export const controlConverters: ConverterTable = { If: ifConverter, Loop: loopConverter, Scan: scanConverter };
