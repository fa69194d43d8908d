import { milConst } from '../../mil/builder.js';
import type { MilTensorType } from '../../mil/ir.js';
import { attr, type OnnxGraph, type OnnxNode } from '../../onnx/ir.js';
import { formatShape, makeTensor, toNumberList, type Tensor } from '../../tensor/tensor.js';
import { narrowConstant } from '../narrow.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type OpConverter } from '../types.js';
import { decidersAdvice, mergeDeciders } from '../deciders.js';
import { convertSubgraph, type SubgraphBinding } from './control.js';
import { outputName } from './nn-util.js';

/**
 * ONNX Loop. With a trip count known at conversion time (up to
 * MAX_UNROLLED_ITERATIONS) and a condition that folds each iteration, the
 * body is unrolled: each copy sees its iteration number as a constant, so
 * shapes and indices derived from it fold, and scan outputs are stacked.
 * Otherwise a loop without scan outputs becomes a MIL while_loop over
 * (iteration, condition, carried values...), which needs every carried value
 * to keep its type from one iteration to the next.
 */

export const MAX_UNROLLED_ITERATIONS = 64;

const TRUE = makeTensor('bool', [], Uint8Array.of(1));

function truthy(t: Tensor): boolean {
  const v = t.data[0];
  return typeof v === 'bigint' ? v !== 0n : Boolean(v);
}

function bodyOf(node: OnnxNode, ctx: ConvertContext): OnnxGraph {
  const a = attr(node, 'body');
  return a?.type === 'graph' ? a.value : ctx.unsupported(node, 'the body attribute is missing');
}

export function asValue(ctx: ConvertContext, b: SubgraphBinding, hint: string): string {
  return typeof b === 'string' ? b : ctx.b.const(narrowConstant(b, hint), hint);
}

/** Initial carried values: constants stay constants so the unrolled body can fold them. */
function initialState(node: OnnxNode, ctx: ConvertContext, carried: number): SubgraphBinding[] {
  return Array.from({ length: carried }, (_, k) => ctx.constant(node, k + 2) ?? ctx.requireInput(node, k + 2));
}

/** Unrolls the loop; undefined when some iteration's condition is only known at run time. */
function unroll(node: OnnxNode, ctx: ConvertContext, trips: number, keepGoing: boolean): boolean {
  const body = bodyOf(node, ctx);
  const carried = node.inputs.length - 2;
  let state = initialState(node, ctx, carried);
  const scans: SubgraphBinding[][] = [];
  let go = keepGoing;
  for (let t = 0; t < trips && go; t++) {
    const outs = convertSubgraph(ctx, node, body, [makeTensor('int64', [], BigInt64Array.of(BigInt(t))), TRUE, ...state]);
    const cond = outs[0]!;
    if (typeof cond === 'string') return false;
    go = truthy(cond);
    state = outs.slice(1, 1 + carried);
    scans.push(outs.slice(1 + carried));
  }
  state.forEach((v, k) => (typeof v === 'string' ? ctx.setOutput(node, k, v) : ctx.setConstantOutput(node, k, v)));
  const scanCount = body.outputs.length - 1 - carried;
  for (let s = 0; s < scanCount; s++) {
    if (scans.length === 0) ctx.unsupported(node, 'a scan output of a loop that runs zero times has no element type to build an empty tensor from');
    const values = scans.map((iteration, t) => asValue(ctx, iteration[s]!, `${outputName(node, carried + s)}_${t}`));
    ctx.setOutput(node, carried + s, ctx.b.op1('stack', { values, axis: milConst.int(0) }, { name: outputName(node, carried + s) }));
  }
  return true;
}

/** A bool or int value as a rank-0 MIL value. */
function scalar(ctx: ConvertContext, v: string): string {
  return ctx.b.typeOf(v).shape.length === 0 ? v : ctx.b.op1('reshape', { x: v, shape: milConst.ints([]) });
}

