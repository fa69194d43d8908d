import type { MilBlock, MilOperation, MilProgram } from '../mil/ir.js';
import { NONDETERMINISTIC_OPS } from './kernels/random.js';

/**
 * Which outputs of a function depend on a random_* op. The interpreter draws
 * its own seeded numbers for those ops and a device draws others, so such an
 * output cannot be compared value by value with a reference.
 */

/** The random op type an operation's results depend on (through its inputs or nested blocks), if any. */
function randomSource(op: MilOperation, tainted: Map<string, string>): string | undefined {
  if (NONDETERMINISTIC_OPS.has(op.type)) return op.type;
  for (const bindings of Object.values(op.inputs)) {
    for (const b of bindings) if (b.kind === 'name' && tainted.has(b.name)) return tainted.get(b.name);
  }
  for (const block of op.blocks) {
    const inner = taint(block, tainted);
    const found = [...inner.values()][0];
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Names made in `block` (and the enclosing `outer` names) that depend on a random op, with that op's type. */
function taint(block: MilBlock, outer: ReadonlyMap<string, string>): Map<string, string> {
  const tainted = new Map(outer);
  const made = new Map<string, string>();
  for (const op of block.operations) {
    const source = randomSource(op, tainted);
    if (source === undefined) continue;
    for (const out of op.outputs) {
      tainted.set(out.name, source);
      made.set(out.name, source);
    }
  }
  return made;
}

/** Output name → the random op type it depends on, for the outputs of `functionName` that do. */
export function nondeterministicOutputs(program: MilProgram, functionName = 'main'): Map<string, string> {
  const fn = program.functions[functionName];
  if (!fn) return new Map();
  const made = taint(fn.block, new Map());
  return new Map(fn.block.outputs.filter((name) => made.has(name)).map((name) => [name, made.get(name)!]));
}
