import type { MilBlock, MilOperation } from '../mil/ir.js';

/**
 * conv → batch_norm (→ relu) chains the interpreter may run in place: the
 * batch_norm (and relu) rewrite the conv's result instead of each making and
 * filling a new tensor. Values are computed exactly as by the separate ops
 * (see batchNormInto); this only saves memory traffic. A batch_norm
 * qualifies when its x is the result of a conv that nothing else reads and
 * that is not a block output; its relu joins when the relu is the only
 * reader of the batch_norm's result. Every link is float32. The relu may sit
 * further down the block (constants are declared in between): it depends on
 * nothing but the batch_norm, so it is computed early and skipped at its own
 * place.
 */
export interface NormReluChain {
  /** Index of the relu that joins the chain, if any. */
  readonly reluAt?: number;
}

const plans = new WeakMap<MilBlock, Map<number, NormReluChain>>();

function readerCounts(block: MilBlock): Map<string, number> {
  const counts = new Map<string, number>();
  const count = (op: MilOperation): void => {
    for (const bindings of Object.values(op.inputs)) {
      for (const b of bindings) if (b.kind === 'name') counts.set(b.name, (counts.get(b.name) ?? 0) + 1);
    }
    for (const inner of op.blocks) {
      inner.operations.forEach(count);
      for (const out of inner.outputs) counts.set(out, (counts.get(out) ?? 0) + 1);
    }
  };
  block.operations.forEach(count);
  for (const out of block.outputs) counts.set(out, (counts.get(out) ?? 0) + 1);
  return counts;
}

/** `next` reads `prev`'s only result as x, and nothing else reads it; both are float32. */
function feedsOnly(prev: MilOperation, next: MilOperation, readers: Map<string, number>): boolean {
  if (prev.outputs.length !== 1 || next.outputs.length !== 1) return false;
  const name = prev.outputs[0]!.name;
  const x = next.inputs['x'];
  return x?.length === 1 && x[0]!.kind === 'name' && x[0]!.name === name && readers.get(name) === 1
    && prev.outputs[0]!.type.dtype === 'float32' && next.outputs[0]!.type.dtype === 'float32';
}

/** Chains keyed by the index of their batch_norm in `block`. */
export function normReluChains(block: MilBlock): Map<number, NormReluChain> {
  let plan = plans.get(block);
  if (plan) return plan;
  plan = new Map();
  const readers = readerCounts(block);
  const ops = block.operations;
  const producer = new Map<string, MilOperation>();
  const readerAt = new Map<string, number>();
  ops.forEach((op, i) => {
    for (const out of op.outputs) producer.set(out.name, op);
    for (const b of op.inputs['x'] ?? []) if (b.kind === 'name') readerAt.set(b.name, i);
  });
  ops.forEach((norm, k) => {
    const x = norm.inputs['x']?.[0];
    const conv = x?.kind === 'name' ? producer.get(x.name) : undefined;
    if (norm.type !== 'batch_norm' || conv?.type !== 'conv' || !feedsOnly(conv, norm, readers)) return;
    const r = norm.outputs.length === 1 ? readerAt.get(norm.outputs[0]!.name) : undefined;
    const relu = r === undefined ? undefined : ops[r];
    plan.set(k, relu?.type === 'relu' && r! > k && feedsOnly(norm, relu, readers) ? { reluAt: r! } : {});
  });
  plans.set(block, plan);
  return plan;
}
