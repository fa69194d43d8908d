import { milConst, type MilArg } from '../../mil/builder.js';
import { attrFloat, attrBool, attrInt, type OnnxNode } from '../../onnx/ir.js';
import type { ConvertContext } from '../types.js';
import { floatScalar } from './nn-util.js';
import { directionParam, initialState, rows, stack, type Activation, type DirectionResult, type RecurrentInput } from './recurrent-util.js';

/**
 * The exact ONNX recurrences unrolled over a static number of time steps with
 * matmul, add, mul and the activation ops. Used whenever the fused MIL
 * lstm/gru/rnn cannot express the node exactly: weights computed at run time,
 * sequence_lens shorter than the sequence, clip, input_forget, parameterized
 * activations, GRU's linear_before_reset = 1 (Core ML's gru resets h before
 * the recurrent matmul, which is ONNX's linear_before_reset = 0).
 */

export type RecurrentKind = 'LSTM' | 'GRU' | 'RNN';

export const GATES: Readonly<Record<RecurrentKind, number>> = { LSTM: 4, GRU: 3, RNN: 1 };

/** Longest sequence unrolled: every step adds a dozen ops to the program. */
export const MAX_UNROLLED_STEPS = 512;

interface State {
  h: MilArg;
  c?: MilArg;
}

interface Cell {
  /** One step: x projection [B, G·H] (input bias included) and the previous state → the new state. */
  step(xt: string, prev: State): { h: string; c?: string };
}

interface CellParams {
  ctx: ConvertContext;
  node: OnnxNode;
  hidden: number;
  r: MilArg;
  rb: MilArg | undefined;
  acts: Activation[];
  clip: (v: string) => string;
}

const b = (p: CellParams) => p.ctx.b;

function matmulT(p: CellParams, x: MilArg, w: MilArg, bias?: MilArg): string {
  const y = b(p).op1('matmul', { x, y: w, transpose_y: milConst.bool(true) });
  return bias === undefined ? y : b(p).op1('add', { x: y, y: bias });
}

function split(p: CellParams, x: string, parts: number): string[] {
  if (parts === 1) return [x];
  return b(p).op('split', { x, num_splits: milConst.int(parts), axis: milConst.int(1) }, { numOutputs: parts });
}

function lstmCell(p: CellParams, peephole: MilArg | undefined): Cell {
  const H = p.hidden;
  const [f, g, h] = p.acts as [Activation, Activation, Activation];
  const peep = peephole === undefined ? undefined : [0, 1, 2].map((k) => rows(p.ctx, peephole, k * H, (k + 1) * H));
  const coupled = attrBool(p.node, 'input_forget', false);
  return {
    step(xt, prev) {
      const pre = b(p).op1('add', { x: xt, y: matmulT(p, prev.h, p.r, p.rb) });
      const [pi, po, pf, pc] = split(p, pre, 4) as [string, string, string, string];
      const withPeep = (v: string, k: number, c: MilArg) => (peep ? b(p).op1('add', { x: v, y: b(p).op1('mul', { x: c, y: peep[k]! }) }) : v);
      const i = f(p.ctx, p.clip(withPeep(pi, 0, prev.c!)));
      const forget = coupled ? b(p).op1('sub', { x: floatScalar(1, b(p).typeOf(i).dtype), y: i }) : f(p.ctx, p.clip(withPeep(pf, 2, prev.c!)));
      const candidate = g(p.ctx, p.clip(pc));
      const c = b(p).op1('add', { x: b(p).op1('mul', { x: forget, y: prev.c! }), y: b(p).op1('mul', { x: i, y: candidate }) });
      const o = f(p.ctx, p.clip(withPeep(po, 1, c)));
      return { h: b(p).op1('mul', { x: o, y: h(p.ctx, c) }), c };
    },
  };
}

