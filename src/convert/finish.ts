import { walkOperations, type MilFunction, type MilProgram } from '../mil/ir.js';
import type { NameAllocator } from '../mil/sanitize.js';

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
 * coremltools, give each unused input an `identity` named `<input>_tmp`
 * whose result is unused. Returns the names of those inputs.
 */
export function consumeUnusedInputs(fn: MilFunction, names: NameAllocator): string[] {
  const used = usedValues(fn);
  const unused = fn.inputs.filter((i) => !used.has(i.name));
  for (const input of unused) {
    const name = names.allocate(`${input.name}_tmp`);
    fn.block.operations.push({
      type: 'identity',
      name,
      inputs: { x: [{ kind: 'name', name: input.name }] },
      outputs: [{ name, type: { dtype: input.type.dtype, shape: [...input.type.shape] } }],
      attributes: {},
      blocks: [],
    });
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