/** A value the current block makes itself (Core ML blocks return their own results). */
export function own(ctx: ConvertContext, v: string): string {
  const made = ctx.b.operations().some((op) => op.outputs.some((o) => o.name === v));
  return made ? v : ctx.b.op1('identity', { x: v });
}

export function describeType(t: MilTensorType): string {
  return `${t.dtype}${formatShape(t.shape)}`;
}

function whileLoop(node: OnnxNode, ctx: ConvertContext): void {
  const body = bodyOf(node, ctx);
  const carried = node.inputs.length - 2;
  const trip = node.inputs[0] ? scalar(ctx, ctx.requireInput(node, 0)) : undefined;
  const start = [milConst.int(0), node.inputs[1] ? scalar(ctx, ctx.requireInput(node, 1)) : milConst.bool(true)].map((v, k) => asValue(ctx, v, `${outputName(node)}_${k === 0 ? 'i' : 'cond'}`));
  const vars = [...start, ...initialState(node, ctx, carried).map((v, k) => asValue(ctx, v, `${outputName(node)}_v${k}`))];
  const types = vars.map((v, k) => ({ name: `${outputName(node)}_var${k}`, type: ctx.b.typeOf(v) }));
  const condition = ctx.b.nestedBlock(types, ([i, c]) => {
    if (trip === undefined) return [own(ctx, c!)];
    return [ctx.b.op1('logical_and', { x: ctx.b.op1('less', { x: i!, y: trip }), y: c! })];
  });
  const loopBody = ctx.b.nestedBlock(types, ([i, c, ...v]) => {
    const outs = convertSubgraph(ctx, node, body, [i!, c!, ...v]);
    const next = [ctx.b.op1('add', { x: i!, y: milConst.int(1) }), scalar(ctx, asValue(ctx, outs[0]!, 'cond')), ...outs.slice(1).map((o, k) => asValue(ctx, o, `carried_${k}`))];
    return next.map((n) => own(ctx, n));
  });
  loopBody.outputs.forEach((o, k) => {
    const [want, got] = [types[k]!.type, ctx.b.typeOf(o)];
    if (describeType(want) !== describeType(got)) {
      ctx.unsupported(node, `Core ML's while_loop needs carried value ${k - 2} to keep its type: it enters as ${describeType(want)} and leaves the body as ${describeType(got)}`);
    }
  });
  const outs = ctx.b.opWithBlocks('while_loop', { loop_vars: vars }, [condition, loopBody], { numOutputs: vars.length });
  outs.slice(2).forEach((v, k) => ctx.setOutput(node, k, v));
}

export const loopConverter: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['while_loop', 'stack', 'less', 'logical_and', 'add', 'identity', 'reshape'],
  limits: `unrolled with a constant trip count ≤ ${MAX_UNROLLED_ITERATIONS} and a condition that folds; otherwise while_loop, which cannot produce scan outputs and needs carried values of fixed type`,
  convert(node, ctx) {
    const body = bodyOf(node, ctx);
    const carried = node.inputs.length - 2;
    const trips = ctx.constant(node, 0);
    const cond = node.inputs[1] ? ctx.constant(node, 1) : TRUE;
    if (trips && cond) {
      const count = toNumberList(trips)[0]!;
      if (count <= MAX_UNROLLED_ITERATIONS && unroll(node, ctx, count, truthy(cond))) return;
    }
    if (body.outputs.length - 1 - carried > 0) {
      const advice = decidersAdvice('the trip count or the condition', mergeDeciders([0, 1].map((i) => ctx.deciders(node.inputs[i] ?? ''))));
      ctx.unsupported(node, `scan outputs need a trip count known at conversion time (at most ${MAX_UNROLLED_ITERATIONS}) and a condition that folds; ${advice || 'freeze the inputs that decide them'}`);
    }
    whileLoop(node, ctx);
  },
};
