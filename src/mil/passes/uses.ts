import type { MilBlock, MilOperation } from '../ir.js';

/** Helpers the passes share: who reads which value, and renaming reads. */

/** True for ops whose outputs Core ML treats as compile-time constants. */
export function isConstLikeOp(op: MilOperation): boolean {
  return op.type === 'const' || op.type.startsWith('constexpr_');
}

/** Names of the values an op reads through its bindings (not through nested blocks). */
export function boundNames(op: MilOperation): string[] {
  const names: string[] = [];
  for (const bindings of Object.values(op.inputs)) {
    for (const b of bindings) if (b.kind === 'name') names.push(b.name);
  }
  return names;
}

/** How many times each value is read in a block and its nested blocks, block outputs included. */
export function countUses(block: MilBlock, counts = new Map<string, number>()): Map<string, number> {
  const bump = (name: string): void => {
    counts.set(name, (counts.get(name) ?? 0) + 1);
  };
  for (const op of block.operations) {
    for (const name of boundNames(op)) bump(name);
    for (const inner of op.blocks) countUses(inner, counts);
  }
  for (const name of block.outputs) bump(name);
  return counts;
}

/** Rewrites every read of `from` to `to` in the block's ops, nested blocks and (optionally) its outputs. */
export function renameUses(block: MilBlock, renames: ReadonlyMap<string, string>, includeOutputs: boolean): void {
  if (renames.size === 0) return;
  for (const op of block.operations) {
    for (const bindings of Object.values(op.inputs)) {
      for (let i = 0; i < bindings.length; i++) {
        const b = bindings[i]!;
        const to = b.kind === 'name' ? renames.get(b.name) : undefined;
        if (to !== undefined) bindings[i] = { kind: 'name', name: to };
      }
    }
    for (const inner of op.blocks) renameUses(inner, renames, true);
  }
  if (includeOutputs) block.outputs = block.outputs.map((n) => renames.get(n) ?? n);
}