function gruCell(p: CellParams): Cell {
  const H = p.hidden;
  const [f, g] = p.acts as [Activation, Activation];
  const resetAfter = attrInt(p.node, 'linear_before_reset', 0) !== 0;
  const rZR = rows(p.ctx, p.r, 0, 2 * H);
  const rH = rows(p.ctx, p.r, 2 * H, 3 * H);
  const rbZR = p.rb === undefined ? undefined : rows(p.ctx, p.rb, 0, 2 * H);
  const rbH = p.rb === undefined ? undefined : rows(p.ctx, p.rb, 2 * H, 3 * H);
  return {
    step(xt, prev) {
      const [xz, xr, xh] = split(p, xt, 3) as [string, string, string];
      const [hz, hr] = split(p, matmulT(p, prev.h, rZR, rbZR), 2) as [string, string];
      const z = f(p.ctx, p.clip(b(p).op1('add', { x: xz, y: hz })));
      const r = f(p.ctx, p.clip(b(p).op1('add', { x: xr, y: hr })));
      const recurrent = resetAfter
        ? b(p).op1('mul', { x: r, y: matmulT(p, prev.h, rH, rbH) })
        : matmulT(p, b(p).op1('mul', { x: r, y: prev.h }), rH, rbH);
      const candidate = g(p.ctx, p.clip(b(p).op1('add', { x: xh, y: recurrent })));
      // (1 - z)·h~ + z·h  =  h~ + z·(h - h~)
      const h = b(p).op1('add', { x: candidate, y: b(p).op1('mul', { x: z, y: b(p).op1('sub', { x: prev.h, y: candidate }) }) });
      return { h };
    },
  };
}

function rnnCell(p: CellParams): Cell {
  const [f] = p.acts as [Activation];
  return { step: (xt, prev) => ({ h: f(p.ctx, p.clip(b(p).op1('add', { x: xt, y: matmulT(p, prev.h, p.r, p.rb) }))) }) };
}

function clipper(ctx: ConvertContext, node: OnnxNode, input: RecurrentInput): (v: string) => string {
  const clip = attrFloat(node, 'clip');
  if (clip === undefined) return (v) => v;
  const alpha = floatScalar(-clip, input.dtype);
  const beta = floatScalar(clip, input.dtype);
  return (v) => ctx.b.op1('clip', { x: v, alpha, beta });
}

/** Keeps the old state where the mask is 0 (past the row's sequence length). */
function masked(ctx: ConvertContext, mask: string | undefined, next: string, prev: MilArg): string {
  if (mask === undefined) return next;
  const delta = ctx.b.op1('mul', { x: mask, y: ctx.b.op1('sub', { x: next, y: prev }) });
  return ctx.b.op1('add', { x: prev, y: delta });
}

export interface UnrollOptions {
  kind: RecurrentKind;
  direction: number;
  reverse: boolean;
  acts: Activation[];
  masks: ((t: number) => string) | undefined;
}

/** Runs one direction of the recurrence over every time step. */
export function unrollDirection(ctx: ConvertContext, node: OnnxNode, input: RecurrentInput, options: UnrollOptions): DirectionResult {
  const { kind, direction: d } = options;
  const steps = input.steps ?? ctx.unsupported(node, `this ${kind} needs the unrolled form, which needs a static sequence length`);
  if (steps > MAX_UNROLLED_STEPS) {
    ctx.unsupported(node, `this ${kind} needs the unrolled form, which is limited to ${MAX_UNROLLED_STEPS} time steps (the sequence has ${steps})`);
  }
  const GH = GATES[kind] * input.hidden;
  const bias = directionParam(ctx, node, 3, d);
  const params: CellParams = {
    ctx, node, hidden: input.hidden, acts: options.acts, clip: clipper(ctx, node, input),
    r: directionParam(ctx, node, 2, d)!,
    rb: bias === undefined ? undefined : rows(ctx, bias, GH, 2 * GH),
  };
  const cell = kind === 'LSTM' ? lstmCell(params, directionParam(ctx, node, 7, d)) : kind === 'GRU' ? gruCell(params) : rnnCell(params);
  const xw = matmulT(params, input.x, directionParam(ctx, node, 1, d)!, bias === undefined ? undefined : rows(ctx, bias, 0, GH));
  const perStep = steps === 1 ? [xw] : ctx.b.op('split', { x: xw, num_splits: milConst.int(steps), axis: milConst.int(0) }, { numOutputs: steps });
  let state: State = { h: initialState(ctx, node, 5, d, input), ...(kind === 'LSTM' ? { c: initialState(ctx, node, 6, d, input) } : {}) };
  const outputs = new Array<string>(steps);
  for (let s = 0; s < steps; s++) {
    const t = options.reverse ? steps - 1 - s : s;
    const xt = ctx.b.op1('squeeze', { x: perStep[t]!, axes: milConst.ints([0]) });
    const next = cell.step(xt, state);
    const mask = options.masks?.(t);
    outputs[t] = mask === undefined ? next.h : ctx.b.op1('mul', { x: next.h, y: mask });
    state = { h: masked(ctx, mask, next.h, state.h), ...(next.c === undefined ? {} : { c: masked(ctx, mask, next.c, state.c!) }) };
  }
  const result: DirectionResult = { sequence: stack(ctx, outputs, 0), lastH: state.h as string };
  if (state.c !== undefined) result.lastC = state.c as string;
  return result;
}
