import { milConst } from '../../mil/builder.js';
import { attr, attrInt, attrInts, type OnnxGraph, type OnnxNode } from '../../onnx/ir.js';
import { makeTensor } from '../../tensor/tensor.js';
import { narrowConstant } from '../narrow.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type OpConverter } from '../types.js';
import { decidersAdvice, mergeDeciders } from '../deciders.js';
import { convertSubgraph, type SubgraphBinding } from './control.js';
import { scanAsWhileLoop } from './scan-loop.js';
import { outputName } from './nn-util.js';

/**
 * ONNX Scan, unrolled over a static number of iterations: each iteration
 * slices every scan input along its axis (reversed when its direction is 1),
 * runs a copy of the body with the state variables, and the per-iteration
 * scan outputs are stacked along their output axes (prepended when their
 * direction is 1). Opset 8's batched form is unrolled per batch row too.
 */

export const MAX_SCAN_ITERATIONS = 256;

interface ScanLayout {
  states: number;
  scanInputs: number;
  inputAxes: number[];
  inputReversed: boolean[];
  outputAxes: number[];
  outputReversed: boolean[];
}

function layoutOf(node: OnnxNode, ctx: ConvertContext, body: OnnxGraph, first: number): ScanLayout {
  const scanInputs = attrInt(node, 'num_scan_inputs') ?? ctx.unsupported(node, 'num_scan_inputs is missing');
  const states = node.inputs.length - first - scanInputs;
  const scanOutputs = body.outputs.length - states;
  const list = (name: string, n: number) => attrInts(node, name) ?? new Array<number>(n).fill(0);
  return {
    states, scanInputs,
    inputAxes: list('scan_input_axes', scanInputs),
    inputReversed: list('scan_input_directions', scanInputs).map((d) => d === 1),
    outputAxes: list('scan_output_axes', scanOutputs),
    outputReversed: list('scan_output_directions', scanOutputs).map((d) => d === 1),
  };
}

/** Element `index` of `x` along `axis`, that axis dropped. */
function take(ctx: ConvertContext, x: string, axis: number, index: number): string {
  const rank = ctx.b.typeOf(x).shape.length;
  const flags = (pick: (d: number) => boolean) => makeTensor('bool', [rank], Uint8Array.from({ length: rank }, (_, d) => (pick(d) ? 1 : 0)));
  const at = (v: number) => milConst.ints(Array.from({ length: rank }, (_, d) => (d === axis ? v : 0)));
  return ctx.b.op1('slice_by_index', {
    x, begin: at(index), end: at(index + 1),
    begin_mask: flags((d) => d !== axis), end_mask: flags((d) => d !== axis), squeeze_mask: flags((d) => d === axis),
  });
}

function asValue(ctx: ConvertContext, b: SubgraphBinding, hint: string): string {
  return typeof b === 'string' ? b : ctx.b.const(narrowConstant(b, hint), hint);
}

function stack(ctx: ConvertContext, values: string[], axis: number, name?: string): string {
  return ctx.b.op1('stack', { values, axis: milConst.int(axis) }, name ? { name } : {});
}

interface Sequence {
  states: SubgraphBinding[];
  scans: string[];
}

/** Runs the body over every iteration of one (unbatched) sequence. */
function runSequence(ctx: ConvertContext, node: OnnxNode, body: OnnxGraph, layout: ScanLayout, start: Sequence): { states: SubgraphBinding[]; outputs: string[] } {
  const lengths = start.scans.map((x, k) => ctx.b.typeOf(x).shape[normalize(layout.inputAxes[k]!, ctx.b.typeOf(x).shape.length)]);
  const steps = lengths[0];
  if (typeof steps !== 'number' || lengths.some((n) => n !== steps)) {
    const advice = decidersAdvice('the sequence length', mergeDeciders(node.inputs.slice(-layout.scanInputs).map((name) => ctx.deciders(name, true))));
    ctx.unsupported(node, `scan inputs need one static sequence length${advice ? `; ${advice}` : ''}`);
  }
  if (steps > MAX_SCAN_ITERATIONS) ctx.unsupported(node, `unrolling is limited to ${MAX_SCAN_ITERATIONS} iterations (the sequence has ${steps})`);
  if (steps === 0) ctx.unsupported(node, 'an empty sequence leaves the scan outputs without an element type');
  let states = start.states;
  const perIteration: string[][] = [];
  for (let t = 0; t < steps; t++) {
    const slices = start.scans.map((x, k) => {
      const axis = normalize(layout.inputAxes[k]!, ctx.b.typeOf(x).shape.length);
      return take(ctx, x, axis, layout.inputReversed[k] ? steps - 1 - t : t);
    });
    const outs = convertSubgraph(ctx, node, body, [...states, ...slices]);
    states = outs.slice(0, layout.states);
    perIteration.push(outs.slice(layout.states).map((o, k) => asValue(ctx, o, `${outputName(node)}_scan${k}_${t}`)));
  }
  const outputs = layout.outputAxes.map((axis, k) => {
    const values = perIteration.map((iteration) => iteration[k]!);
    if (layout.outputReversed[k]) values.reverse();
    return stack(ctx, values, normalize(axis, ctx.b.typeOf(values[0]!).shape.length + 1));
  });
  return { states, outputs };
}

