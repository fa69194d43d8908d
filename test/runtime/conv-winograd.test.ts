import { afterEach, describe, expect, it } from 'vitest';
import type { MilProgram } from '../../src/mil/ir.js';
import { winogradPolicy } from '../../src/runtime/kernels/conv-winograd.js';
import { runProgram } from '../../src/runtime/interpreter.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { seededFloats } from '../helpers/seeded.js';
import { f32, ints, op, program, scalar, str, v } from './build.js';

/**
 * Winograd F(2×2, 3×3) regroups the conv's sums, so it is checked against the
 * exact (float64) conv and against the interpreter's direct path on random
 * convs: its largest error, relative to the largest Σ|w·x| + |bias| over the
 * output (the scale float32 rounding errors of any summation order are
 * proportional to), stays within MAX_RELATIVE_ERROR.
 */
const MAX_RELATIVE_ERROR = 5e-7;

interface Case {
  batch: number;
  cin: number;
  cout: number;
  h: number;
  w: number;
  /** top, left, bottom, right */
  pads: [number, number, number, number];
  bias: boolean;
}

/** The exact conv in float64, and the scale Σ|w·x| + |bias| of its largest output. */
function exactConv(c: Case, x: Float32Array, w: Float32Array, bias: Float32Array | undefined): { y: Float64Array; scale: number } {
  const [pt, pl, pb, pr] = c.pads;
  const oh = c.h + pt + pb - 2;
  const ow = c.w + pl + pr - 2;
  const y = new Float64Array(c.batch * c.cout * oh * ow);
  let scale = 0;
  for (let n = 0; n < c.batch; n++) {
    for (let o = 0; o < c.cout; o++) {
      for (let i = 0; i < oh; i++) {
        for (let j = 0; j < ow; j++) {
          let sum = bias ? bias[o]! : 0;
          let abs = Math.abs(sum);
          for (let ic = 0; ic < c.cin; ic++) {
            for (let kh = 0; kh < 3; kh++) {
              for (let kw = 0; kw < 3; kw++) {
                const ih = i + kh - pt;
                const iw = j + kw - pl;
                if (ih < 0 || ih >= c.h || iw < 0 || iw >= c.w) continue;
                const t = w[((o * c.cin + ic) * 3 + kh) * 3 + kw]! * x[((n * c.cin + ic) * c.h + ih) * c.w + iw]!;
                sum += t;
                abs += Math.abs(t);
              }
            }
          }
          y[((n * c.cout + o) * oh + i) * ow + j] = sum;
          scale = Math.max(scale, abs);
        }
      }
    }
  }
  return { y, scale };
}

/** The conv as a program; the weight is a const (cached transforms) or an input computed at run time. */
function convProgram(c: Case, weight: Tensor, bias: Tensor | undefined, constantWeight: boolean): MilProgram {
  const [pt, pl, pb, pr] = c.pads;
  const outShape = [c.batch, c.cout, c.h + pt + pb - 2, c.w + pl + pr - 2];
  const inputs = [v('x', 'float32', [c.batch, c.cin, c.h, c.w])];
  if (!constantWeight) inputs.push(v('wIn', 'float32', [c.cout, c.cin, 3, 3]));
  const ops = [
    ...(constantWeight ? [op('const', {}, [v('wIn', 'float32', [c.cout, c.cin, 3, 3])], { val: weight })] : []),
    op('conv', { x: 'x', weight: 'wIn', ...(bias ? { bias } : {}), pad_type: str('custom'), pad: ints([pt, pb, pl, pr]) }, [v('y', 'float32', outShape)]),
  ];
  return program(inputs, ops, ['y']);
}

function runConv(c: Case, x: Tensor, weight: Tensor, bias: Tensor | undefined, mode: 'never' | 'always', constantWeight: boolean): Float32Array {
  winogradPolicy.mode = mode;
  const feeds: Record<string, Tensor> = constantWeight ? { x } : { x, wIn: weight };
  return runProgram(convProgram(c, weight, bias, constantWeight), feeds)['y']!.data as Float32Array;
}

function maxError(got: Float32Array, want: Float64Array): number {
  let err = 0;
  for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i]! - want[i]!));
  return err;
}

/** Random shapes: odd and even sizes, asymmetric and zero pads, batches, with and without bias. */
function randomCases(count: number): Case[] {
  const r = seededFloats(count * 8, 12345).map((u) => (u + 1) / 2);
  const pick = (u: number, lo: number, hi: number) => lo + Math.floor(u * (hi - lo + 1));
  return Array.from({ length: count }, (_, k) => {
    const u = r.subarray(k * 8, k * 8 + 8);
    return {
      batch: pick(u[0]!, 1, 2), cin: pick(u[1]!, 1, 40), cout: pick(u[2]!, 1, 40), h: pick(u[3]!, 3, 17), w: pick(u[4]!, 3, 17),
      pads: [pick(u[5]!, 0, 2), pick(u[6]!, 0, 2), pick(u[7]!, 0, 2), pick(u[5]! * u[6]!, 0, 2)], bias: u[7]! > 0.4,
    };
  });
}

afterEach(() => {
  winogradPolicy.mode = 'auto';
});

