import { describe, expect, it } from 'vitest';
import { f32, flag, runOp, str, values } from './build.js';
import { seededFloats } from '../helpers/seeded.js';
import { maxAbsDiff } from './ort.js';

/**
 * lstm, gru and rnn against the recurrences Apple's op tests
 * (coremltools mil/ops/tests/iOS14/test_recurrent.py) check on Core ML,
 * written out here step by step: a reverse op emits its sequence in
 * processing order, the backward half of a bidirectional lstm in input
 * order, and gru resets h before the recurrent matmul.
 */

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** Row `row` of a [rows, cols] matrix times v. */
function dot(w: Float32Array, row: number, cols: number, v: ArrayLike<number>): number {
  let s = 0;
  for (let c = 0; c < cols; c++) s += w[row * cols + c]! * v[c]!;
  return s;
}

interface Dims { seq: number; batch: number; input: number; hidden: number }

/** x[t, b, :] of a [seq, batch, input] tensor. */
const xAt = (x: Float32Array, d: Dims, t: number, b: number): Float32Array => x.subarray((t * d.batch + b) * d.input, (t * d.batch + b + 1) * d.input);

/** One recurrence over the time order `times`; `step(x, h)` returns the new h. Returns [processing-ordered h list per batch]. */
function unroll(d: Dims, x: Float32Array, h0: Float32Array, times: number[], step: (xt: Float32Array, h: number[], b: number) => number[]): number[][][] {
  return Array.from({ length: d.batch }, (_, b) => {
    let h = Array.from(h0.subarray(b * d.hidden, (b + 1) * d.hidden));
    return times.map((t) => (h = step(xAt(x, d, t, b), h, b)));
  });
}

/** [seq, batch, H] from per-batch step lists, step k at slot k. */
function toSequence(d: Dims, perBatch: number[][][]): number[] {
  const out = new Array<number>(d.seq * d.batch * d.hidden);
  perBatch.forEach((steps, b) => steps.forEach((h, k) => h.forEach((v, j) => (out[(k * d.batch + b) * d.hidden + j] = v))));
  return out;
}

const timeOrder = (seq: number, reverse: boolean): number[] => Array.from({ length: seq }, (_, k) => (reverse ? seq - 1 - k : k));

/** Apple's GRU: weights stacked [r, o, z]; the reset gate multiplies h before R_o. */
function appleGru(d: Dims, x: Float32Array, h0: Float32Array, wih: Float32Array, whh: Float32Array, bias: Float32Array, reverse: boolean): number[][][] {
  const H = d.hidden;
  return unroll(d, x, h0, timeOrder(d.seq, reverse), (xt, h) => {
    const r = Array.from({ length: H }, (_, k) => sigmoid(dot(wih, k, d.input, xt) + dot(whh, k, H, h) + bias[k]!));
    const z = Array.from({ length: H }, (_, k) => sigmoid(dot(wih, 2 * H + k, d.input, xt) + dot(whh, 2 * H + k, H, h) + bias[2 * H + k]!));
    const rh = h.map((v, k) => v * r[k]!);
    const o = Array.from({ length: H }, (_, k) => Math.tanh(dot(wih, H + k, d.input, xt) + dot(whh, H + k, H, rh) + bias[H + k]!));
    return o.map((ok, k) => (1 - z[k]!) * ok + z[k]! * h[k]!);
  });
}

/** The same GRU with the reset gate applied after the recurrent matmul (PyTorch's form), to show the test can tell them apart. */
function resetAfterGru(d: Dims, x: Float32Array, h0: Float32Array, wih: Float32Array, whh: Float32Array, bias: Float32Array): number[][][] {
  const H = d.hidden;
  return unroll(d, x, h0, timeOrder(d.seq, false), (xt, h) => {
    const r = Array.from({ length: H }, (_, k) => sigmoid(dot(wih, k, d.input, xt) + dot(whh, k, H, h) + bias[k]!));
    const z = Array.from({ length: H }, (_, k) => sigmoid(dot(wih, 2 * H + k, d.input, xt) + dot(whh, 2 * H + k, H, h) + bias[2 * H + k]!));
    const o = Array.from({ length: H }, (_, k) => Math.tanh(dot(wih, H + k, d.input, xt) + r[k]! * dot(whh, H + k, H, h) + bias[H + k]!));
    return o.map((ok, k) => (1 - z[k]!) * ok + z[k]! * h[k]!);
  });
}

