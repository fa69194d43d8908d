import { milConst } from '../../mil/builder.js';
import type { OnnxGraph, OnnxNode } from '../../onnx/ir.js';
import type { ConvertContext } from '../types.js';
import { convertSubgraph, type SubgraphBinding } from './control.js';
import { asValue, describeType, own } from './loop.js';
import { outputName } from './nn-util.js';

/**
 * ONNX Scan over a sequence whose length is only known at run time, when it has
 * no scan outputs (a running state, as a reduction over time): a Core ML
 * while_loop over (step, states...) that reads element t of each scan input
 * with gather (from the end when its direction is 1). Scan outputs would grow
 * each step, which while_loop's fixed-type loop variables cannot hold.
 */

export interface DynamicScan {
  states: SubgraphBinding[];
  scans: string[];
  axes: number[];
  reversed: boolean[];
}

/** The run-time length of `x` along `axis`, as an int32 scalar. */
function lengthAlong(ctx: ConvertContext, x: string, axis: number, name: string): string {
  const dims = ctx.b.op1('shape', { x }, { name: `${name}_dims` });
  return ctx.b.op1('gather', { x: dims, indices: milConst.int(axis), axis: milConst.int(0) }, { name });
}

export function scanAsWhileLoop(node: OnnxNode, ctx: ConvertContext, body: OnnxGraph, scan: DynamicScan): void {
  const name = outputName(node);
  const length = lengthAlong(ctx, scan.scans[0]!, scan.axes[0]!, `${name}_length`);
  const last = ctx.b.op1('sub', { x: length, y: milConst.int(1) }, { name: `${name}_last` });
  const vars = [ctx.b.const(milConst.int(0), `${name}_t0`), ...scan.states.map((s, k) => asValue(ctx, s, `${name}_s${k}`))];
  const types = vars.map((v, k) => ({ name: `${name}_var${k}`, type: ctx.b.typeOf(v) }));
  const condition = ctx.b.nestedBlock(types, ([t]) => [ctx.b.op1('less', { x: t!, y: length })]);
  const loopBody = ctx.b.nestedBlock(types, ([t, ...states]) => {
    const slices = scan.scans.map((x, k) => {
      const index = scan.reversed[k] ? ctx.b.op1('sub', { x: last, y: t! }) : t!;
      return ctx.b.op1('gather', { x, indices: index, axis: milConst.int(scan.axes[k]!) });
    });
    const outs = convertSubgraph(ctx, node, body, [...states, ...slices]);
    const next = [ctx.b.op1('add', { x: t!, y: milConst.int(1) }), ...outs.map((o, k) => asValue(ctx, o, `${name}_next${k}`))];
    return next.map((v) => own(ctx, v));
  });
  loopBody.outputs.forEach((o, k) => {
    const [want, got] = [types[k]!.type, ctx.b.typeOf(o)];
    if (describeType(want) !== describeType(got)) {
      ctx.unsupported(node, `Core ML's while_loop needs state ${k - 1} to keep its type: it enters as ${describeType(want)} and leaves the body as ${describeType(got)}`);
    }
  });
  const outs = ctx.b.opWithBlocks('while_loop', { loop_vars: vars }, [condition, loopBody], { numOutputs: vars.length });
  outs.slice(1).forEach((v, k) => ctx.setOutput(node, k, v));
}