describe('conv as Winograd F(2×2, 3×3)', () => {
  const cases = [
    ...randomCases(40),
    { batch: 1, cin: 64, cout: 64, h: 28, w: 28, pads: [1, 1, 1, 1], bias: true } as Case,
    { batch: 1, cin: 128, cout: 96, h: 7, w: 7, pads: [1, 1, 1, 1], bias: false } as Case,
  ];

  it(`stays within ${MAX_RELATIVE_ERROR} of the exact conv, relative to Σ|w·x|, like the direct path, over ${cases.length} random convs`, () => {
    let worst = 0;
    cases.forEach((c, k) => {
      const xData = seededFloats(c.batch * c.cin * c.h * c.w, 100 + k);
      const wData = seededFloats(c.cout * c.cin * 9, 200 + k);
      const bData = c.bias ? seededFloats(c.cout, 300 + k) : undefined;
      const x = makeTensor('float32', [c.batch, c.cin, c.h, c.w], xData);
      const weight = makeTensor('float32', [c.cout, c.cin, 3, 3], wData);
      const bias = bData && f32([c.cout], bData);
      const { y, scale } = exactConv(c, xData, wData, bData);
      const direct = runConv(c, x, weight, bias, 'never', true);
      const winograd = runConv(c, x, weight, bias, 'always', true);
      const computedWeight = runConv(c, x, weight, bias, 'always', false);
      const directError = maxError(direct, y) / scale;
      const winogradError = maxError(winograd, y) / scale;
      expect(winogradError, `case ${k}: ${JSON.stringify(c)}`).toBeLessThanOrEqual(MAX_RELATIVE_ERROR);
      expect(directError, `case ${k}`).toBeLessThanOrEqual(MAX_RELATIVE_ERROR);
      expect(maxError(direct, Float64Array.from(winograd)) / scale).toBeLessThanOrEqual(2 * MAX_RELATIVE_ERROR);
      // A weight computed at run time is transformed afresh and gives the same result.
      expect(computedWeight).toEqual(winograd);
      worst = Math.max(worst, winogradError);
    });
    // The check compares real differences: the regrouped sums do round differently.
    expect(worst).toBeGreaterThan(0);
  });

  it('a program run once transforms its weights afresh and gives the cached weights\' result', () => {
    const c: Case = { batch: 1, cin: 64, cout: 72, h: 10, w: 9, pads: [1, 1, 1, 1], bias: true };
    const x = makeTensor('float32', [1, c.cin, c.h, c.w], seededFloats(c.cin * c.h * c.w, 21));
    const weight = makeTensor('float32', [c.cout, c.cin, 3, 3], seededFloats(c.cout * c.cin * 9, 22));
    const prog = convProgram(c, weight, f32([c.cout], seededFloats(c.cout, 23)), true);
    winogradPolicy.mode = 'always';
    const cached = runProgram(prog, { x })['y']!.data as Float32Array;
    const once = runProgram(prog, { x }, { once: true })['y']!.data as Float32Array;
    expect(once).toEqual(cached);
  });

  it('a fused conv → batch_norm → relu gives bit-identical results to running the ops one by one', () => {
    const [cin, cout, size] = [48, 40, 20];
    const shape = [1, cout, size, size];
    const stat = (name: string, seed: number, offset: number) =>
      op('const', {}, [v(name, 'float32', [cout])], { val: f32([cout], seededFloats(cout, seed).map((s) => s + offset)) });
    const prog = program([v('x', 'float32', [1, cin, size, size])], [
      op('const', {}, [v('w', 'float32', [cout, cin, 3, 3])], { val: f32([cout, cin, 3, 3], seededFloats(cout * cin * 9, 5)) }),
      op('conv', { x: 'x', weight: 'w', bias: f32([cout], seededFloats(cout, 6)), pad_type: str('same') }, [v('c', 'float32', shape)]),
      stat('mean', 7, 0), stat('variance', 8, 1.5), stat('gamma', 9, 0), stat('beta', 10, 0),
      op('batch_norm', { x: 'c', mean: 'mean', variance: 'variance', gamma: 'gamma', beta: 'beta', epsilon: scalar(1e-3) }, [v('n', 'float32', shape)]),
      op('relu', { x: 'n' }, [v('y', 'float32', shape)]),
    ], ['y']);
    const x = makeTensor('float32', [1, cin, size, size], seededFloats(cin * size * size, 11));
    winogradPolicy.mode = 'always';
    const fused = runProgram(prog, { x })['y']!.data as Float32Array;
    // An observer sees each op's own result, which turns in-place chains off.
    const opByOp = runProgram(prog, { x }, { onValues: () => undefined })['y']!.data as Float32Array;
    winogradPolicy.mode = 'never';
    const direct = runProgram(prog, { x })['y']!.data as Float32Array;
    expect(fused.some((y) => y > 0) && fused.some((y) => y === 0)).toBe(true);
    expect(Buffer.from(fused.buffer, fused.byteOffset, fused.byteLength).equals(Buffer.from(opByOp.buffer, opByOp.byteOffset, opByOp.byteLength))).toBe(true);
    // And it is the direct path's result up to the regrouped sums' rounding.
    let diff = 0;
    for (let i = 0; i < fused.length; i++) diff = Math.max(diff, Math.abs(fused[i]! - direct[i]!));
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThan(1e-4);
  });
});