/** Apple's LSTM: gates [i, f, o, z], peepholes [i, f, o] (o sees the new cell), cell clipped. Returns h and c per step. */
function appleLstm(
  d: Dims, x: Float32Array, h0: Float32Array, c0: Float32Array,
  w: { ih: Float32Array; hh: Float32Array; b: Float32Array; p: Float32Array }, reverse: boolean, clip = Infinity,
): { h: number[][][]; c: number[][] } {
  const H = d.hidden;
  const cells = Array.from({ length: d.batch }, (_, b) => Array.from(c0.subarray(b * H, (b + 1) * H)));
  const h = unroll(d, x, h0, timeOrder(d.seq, reverse), (xt, hPrev, b) => {
    const pre = (gate: number, k: number) => dot(w.ih, gate * H + k, d.input, xt) + dot(w.hh, gate * H + k, H, hPrev) + w.b[gate * H + k]!;
    const c = cells[b]!;
    const next = c.map((ck, k) => {
      const i = sigmoid(pre(0, k) + ck * w.p[k]!);
      const f = sigmoid(pre(1, k) + ck * w.p[H + k]!);
      const g = Math.tanh(pre(3, k));
      return Math.max(-clip, Math.min(clip, ck * f + i * g));
    });
    const out = next.map((ck, k) => sigmoid(pre(2, k) + ck * w.p[2 * H + k]!) * Math.tanh(ck));
    cells[b] = next;
    return out;
  });
  return { h, c: cells };
}

function appleRnn(d: Dims, x: Float32Array, h0: Float32Array, wih: Float32Array, whh: Float32Array, bias: Float32Array, reverse: boolean): number[][][] {
  return unroll(d, x, h0, timeOrder(d.seq, reverse), (xt, h) =>
    Array.from({ length: d.hidden }, (_, k) => Math.tanh(dot(wih, k, d.input, xt) + dot(whh, k, d.hidden, h) + bias[k]!)));
}

const dims: Dims = { seq: 4, batch: 2, input: 3, hidden: 3 };
const { seq, batch, input, hidden } = dims;
const seqType = (width = hidden) => ({ dtype: 'float32' as const, shape: [seq, batch, width] });
const stateType = (width = hidden) => ({ dtype: 'float32' as const, shape: [batch, width] });

function seeded(gates: number, seed: number) {
  return {
    x: seededFloats(seq * batch * input, seed),
    h0: seededFloats(batch * hidden, seed + 1),
    c0: seededFloats(batch * hidden, seed + 2),
    ih: seededFloats(gates * hidden * input, seed + 3),
    hh: seededFloats(gates * hidden * hidden, seed + 4),
    b: seededFloats(gates * hidden, seed + 5),
    p: seededFloats(3 * hidden, seed + 6),
  };
}

function lastOf(perBatch: number[][][]): number[] {
  return perBatch.flatMap((steps) => steps[steps.length - 1]!);
}

describe('gru as Apple tests it', () => {
  for (const direction of ['forward', 'reverse'] as const) {
    it(`${direction}: reset gate scales h before R_o, sequence in processing order`, () => {
      for (const seed of [11, 12]) {
        const p = seeded(3, seed);
        const [sequence, h] = runOp('gru', {
          x: f32([seq, batch, input], p.x), initial_h: f32([batch, hidden], p.h0),
          weight_ih: f32([3 * hidden, input], p.ih), weight_hh: f32([3 * hidden, hidden], p.hh), bias: f32([3 * hidden], p.b),
          direction: str(direction), output_sequence: flag(true),
        }, [seqType(), stateType()]);
        const expected = appleGru(dims, p.x, p.h0, p.ih, p.hh, p.b, direction === 'reverse');
        expect(maxAbsDiff(values(sequence!), toSequence(dims, expected))).toBeLessThan(1e-5);
        expect(maxAbsDiff(values(h!), lastOf(expected))).toBeLessThan(1e-5);
      }
    });
  }

  it('differs from the reset-after form once hidden size ≥ 2 (the case the test must catch)', () => {
    const p = seeded(3, 13);
    const before = toSequence(dims, appleGru(dims, p.x, p.h0, p.ih, p.hh, p.b, false));
    const after = toSequence(dims, resetAfterGru(dims, p.x, p.h0, p.ih, p.hh, p.b));
    expect(maxAbsDiff(before, after)).toBeGreaterThan(1e-3);
  });
});

