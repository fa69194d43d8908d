import type { MilBlock, MilOperation } from '../mil/ir.js';

/**
 * The output head of a program: the weights of the last weighted layer on
 * every path into a block output (the classifier of a CNN, the output
 * projection of a transformer). Their reconstruction error reaches the model
 * outputs with nothing after them to average it out, so the lossiest
 * compressions leave them alone.
 */

/** Ops whose constant inputs are learned weights applied to the data flowing through them. */
const WEIGHTED_OPS = new Set(['conv', 'conv_transpose', 'linear', 'matmul', 'einsum', 'lstm', 'gru', 'rnn']);

/** Names of the const-like values read by the output head of `block` (top level only). */
export function outputHeadWeights(block: MilBlock): Set<string> {
  const producers = new Map<string, MilOperation>();
  for (const op of block.operations) for (const o of op.outputs) producers.set(o.name, op);
  const isConstant = (name: string): boolean => {
    const p = producers.get(name);
    return p !== undefined && (p.type === 'const' || p.type.startsWith('constexpr_'));
  };
  const heads = new Set<string>();
  const visited = new Set<MilOperation>();
  const pending = block.outputs.map((name) => producers.get(name)).filter((op): op is MilOperation => op !== undefined);
  while (pending.length > 0) {
    const op = pending.pop()!;
    if (visited.has(op)) continue;
    visited.add(op);
    const reads = Object.values(op.inputs).flatMap((bindings) => bindings.flatMap((b) => (b.kind === 'name' ? [b.name] : [])));
    if (WEIGHTED_OPS.has(op.type)) {
      // Stop here: the weight is the head, and what feeds this layer is upstream of it.
      for (const name of reads) if (isConstant(name)) heads.add(name);
      continue;
    }
    for (const name of reads) {
      const producer = producers.get(name);
      if (producer && !isConstant(name)) pending.push(producer);
    }
  }
  return heads;
}
