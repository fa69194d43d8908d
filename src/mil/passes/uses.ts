import type { Tensor } from '../../tensor/tensor.js';
import type { MilBlock, MilFunction, MilOperation } from '../ir.js';
import { NameAllocator } from '../sanitize.js';

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

/** Every const op's value by output name, in a block and its nested blocks (names are unique per function). */
export function constantValues(block: MilBlock, values = new Map<string, Tensor>()): Map<string, Tensor> {
  for (const op of block.operations) {
    const val = op.type === 'const' ? op.attributes['val'] : undefined;
    if (val && op.outputs[0]) values.set(op.outputs[0].name, val);
    for (const inner of op.blocks) constantValues(inner, values);
  }
  return values;
}

/** The constant an op parameter is bound to (a const op's value or an inline value), if it is one. */
export function boundConstant(op: MilOperation, param: string, constants: ReadonlyMap<string, Tensor>): Tensor | undefined {
  const b = op.inputs[param]?.[0];
  if (!b) return undefined;
  return b.kind === 'value' ? b.value : constants.get(b.name);
}

/** A name allocator that already holds every op and value name of the function, for ops a pass adds. */
export function functionNames(fn: MilFunction): NameAllocator {
  const names = new NameAllocator();
  for (const v of fn.inputs) names.allocate(v.name);
  const visit = (block: MilBlock): void => {
    for (const v of block.inputs) names.allocate(v.name);
    for (const op of block.operations) {
      names.allocate(op.name);
      for (const o of op.outputs) names.allocate(o.name);
      for (const inner of op.blocks) visit(inner);
    }
  };
  visit(fn.block);
  return names;
}

/** A const op holding `value`, named `name` (its output carries the same name). */
export function constOp(name: string, value: Tensor): MilOperation {
  return {
    type: 'const',
    name,
    inputs: {},
    outputs: [{ name, type: { dtype: value.dtype, shape: [...value.shape] } }],
    attributes: { val: value },
    blocks: [],
  };
}
