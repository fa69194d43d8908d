import type { OpContext } from '../kernel.js';
import type { RtValue } from '../value.js';

/**
 * Sliding-window parameters shared by conv and the pools: spatial attribute
 * lists, pad types, and the lift of 1–3 spatial dims to three (leading 1s) that
 * lets one loop nest serve every rank.
 */

/** Spatial parameter list of length `s` (default all `fallback`). */
export function spatialParam(ctx: OpContext, name: string, s: number, fallback: number): number[] {
  const v = ctx.ints(name) ?? new Array<number>(s).fill(fallback);
  if (v.length !== s) ctx.fail(`'${name}' must have ${s} values, got ${v.length}`);
  return v;
}

/**
 * Pads before/after each spatial dim for a pad type. `same` puts the odd extra
 * pad at the end, `same_lower` at the start.
 */
export function resolvePads(
  ctx: OpContext, padType: string, inSize: readonly number[], kernel: readonly number[],
  stride: readonly number[], dilation: readonly number[],
): { before: number[]; after: number[] } {
  const s = inSize.length;
  if (padType === 'valid') return { before: new Array<number>(s).fill(0), after: new Array<number>(s).fill(0) };
  if (padType === 'custom') {
    const pad = spatialParam(ctx, 'pad', 2 * s, 0);
    return { before: pad.filter((_, i) => i % 2 === 0), after: pad.filter((_, i) => i % 2 === 1) };
  }
  if (padType !== 'same' && padType !== 'same_lower') ctx.fail(`unknown pad_type '${padType}'`);
  const before: number[] = [];
  const after: number[] = [];
  for (let i = 0; i < s; i++) {
    const out = Math.ceil(inSize[i]! / stride[i]!);
    const total = Math.max((out - 1) * stride[i]! + (kernel[i]! - 1) * dilation[i]! + 1 - inSize[i]!, 0);
    const small = Math.floor(total / 2);
    before.push(padType === 'same' ? small : total - small);
    after.push(padType === 'same' ? total - small : small);
  }
  return { before, after };
}

/** Number of spatial dims of an N, C, spatial… input: 1 to 3. */
export function spatialRank(ctx: OpContext, x: RtValue): number {
  const s = x.shape.length - 2;
  if (s < 1 || s > 3) ctx.fail(`x must have 1 to 3 spatial dims, got shape [${x.shape.join(',')}]`);
  return s;
}

/** Depth, height, width. */
export type Triple = readonly [number, number, number];

/** Lifts a 1–3 entry spatial list to three entries, with leading `fill`s. */
export function lift(values: readonly number[], fill: number): Triple {
  const at = (i: number): number => values[i - (3 - values.length)] ?? fill;
  return [at(0), at(1), at(2)];
}