function normalize(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

function bodyOf(node: OnnxNode, ctx: ConvertContext): OnnxGraph {
  const a = attr(node, 'body');
  return a?.type === 'graph' ? a.value : ctx.unsupported(node, 'the body attribute is missing');
}

function bindResults(ctx: ConvertContext, node: OnnxNode, states: SubgraphBinding[], outputs: string[]): void {
  states.forEach((s, k) => ctx.setOutput(node, k, ctx.b.op1('identity', { x: asValue(ctx, s, `${outputName(node, k)}_state`) }, { name: outputName(node, k) })));
  outputs.forEach((v, k) => ctx.setOutput(node, states.length + k, v));
}

/** Opset 8: every input carries a leading batch axis; each batch row is its own sequence. */
function convertBatched(node: OnnxNode, ctx: ConvertContext, body: OnnxGraph): void {
  if (node.inputs[0]) ctx.unsupported(node, 'sequence_lens is not supported');
  const layout = layoutOf(node, ctx, body, 1);
  const inputs = node.inputs.slice(1).map((_, k) => ctx.requireInput(node, k + 1));
  const batch = ctx.b.typeOf(inputs[0]!).shape[0];
  if (typeof batch !== 'number') ctx.unsupported(node, 'the batch size must be static');
  layout.inputAxes = layout.inputAxes.map(() => 0);
  layout.outputAxes = layout.outputAxes.map(() => 0);
  const rows = Array.from({ length: batch }, (_, b) => {
    const row = inputs.map((x) => take(ctx, x, 0, b));
    return runSequence(ctx, node, body, layout, { states: row.slice(0, layout.states), scans: row.slice(layout.states) });
  });
  const states = Array.from({ length: layout.states }, (_, k) => stack(ctx, rows.map((r) => asValue(ctx, r.states[k]!, `state${k}`)), 0, outputName(node, k)));
  const outputs = layout.outputAxes.map((_, k) => stack(ctx, rows.map((r) => r.outputs[k]!), 0, outputName(node, layout.states + k)));
  states.forEach((s, k) => ctx.setOutput(node, k, s));
  outputs.forEach((v, k) => ctx.setOutput(node, layout.states + k, v));
}

export const scanConverter: OpConverter = {
  opsets: [8, LATEST_ONNX_OPSET],
  milOps: ['slice_by_index', 'stack', 'identity', 'while_loop', 'shape', 'gather', 'sub', 'less', 'add'],
  limits: `unrolled: static sequence length up to ${MAX_SCAN_ITERATIONS}; a dynamic length only without scan outputs (a while_loop); opset 8 without sequence_lens`,
  convert(node, ctx) {
    const body = bodyOf(node, ctx);
    if (ctx.opset < 9) return convertBatched(node, ctx, body);
    const layout = layoutOf(node, ctx, body, 0);
    const states: SubgraphBinding[] = Array.from({ length: layout.states }, (_, k) => ctx.constant(node, k) ?? ctx.requireInput(node, k));
    const scans = Array.from({ length: layout.scanInputs }, (_, k) => ctx.requireInput(node, layout.states + k));
    const axes = scans.map((x, k) => normalize(layout.inputAxes[k]!, ctx.b.typeOf(x).shape.length));
    const dynamicLength = scans.some((x, k) => ctx.b.typeOf(x).shape[axes[k]!] === null);
    if (dynamicLength && layout.outputAxes.length === 0) {
      return scanAsWhileLoop(node, ctx, body, { states, scans, axes, reversed: layout.inputReversed });
    }
    const result = runSequence(ctx, node, body, layout, { states, scans });
    bindResults(ctx, node, result.states, result.outputs);
  },
};