describe('rnn as Apple tests it', () => {
  for (const direction of ['forward', 'reverse'] as const) {
    it(`${direction}: sequence in processing order, last state the final step`, () => {
      for (const seed of [21, 22]) {
        const p = seeded(1, seed);
        const [sequence, h] = runOp('rnn', {
          x: f32([seq, batch, input], p.x), initial_h: f32([batch, hidden], p.h0),
          weight_ih: f32([hidden, input], p.ih), weight_hh: f32([hidden, hidden], p.hh), bias: f32([hidden], p.b),
          direction: str(direction), output_sequence: flag(true),
        }, [seqType(), stateType()]);
        const expected = appleRnn(dims, p.x, p.h0, p.ih, p.hh, p.b, direction === 'reverse');
        expect(maxAbsDiff(values(sequence!), toSequence(dims, expected))).toBeLessThan(1e-5);
        expect(maxAbsDiff(values(h!), lastOf(expected))).toBeLessThan(1e-5);
      }
    });
  }

  it('a reverse rnn without output_sequence returns the state after reading x[0]', () => {
    const p = seeded(1, 23);
    const [last, h] = runOp('rnn', {
      x: f32([seq, batch, input], p.x), initial_h: f32([batch, hidden], p.h0),
      weight_ih: f32([hidden, input], p.ih), weight_hh: f32([hidden, hidden], p.hh), bias: f32([hidden], p.b), direction: str('reverse'),
    }, [{ dtype: 'float32', shape: [1, batch, hidden] }, stateType()]);
    const expected = lastOf(appleRnn(dims, p.x, p.h0, p.ih, p.hh, p.b, true));
    expect(maxAbsDiff(values(last!), expected)).toBeLessThan(1e-5);
    expect(values(h!)).toEqual(values(last!));
  });
});

describe('lstm as Apple tests it', () => {
  const params = (p: ReturnType<typeof seeded>) => ({
    x: f32([seq, batch, input], p.x), initial_h: f32([batch, hidden], p.h0), initial_c: f32([batch, hidden], p.c0),
    weight_ih: f32([4 * hidden, input], p.ih), weight_hh: f32([4 * hidden, hidden], p.hh), bias: f32([4 * hidden], p.b), peephole: f32([3 * hidden], p.p),
  });

  for (const direction of ['forward', 'reverse'] as const) {
    it(`${direction} with peepholes and clip: sequence in processing order, final h and c`, () => {
      for (const seed of [31, 32]) {
        const p = seeded(4, seed);
        const [sequence, h, c] = runOp('lstm', { ...params(p), direction: str(direction), output_sequence: flag(true), clip: f32([], [0.7]) },
          [seqType(), stateType(), stateType()]);
        const expected = appleLstm(dims, p.x, p.h0, p.c0, p, direction === 'reverse', 0.7);
        expect(maxAbsDiff(values(sequence!), toSequence(dims, expected.h))).toBeLessThan(1e-5);
        expect(maxAbsDiff(values(h!), lastOf(expected.h))).toBeLessThan(1e-5);
        expect(maxAbsDiff(values(c!), expected.c.flat())).toBeLessThan(1e-5);
      }
    });
  }

  it('bidirectional: the backward half is stored at the time step it read, states concatenated [forward, backward]', () => {
    const fwd = seeded(4, 41);
    const bwd = seeded(4, 51);
    const h0 = seededFloats(batch * 2 * hidden, 61);
    const c0 = seededFloats(batch * 2 * hidden, 62);
    const half = (s: Float32Array, k: number) => Float32Array.from({ length: batch * hidden }, (_, i) => s[Math.floor(i / hidden) * 2 * hidden + k * hidden + (i % hidden)]!);
    const [sequence, h, c] = runOp('lstm', {
      ...params(fwd), initial_h: f32([batch, 2 * hidden], h0), initial_c: f32([batch, 2 * hidden], c0),
      weight_ih_back: f32([4 * hidden, input], bwd.ih), weight_hh_back: f32([4 * hidden, hidden], bwd.hh),
      bias_back: f32([4 * hidden], bwd.b), peephole_back: f32([3 * hidden], bwd.p),
      direction: str('bidirectional'), output_sequence: flag(true),
    }, [seqType(2 * hidden), stateType(2 * hidden), stateType(2 * hidden)]);
    const f = appleLstm(dims, fwd.x, half(h0, 0), half(c0, 0), fwd, false);
    const b = appleLstm(dims, fwd.x, half(h0, 1), half(c0, 1), bwd, true);
    const expected: number[] = [];
    for (let t = 0; t < seq; t++) {
      for (let n = 0; n < batch; n++) expected.push(...f.h[n]![t]!, ...b.h[n]![seq - 1 - t]!);
    }
    expect(maxAbsDiff(values(sequence!), expected)).toBeLessThan(1e-5);
    const states = (fw: number[][], bw: number[][]) => Array.from({ length: batch }, (_, n) => [...fw[n]!, ...bw[n]!]).flat();
    expect(maxAbsDiff(values(h!), states(f.h.map((s) => s[seq - 1]!), b.h.map((s) => s[seq - 1]!)))).toBeLessThan(1e-5);
    expect(maxAbsDiff(values(c!), states(f.c, b.c))).toBeLessThan(1e-5);
  });
});
