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

/** A plan computed once per block and kept as long as the block lives. */
function perBlock<T>(build: (block: MilBlock) => T): (block: MilBlock) => T {
  const plans = new WeakMap<MilBlock, T>();
  return (block) => {
    let plan = plans.get(block);
    if (plan === undefined) {
      plan = build(block);
      plans.set(block, plan);
    }
    return plan;
  };
}

/** Index of the last op reading each value through one of `params` (any parameter when none are named). */
function readerIndex(ops: readonly MilOperation[], params?: readonly string[]): Map<string, number> {
  const at = new Map<string, number>();
  ops.forEach((op, i) => {
    for (const param of params ?? Object.keys(op.inputs)) for (const b of op.inputs[param] ?? []) if (b.kind === 'name') at.set(b.name, i);
  });
  return at;
}

/** Index of the op making each value of the block. */
function producerIndex(ops: readonly MilOperation[]): Map<string, number> {
  const at = new Map<string, number>();
  ops.forEach((op, i) => {
    for (const out of op.outputs) at.set(out.name, i);
  });
  return at;
}

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
export const normReluChains = perBlock((block: MilBlock): Map<number, NormReluChain> => {
  const plan = new Map<number, NormReluChain>();
  const readers = readerCounts(block);
  const ops = block.operations;
  const producer = producerIndex(ops);
  const readerAt = readerIndex(ops, ['x']);
  ops.forEach((norm, k) => {
    const x = norm.inputs['x']?.[0];
    const convAt = x?.kind === 'name' ? producer.get(x.name) : undefined;
    const conv = convAt === undefined ? undefined : ops[convAt];
    if (norm.type !== 'batch_norm' || conv?.type !== 'conv' || !feedsOnly(conv, norm, readers)) return;
    const r = norm.outputs.length === 1 ? readerAt.get(norm.outputs[0]!.name) : undefined;
    const relu = r === undefined ? undefined : ops[r];
    plan.set(k, relu?.type === 'relu' && r! > k && feedsOnly(norm, relu, readers) ? { reluAt: r! } : {});
  });
  return plan;
});

/**
 * The erf form of GELU as exporters write it, x · (erf(x / c1) + c2) · c3:
 * real_div → erf → add → mul (by x) → mul, each result read only by the next
 * op, every c a const. The interpreter runs it as one loop that rounds each
 * op's result to float32 exactly as the separate ops store it, so the values
 * are the same while four intermediate tensors are never written.
 */
export interface ErfGeluChain {
  /** Indices of erf, add and the two muls: skipped at their own places. */
  readonly rest: readonly number[];
  /** The shared input x and the names of c1 (divisor), c2 (added) and c3 (last factor). */
  readonly x: string;
  readonly divisor: string;
  readonly addend: string;
  readonly factor: string;
  /** Indices of the const ops making c1…c3: run before the chain when they come later in the block. */
  readonly constants: readonly number[];
}

function nameOf(op: MilOperation, param: string): string | undefined {
  const b = op.inputs[param];
  return b?.length === 1 && b[0]!.kind === 'name' ? b[0]!.name : undefined;
}

/** The other operand of a binary op whose one operand is `known`, or undefined when neither is. */
function otherOperand(op: MilOperation, known: string): string | undefined {
  const x = nameOf(op, 'x');
  const y = nameOf(op, 'y');
  if (x === known) return y;
  if (y === known) return x;
  return undefined;
}

/** Chains keyed by the index of their real_div in `block`. */
export const erfGeluChains = perBlock((block: MilBlock): Map<number, ErfGeluChain> => {
  const plan = new Map<number, ErfGeluChain>();
  const readers = readerCounts(block);
  const ops = block.operations;
  const at = producerIndex(ops);
  // With one reader (checked below), the last reader is the only one.
  const soleReader = readerIndex(ops);
  const constIndex = (name: string | undefined): number | undefined => {
    const i = name === undefined ? undefined : at.get(name);
    return i !== undefined && ops[i]!.type === 'const' ? i : undefined;
  };
  /** The op that alone reads `op`'s only result, if it has type `type` and both are float32. */
  const next = (op: MilOperation, type: string): [MilOperation, number] | undefined => {
    if (op.outputs.length !== 1) return undefined;
    const out = op.outputs[0]!;
    const i = soleReader.get(out.name);
    const reader = i === undefined ? undefined : ops[i]!;
    if (!reader || reader.type !== type || readers.get(out.name) !== 1 || reader.outputs.length !== 1) return undefined;
    if (out.type.dtype !== 'float32' || reader.outputs[0]!.type.dtype !== 'float32') return undefined;
    return [reader, i!];
  };
  ops.forEach((div, d) => {
    if (div.type !== 'real_div') return;
    const x = nameOf(div, 'x');
    const divisor = nameOf(div, 'y');
    const erfStep = next(div, 'erf');
    const addStep = erfStep && next(erfStep[0], 'add');
    const mulStep = addStep && next(addStep[0], 'mul');
    const scaleStep = mulStep && next(mulStep[0], 'mul');
    if (!x || !scaleStep) return;
    const addend = otherOperand(addStep[0], erfStep[0].outputs[0]!.name);
    const byX = otherOperand(mulStep[0], addStep[0].outputs[0]!.name);
    const factor = otherOperand(scaleStep[0], mulStep[0].outputs[0]!.name);
    const constants = [constIndex(divisor), constIndex(addend), constIndex(factor)];
    if (byX !== x || constants.some((c) => c === undefined)) return;
    plan.set(d, {
      rest: [erfStep[1], addStep[1], mulStep[1], scaleStep[1]],
      x, divisor: divisor!, addend: addend!, factor: factor!,
      constants: (constants as number[]).filter((c) => c > d),
    });
  });
  return plan;
});

