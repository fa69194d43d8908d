import type { MilOperation } from '../mil/ir.js';
import type { RtValue } from './value.js';

/**
 * Results that are half-precision values already, which rounding to fp16
 * cannot change: a const read from half storage, and the results of ops that
 * only move or repeat elements of their inputs when every float input is
 * float16 (a float16 value in the interpreter holds halves exactly; see
 * settleFloat16). Rounding those again cost a pass over every reshaped,
 * transposed or sliced activation, and over every palettized weight.
 */

/** Ops whose results are copies of input elements (a LUT's entries, for constexpr_lut_to_dense). */
const COPYING_OPS: ReadonlySet<string> = new Set([
  'concat', 'constexpr_lut_to_dense', 'depth_to_space', 'expand_dims', 'flatten2d', 'gather', 'gather_along_axis', 'identity',
  'pixel_shuffle', 'reshape', 'reverse', 'slice_by_index', 'slice_by_size', 'space_to_depth', 'split', 'squeeze', 'stack', 'tile', 'transpose',
]);

export function resultsAreHalves(op: MilOperation, params: ReadonlyMap<string, readonly RtValue[]>): boolean {
  if (op.type === 'const') return op.attributes['val']?.dtype === 'float16';
  if (!COPYING_OPS.has(op.type)) return false;
  for (const values of params.values()) for (const v of values) if (v.dtype === 'float32' || v.dtype === 'float64') return false;
  return true;
}
