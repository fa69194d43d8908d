import type { TypeRuleInput } from '../catalogue.js';
import { MilShapeError } from './elementwise.js';
import { toNumberList } from '../../tensor/tensor.js';

/**
 * Output-size arithmetic shared by the sliding-window ops (conv, pooling).
 * It follows the MIL definitions: `same` pads to ceil(in / stride), `custom`
 * reads `pad` as [d0_before, d0_after, d1_before, ...], and ceil_mode drops a
 * last window that would start inside the right padding.
 */

export const PAD_TYPES = ['valid', 'same', 'custom', 'same_lower'] as const;
export type PadType = (typeof PAD_TYPES)[number];

export interface WindowGeometry {
  padType: PadType;
  kernel: readonly number[];
  strides: readonly number[];
  dilations: readonly number[];
  /** Explicit pads, 2 per spatial dim; only read for `custom`. */
  pad: readonly number[];
  ceilMode: boolean;
}

export function effectiveKernel(kernel: number, dilation: number): number {
  return (kernel - 1) * dilation + 1;
}

/** Total (before + after) padding of one spatial dim. */
function totalPad(g: WindowGeometry, d: number, inDim: number): number {
  if (g.padType === 'valid') return 0;
  if (g.padType === 'custom') return (g.pad[2 * d] ?? 0) + (g.pad[2 * d + 1] ?? 0);
  const s = g.strides[d]!;
  const k = effectiveKernel(g.kernel[d]!, g.dilations[d]!);
  return Math.max(0, s * Math.ceil(inDim / s) - inDim + k - s);
}

/** Spatial output sizes; null where the input size is unknown. */
export function windowOutputDims(inDims: readonly (number | null)[], g: WindowGeometry): (number | null)[] {
  return inDims.map((inDim, d) => {
    if (inDim === null) return null;
    const p = totalPad(g, d, inDim);
    const k = effectiveKernel(g.kernel[d]!, g.dilations[d]!);
    const s = g.strides[d]!;
    let out: number;
    if (!g.ceilMode) {
      out = Math.floor((inDim + p - k) / s) + 1;
    } else {
      out = Math.floor((inDim + p - k + s - 1) / s) + 1;
      // The last window must start inside the input or the left padding.
      if ((out - 1) * s >= inDim + p / 2 && p > 0) out -= 1;
    }
    if (out <= 0) throw new Error(`spatial dim ${d} would have output size ${out}`);
    return out;
  });
}

/** Reads a const int32 vector parameter, or a default of `n` copies of `fill`. */
export function intsParam(input: TypeRuleInput, param: string, n: number, fill: number): number[] {
  const v = input.value(param);
  return v ? toNumberList(v) : new Array<number>(n).fill(fill);
}

export function stringParam(input: TypeRuleInput, param: string, fallback: string): string {
  const v = input.value(param);
  if (!v) return fallback;
  if (v.dtype !== 'string') throw new Error(`${param} must be a string`);
  return (v.data as string[])[0] ?? fallback;
}

export function boolParam(input: TypeRuleInput, param: string, fallback: boolean): boolean {
  const v = input.value(param);
  return v ? toNumberList(v)[0] !== 0 : fallback;
}

export function padTypeParam(input: TypeRuleInput, op: string): PadType {
  const p = stringParam(input, 'pad_type', 'valid').toLowerCase();
  if (!(PAD_TYPES as readonly string[]).includes(p)) throw new Error(`${op}: unknown pad_type "${p}"`);
  // iOS15's definitions reject same_lower; the op must not reach a CoreML5 program.
  if (p === 'same_lower' && input.target === 'iOS15') throw new Error(`${op}: pad_type same_lower needs iOS16 or later`);
  return p as PadType;
}

/** A constant scalar int parameter, or the fallback when it is not bound. */
export function intParam(input: TypeRuleInput, param: string, fallback: number): number {
  const v = input.value(param);
  return v ? toNumberList(v)[0]! : fallback;
}

/** The axis parameter, normalized for `rank`; out of range fails. */
export function axisOf(input: TypeRuleInput, op: string, rank: number, fallback: number): number {
  const raw = intParam(input, 'axis', fallback);
  const axis = raw < 0 ? raw + rank : raw;
  if (axis < 0 || axis >= rank) throw new MilShapeError(`${op}: axis ${raw} is out of range for rank ${rank}`);
  return axis;
}
