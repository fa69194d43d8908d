import type { DType } from '../../tensor/dtype.js';
import type { MilBlock, MilFunction, MilOperation, MilProgram } from '../ir.js';
import { renameUses } from './uses.js';

/**
 * Removes casts that change nothing, as coremltools' cast_optimization does
 * after the fp16 pass:
 * - a cast to the dtype its input already has;
 * - a cast back through a lossless widening, cast(cast(x: fp16, fp32), fp16)
 *   = x, which the fp16 pass leaves between an op kept in fp32 and its fp16
 *   neighbours;
 * - a cast whose input is a lossless widening reads the narrower value
 *   directly: cast(cast(x: fp16, fp32), int32) = cast(x, int32);
 * - a second cast of the same value to the same dtype in a block.
 * Readers of a removed cast read its input instead; a cast whose output is a
 * block output keeps its name and stays. The casts left unread are dropped
 * by dead-code elimination. Returns the number of casts bypassed.
 */
export function removeRedundantCasts(program: MilProgram): number {
  let removed = 0;
  for (const fn of Object.values(program.functions)) removed += cleanBlock(fn.block, valueTypes(fn));
  return removed;
}

/** Widenings that hold every value of the narrower type exactly. */
const LOSSLESS_WIDENING: Readonly<Record<string, readonly DType[]>> = {
  float16: ['float32'],
  int8: ['int16', 'int32', 'float16', 'float32'],
  uint8: ['int16', 'int32', 'uint16', 'float16', 'float32'],
  int16: ['int32', 'float32'],
  uint16: ['int32', 'float32'],
};

function isLosslessWidening(from: DType, to: DType): boolean {
  return from === to || (LOSSLESS_WIDENING[from]?.includes(to) ?? false);
}

function valueTypes(fn: MilFunction): Map<string, DType> {
  const types = new Map<string, DType>();
  for (const v of fn.inputs) types.set(v.name, v.type.dtype);
  const visit = (block: MilBlock): void => {
    for (const v of block.inputs) types.set(v.name, v.type.dtype);
    for (const op of block.operations) {
      for (const o of op.outputs) types.set(o.name, o.type.dtype);
      for (const inner of op.blocks) visit(inner);
    }
  };
  visit(fn.block);
  return types;
}

function castInput(op: MilOperation): string | undefined {
  const x = op.inputs['x']?.[0];
  return op.type === 'cast' && op.outputs.length === 1 && x?.kind === 'name' ? x.name : undefined;
}

function cleanBlock(block: MilBlock, types: ReadonlyMap<string, DType>): number {
  let removed = 0;
  for (const op of block.operations) for (const inner of op.blocks) removed += cleanBlock(inner, types);
  const outputs = new Set(block.outputs);
  /** Cast output name → the value it was cast from, for the casts kept so far in this block. */
  const castFrom = new Map<string, string>();
  /** "input|dtype" → the output of the first cast of that input to that dtype in this block. */
  const firstCast = new Map<string, string>();
  const renames = new Map<string, string>();
  for (const op of block.operations) {
    const input = castInput(op);
    if (input === undefined) {
      if (renames.size > 0) renameUses({ inputs: [], operations: [op], outputs: [] }, renames, false);
      continue;
    }
    let x = renames.get(input) ?? input;
    const out = op.outputs[0]!;
    // Read through an earlier lossless widening: the value before it holds the same numbers.
    const before = castFrom.get(x);
    if (before !== undefined && isLosslessWidening(types.get(before)!, types.get(x)!)) x = before;
    const key = `${x}|${out.type.dtype}`;
    const same = types.get(x) === out.type.dtype ? x : firstCast.get(key);
    if (same !== undefined && !outputs.has(out.name)) {
      renames.set(out.name, same);
      removed++;
      continue;
    }
    op.inputs = { ...op.inputs, x: [{ kind: 'name', name: x }] };
    castFrom.set(out.name, x);
    if (!firstCast.has(key)) firstCast.set(key, out.name);
  }
  return removed;
}
