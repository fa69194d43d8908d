import type { MilBlock, MilProgram } from '../ir.js';
import { boundNames } from './uses.js';

/**
 * Removes operations whose outputs nobody reads, transitively, in every
 * function and nested block. Ops without outputs (write_state) are effects
 * and always stay. Returns the number of operations removed.
 */
export function eliminateDeadCode(program: MilProgram): number {
  let removed = 0;
  for (const fn of Object.values(program.functions)) removed += sweepBlock(fn.block, new Set<string>());
  return removed;
}

/**
 * Walks the block backwards: an op is live when one of its outputs is live.
 * Var names are unique per function, so one live set serves nested blocks too.
 */
function sweepBlock(block: MilBlock, live: Set<string>): number {
  for (const name of block.outputs) live.add(name);
  let removed = 0;
  const kept = [];
  for (let i = block.operations.length - 1; i >= 0; i--) {
    const op = block.operations[i]!;
    const isLive = op.outputs.length === 0 || op.outputs.some((o) => live.has(o.name));
    if (!isLive) {
      removed++;
      continue;
    }
    for (const inner of op.blocks) removed += sweepBlock(inner, live);
    for (const name of boundNames(op)) live.add(name);
    kept.push(op);
  }
  block.operations = kept.reverse();
  return removed;
}
