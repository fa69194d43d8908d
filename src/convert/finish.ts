import { walkOperations, type MilFunction, type MilProgram } from '../mil/ir.js';
import type { MilBuilder } from '../mil/builder.js';

/** Program-level steps that run after every node is converted. */

/** Renames a value produced by an operation of `fn`, everywhere it is read. */
export function renameValue(fn: MilFunction, from: string, to: string): void {
  if (from === to) return;
  for (const op of walkOperations(fn.block)) {
    for (const out of op.outputs) if (out.name === from) out.name = to;
    for (const bindings of Object.values(op.inputs)) {
      for (const b of bindings) if (b.kind === 'name' && b.name === from) b.name = to;
    }
  }
  fn.block.outputs = fn.block.outputs.map((o) => (o === from ? to : o));
}

/** Names of every value some operation reads (or the function returns). */
function usedValues(fn: MilFunction): Set<string> {
  const used = new Set(fn.block.outputs);
  for (const op of walkOperations(fn.block)) {
    for (const bindings of Object.values(op.inputs)) for (const b of bindings) if (b.kind === 'name') used.add(b.name);
  }
  return used;
}

/**
 * Core ML fails to run a program with a function input no op reads; like
 * coremltools, give each unused input an `identity` whose result is unused.
 */
export function consumeUnusedInputs(fn: MilFunction, b: MilBuilder): string[] {
  const used = usedValues(fn);
  const unused = fn.inputs.filter((i) => !used.has(i.name));
  for (const input of unused) {
    const before = b.operations().length;
    b.op1('identity', { x: input.name }, { name: `${input.name}_tmp` });
    // The builder appends to its own block; move the new op into the finished function.
    fn.block.operations.push(...b.operations().slice(before).filter((op) => !fn.block.operations.includes(op)));
  }
  return unused.map((i) => i.name);
}

/** Operation count per MIL op type. */
export function countMilOps(program: MilProgram): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const fn of Object.values(program.functions)) {
    for (const op of walkOperations(fn.block)) counts[op.type] = (counts[op.type] ?? 0) + 1;
  }
  return counts;
}