/**
 * add → relu pairs (the residual join of ResNet blocks) where the relu is the
 * only reader of the add's float32 result: the interpreter computes both in
 * one loop, rounding the sum to float32 before the relu as the separate ops
 * do. Keyed by the add's index; the value is the relu's index.
 */
export const addReluPairs = perBlock((block: MilBlock): Map<number, number> => {
  const plan = new Map<number, number>();
  const readers = readerCounts(block);
  const ops = block.operations;
  const readerAt = readerIndex(ops, ['x']);
  ops.forEach((add, k) => {
    if (add.type !== 'add' || add.outputs.length !== 1) return;
    const r = readerAt.get(add.outputs[0]!.name);
    const relu = r === undefined ? undefined : ops[r];
    if (relu?.type === 'relu' && r! > k && feedsOnly(add, relu, readers)) plan.set(k, r!);
  });
  return plan;
});

/** linear → add of a constant vector along its outputs (a bias written as its own op). */
export interface LinearAdd {
  /** Index of the add: skipped at its own place. */
  readonly addAt: number;
  /** Name of the constant added. */
  readonly addend: string;
  /** Index of the const op making it, when it comes after the linear: run before the pair. */
  readonly constantAt?: number;
}

/**
 * linear → add pairs where the add alone reads the linear's float32 result
 * and its other operand is a const: the interpreter adds the constant as the
 * linear's product leaves the GEMM (see linearThenAdd), when at run time it
 * holds one float32 value per output feature. Keyed by the linear's index.
 */
export const linearAddPairs = perBlock((block: MilBlock): Map<number, LinearAdd> => {
  const plan = new Map<number, LinearAdd>();
  const readers = readerCounts(block);
  const ops = block.operations;
  const at = producerIndex(ops);
  const readerAt = readerIndex(ops, ['x', 'y']);
  ops.forEach((linear, k) => {
    if (linear.type !== 'linear' || linear.outputs.length !== 1) return;
    const out = linear.outputs[0]!;
    const a = readerAt.get(out.name);
    const add = a === undefined ? undefined : ops[a];
    if (add?.type !== 'add' || add.outputs.length !== 1 || readers.get(out.name) !== 1) return;
    if (out.type.dtype !== 'float32' || add.outputs[0]!.type.dtype !== 'float32') return;
    const addend = otherOperand(add, out.name);
    const c = addend === undefined ? undefined : at.get(addend);
    if (c === undefined || ops[c]!.type !== 'const') return;
    plan.set(k, { addAt: a!, addend: addend!, ...(c > k ? { constantAt: c } : {}) });
  });
  return plan;
});

/** A conv → batch_norm (→ relu) chain run from the conv's place. */
export interface ConvNormChain {
  readonly normAt: number;
  readonly reluAt?: number;
  /** Indices of const ops the batch_norm reads that come after the conv: run before the chain. */
  readonly constants: readonly number[];
}

/**
 * The chains of normReluChains seen from their conv: the interpreter applies
 * the batch_norm (and relu) as the conv's GEMM stores each channel, instead of
 * in a second pass. Only when everything else the batch_norm reads is a const
 * or exists before the conv. Keyed by the conv's index.
 */
export const convNormChains = perBlock((block: MilBlock): Map<number, ConvNormChain> => {
  const plan = new Map<number, ConvNormChain>();
  const ops = block.operations;
  const at = producerIndex(ops);
  for (const [normAt, chain] of normReluChains(block)) {
    const norm = ops[normAt]!;
    const convAt = at.get(nameOf(norm, 'x')!)!;
    const later: number[] = [];
    let usable = true;
    for (const [param, bindings] of Object.entries(norm.inputs)) {
      if (param === 'x') continue;
      for (const b of bindings) {
        const p = b.kind === 'name' ? at.get(b.name) : undefined;
        if (p === undefined || p < convAt) continue;
        if (ops[p]!.type === 'const') later.push(p);
        else usable = false;
      }
    }
    if (usable) plan.set(convAt, { normAt, ...(chain.reluAt === undefined ? {} : { reluAt: chain.reluAt }), constants: later });
  }
  return plan;
});
