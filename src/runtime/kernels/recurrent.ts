import type { KernelTable, OpContext } from '../kernel.js';
import { makeFloat, type RtValue } from '../value.js';

/**
 * lstm, gru and rnn (iOS15 definitions). x is [seq, batch, input]; weights are
 * [gates·H, I] and [gates·H, H]. LSTM gates are stacked in the order
 * input, forget, output, cell ("ifoz"); GRU gates as reset, output(new), update.
 *
 * Two points where Apple's op tests (iOS14/test_recurrent.py, checked against
 * Core ML) pin down what the definitions leave open:
 * - direction "reverse" emits the output sequence in processing order: step k
 *   holds h after reading x[T-1-k]. Only the backward half of a bidirectional
 *   lstm is stored back at the time index it read (as PyTorch lays it out).
 * - gru applies the reset gate to h before the recurrent matmul:
 *   o = act(W_o·x + R_o·(r∘h) + b_o).
 */

const ACTIVATIONS: Record<string, (v: number) => number> = {
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  tanh: Math.tanh,
  relu: (v) => (v > 0 ? v : 0),
  linear: (v) => v,
  hard_sigmoid: (v) => Math.min(1, Math.max(0, 0.2 * v + 0.5)),
  scaled_tanh: Math.tanh,
};

function activation(ctx: OpContext, name: string, fallback: string): (v: number) => number {
  const s = ctx.str(name, fallback).toLowerCase();
  const f = ACTIVATIONS[s];
  if (!f) ctx.fail(`unsupported ${name} '${s}' (expected ${Object.keys(ACTIVATIONS).join(', ')})`);
  return f;
}

/** out[0..rows) = W[rows×cols] · v + (bias ?? 0), all row-major. */
function matVec(w: Float32Array, rows: number, cols: number, v: Float32Array, vOffset: number, out: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    let s = 0;
    const base = r * cols;
    for (let c = 0; c < cols; c++) s += w[base + c]! * v[vOffset + c]!;
    out[r] = s;
  }
}

interface Direction {
  wih: Float32Array;
  whh: Float32Array;
  bias: Float32Array | undefined;
  peephole: Float32Array | undefined;
  reverse: boolean;
  /** Where step `step` (reading time `t`) lands in the output sequence. */
  slot: (step: number, t: number) => number;
}

/** A unidirectional op's output follows processing order; a bidirectional op's backward half follows input time. */
const PROCESSING_ORDER = (step: number): number => step;
const INPUT_ORDER = (_step: number, t: number): number => t;

interface LstmRun {
  seq: number;
  batch: number;
  input: number;
  hidden: number;
  dirs: Direction[];
  clip: number | undefined;
  recurrentAct: (v: number) => number;
  cellAct: (v: number) => number;
  outAct: (v: number) => number;
}

/** Runs one direction of an LSTM for one batch row, writing h into `seqOut` at column offset `col`. */
function lstmDirection(
  r: LstmRun, d: Direction, dirIndex: number, b: number, x: Float32Array,
  h0: Float32Array, c0: Float32Array, seqOut: Float32Array, hOut: Float32Array, cOut: Float32Array,
): void {
  const H = r.hidden;
  const width = r.dirs.length * H;
  const h = Float32Array.from(h0.subarray(b * width + dirIndex * H, b * width + dirIndex * H + H));
  const c = Float64Array.from(c0.subarray(b * width + dirIndex * H, b * width + dirIndex * H + H));
  const gx = new Float64Array(4 * H);
  const gh = new Float64Array(4 * H);
  for (let step = 0; step < r.seq; step++) {
    const t = d.reverse ? r.seq - 1 - step : step;
    matVec(d.wih, 4 * H, r.input, x, (t * r.batch + b) * r.input, gx);
    matVec(d.whh, 4 * H, H, h, 0, gh);
    for (let k = 0; k < H; k++) {
      const pre = (gate: number): number => gx[gate * H + k]! + gh[gate * H + k]! + (d.bias ? d.bias[gate * H + k]! : 0);
      const peep = (gate: number): number => (d.peephole ? d.peephole[gate * H + k]! : 0);
      const i = r.recurrentAct(pre(0) + peep(0) * c[k]!);
      const f = r.recurrentAct(pre(1) + peep(1) * c[k]!);
      const z = r.cellAct(pre(3));
      let cell = f * c[k]! + i * z;
      if (r.clip !== undefined) cell = Math.min(r.clip, Math.max(-r.clip, cell));
      const o = r.recurrentAct(pre(2) + peep(2) * cell);
      c[k] = cell;
      h[k] = o * r.outAct(cell);
    }
    seqOut.set(h, (d.slot(step, t) * r.batch + b) * width + dirIndex * H);
  }
  hOut.set(h, b * width + dirIndex * H);
  for (let k = 0; k < H; k++) cOut[b * width + dirIndex * H + k] = c[k]!;
}

