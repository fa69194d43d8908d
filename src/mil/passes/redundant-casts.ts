import type { DType } from '../../tensor/dtype.js';
import type { MilBlock, MilOperation, MilProgram } from '../ir.js';
import { countUses, renameUses } from './uses.js';

/**
 * Removes casts that change nothing: a cast to the dtype its input already
 * has, and the second half of a round trip through a wider type
 * (fp16 → fp32 → fp16), which is what stitching fp16 regions together leaves
 * behind. A cast after a lossless widening reads the original value instead.
 * Casts whose output is a block output keep their name and op. Returns the
 * number of cast ops removed.
 */
export function removeRedundantCasts(program: MilProgram): number {
  let removed = 0;
  for (const fn of Object.values(program.functions)) {
    const types = new Map<string, DType>();
    for (const v of fn.inputs) types.set(v.name, v.type.dtype);
    removed += simplifyBlock(fn.block, types);
  }
  return removed;
}

/** Widenings that keep every value exactly, so a later cast may read the source directly. */
const LOSSLESS: Readonly<Partial<Record<DType, readonly DType[]>>> = {
  float16: ['float32'],
  bool: ['int8', 'uint8', 'int16', 'uint16', 'int32', 'float16', 'float32'],
  int8: ['int16', 'int32', 'float16', 'float32'],
  uint8: ['int16', 'uint16', 'int32', 'float16', 'float32'],
  int16: ['int32', 'float32'],
  uint16: ['int32', 'float32'],
};

function castSource(op: MilOperation): string | undefined {
  const b = op.inputs['x']?.[0];
  return op.type === 'cast' && b?.kind === 'name' ? b.name : undefined;
}

function simplifyBlock(block: MilBlock, types: Map<string, DType>): number {
  const producers = new Map<string, MilOperation>();
  const renames = new Map<string, string>();
  const outputs = new Set(block.outputs);
  for (const v of block.inputs) types.set(v.name, v.type.dtype);
  for (const op of block.operations) {
    for (const inner of op.blocks) simplifyBlock(inner, types);
    for (const o of op.outputs) {
      types.set(o.name, o.type.dtype);
      producers.set(o.name, op);
    }
    let source = castSource(op);
    if (source === undefined) continue;
    source = renames.get(source) ?? source;
    const inner = producers.get(source);
    const innerSource = inner ? castSource(inner) : undefined;
    if (innerSource !== undefined && LOSSLESS[types.get(innerSource)!]?.includes(types.get(source)!)) source = innerSource;
    op.inputs['x'] = [{ kind: 'name', name: source }];
    const out = op.outputs[0]!;
    if (types.get(source) === out.type.dtype && !outputs.has(out.name)) renames.set(out.name, source);
  }
  renameUses(block, renames, false);
  return dropUnreadCasts(block);
}

function dropUnreadCasts(block: MilBlock): number {
  let removed = 0;
  for (;;) {
    const uses = countUses(block);
    const before = block.operations.length;
    block.operations = block.operations.filter((op) => op.type !== 'cast' || op.outputs.some((o) => (uses.get(o.name) ?? 0) > 0));
    const dropped = before - block.operations.length;
    if (dropped === 0) return removed;
    removed += dropped;
  }
}