function lstm(ctx: OpContext): RtValue[] {
  const x = ctx.float('x');
  const [seq, batch, input] = x.shape as [number, number, number];
  const direction = ctx.str('direction', 'forward');
  const hidden = ctx.float('weight_hh').shape[1]!;
  const forward: Direction = {
    wih: ctx.float('weight_ih').data, whh: ctx.float('weight_hh').data, bias: ctx.optionalFloat('bias')?.data,
    peephole: ctx.optionalFloat('peephole')?.data, reverse: direction === 'reverse', slot: PROCESSING_ORDER,
  };
  const dirs = [forward];
  if (direction === 'bidirectional') {
    dirs.push({
      wih: ctx.float('weight_ih_back').data, whh: ctx.float('weight_hh_back').data, bias: ctx.optionalFloat('bias_back')?.data,
      peephole: ctx.optionalFloat('peephole_back')?.data, reverse: true, slot: INPUT_ORDER,
    });
  } else if (direction !== 'forward' && direction !== 'reverse') {
    ctx.fail(`unknown direction '${direction}'`);
  }
  const run: LstmRun = {
    seq, batch, input, hidden, dirs, clip: ctx.has('clip') ? ctx.num('clip') : undefined,
    recurrentAct: activation(ctx, 'recurrent_activation', 'sigmoid'),
    cellAct: activation(ctx, 'cell_activation', 'tanh'),
    outAct: activation(ctx, 'activation', 'tanh'),
  };
  const width = dirs.length * hidden;
  const h0 = ctx.float('initial_h').data;
  const c0 = ctx.float('initial_c').data;
  const seqOut = new Float32Array(seq * batch * width);
  const hOut = new Float32Array(batch * width);
  const cOut = new Float32Array(batch * width);
  for (let b = 0; b < batch; b++) dirs.forEach((d, i) => lstmDirection(run, d, i, b, x.data, h0, c0, seqOut, hOut, cOut));
  const outputSequence = ctx.bool('output_sequence', false);
  const first = outputSequence ? makeFloat(x.dtype, [seq, batch, width], seqOut) : makeFloat(x.dtype, [1, batch, width], hOut.slice());
  return [first, makeFloat(x.dtype, [batch, width], hOut), makeFloat(x.dtype, [batch, width], cOut)];
}

/** Shared driver of the single-state cells (gru, rnn): step(h, xOffset) → new h. */
function runCell(ctx: OpContext, gates: number, step: (x: Float32Array, xOffset: number, h: Float32Array, hNew: Float32Array) => void): RtValue[] {
  const x = ctx.float('x');
  const [seq, batch, input] = x.shape as [number, number, number];
  const hidden = ctx.float('weight_hh').shape[1]!;
  if (ctx.float('weight_ih').shape[0] !== gates * hidden) ctx.fail(`weight_ih must have ${gates}·H rows`);
  const reverse = ctx.str('direction', 'forward') === 'reverse';
  const h0 = ctx.float('initial_h').data;
  const seqOut = new Float32Array(seq * batch * hidden);
  const hOut = new Float32Array(batch * hidden);
  for (let b = 0; b < batch; b++) {
    let h = Float32Array.from(h0.subarray(b * hidden, (b + 1) * hidden));
    for (let s = 0; s < seq; s++) {
      const t = reverse ? seq - 1 - s : s;
      const next = new Float32Array(hidden);
      step(x.data, (t * batch + b) * input, h, next);
      h = next;
      seqOut.set(h, (s * batch + b) * hidden);
    }
    hOut.set(h, b * hidden);
  }
  const first = ctx.bool('output_sequence', false) ? makeFloat(x.dtype, [seq, batch, hidden], seqOut) : makeFloat(x.dtype, [1, batch, hidden], hOut.slice());
  return [first, makeFloat(x.dtype, [batch, hidden], hOut)];
}

function gru(ctx: OpContext): RtValue[] {
  const wih = ctx.float('weight_ih').data;
  const whh = ctx.float('weight_hh').data;
  const hidden = ctx.float('weight_hh').shape[1]!;
  const input = ctx.float('x').shape[2]!;
  const bias = ctx.optionalFloat('bias')?.data ?? new Float32Array(3 * hidden);
  const recurrentAct = activation(ctx, 'recurrent_activation', 'sigmoid');
  const act = activation(ctx, 'activation', 'tanh');
  const gx = new Float64Array(3 * hidden);
  const gh = new Float64Array(3 * hidden);
  const resetH = new Float32Array(hidden);
  const go = new Float64Array(hidden);
  const whhOutput = whh.subarray(hidden * hidden, 2 * hidden * hidden);
  return runCell(ctx, 3, (x, xo, h, next) => {
    matVec(wih, 3 * hidden, input, x, xo, gx);
    matVec(whh, 3 * hidden, hidden, h, 0, gh);
    const z = new Float64Array(hidden);
    for (let k = 0; k < hidden; k++) {
      resetH[k] = recurrentAct(gx[k]! + gh[k]! + bias[k]!) * h[k]!;
      z[k] = recurrentAct(gx[2 * hidden + k]! + gh[2 * hidden + k]! + bias[2 * hidden + k]!);
    }
    // The reset gate scales h before the recurrent matmul of the output gate.
    matVec(whhOutput, hidden, hidden, resetH, 0, go);
    for (let k = 0; k < hidden; k++) {
      const o = act(gx[hidden + k]! + bias[hidden + k]! + go[k]!);
      next[k] = (1 - z[k]!) * o + z[k]! * h[k]!;
    }
  });
}

function rnn(ctx: OpContext): RtValue[] {
  const wih = ctx.float('weight_ih').data;
  const whh = ctx.float('weight_hh').data;
  const hidden = ctx.float('weight_hh').shape[1]!;
  const input = ctx.float('x').shape[2]!;
  const bias = ctx.optionalFloat('bias')?.data ?? new Float32Array(hidden);
  const act = activation(ctx, 'activation', 'tanh');
  const gx = new Float64Array(hidden);
  const gh = new Float64Array(hidden);
  return runCell(ctx, 1, (x, xo, h, next) => {
    matVec(wih, hidden, input, x, xo, gx);
    matVec(whh, hidden, hidden, h, 0, gh);
    for (let k = 0; k < hidden; k++) next[k] = act(gx[k]! + gh[k]! + bias[k]!);
  });
}

export const recurrentKernels: KernelTable = { lstm, gru, rnn };
