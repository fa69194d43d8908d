import type { MilFunction, MilOperation } from '../mil/ir.js';

/**
 * Which op of an fp32 program computes the same thing as an op of a variant of it
 * (fp16 compute, compressed weights, mixed precision). The variant has ops the fp32
 * program lacks (casts, constexpr decompression) and renamed results (`x` computed in
 * fp16 is `x_cast_fp16`), so ops are paired by output name with the fp16 pass's
 * renaming undone, and otherwise by the ONNX node they were made for (the k-th op of a
 * type made for a node pairs with the fp32 program's k-th) when both programs record it. Only top-level compute ops are paired; a pair is kept only when the outputs
 * have the same element type family and rank.
 */

export interface OpPair {
  variant: MilOperation;
  fp32: MilOperation;
  /** Variant output index → the fp32 output it is compared with. */
  outputs: { variantName: string; fp32Name: string }[];
}

/** Ops that compute nothing of the model's own: constants, their decompression, precision casts. */
export function isBookkeepingOp(op: MilOperation): boolean {
  return op.type === 'const' || op.type.startsWith('constexpr_') || op.type === 'cast';
}

/** The names the fp16 pass gives an fp32 value `x`: `x_cast_fp16`, with `_N` when that was taken. */
const FP16_RENAME = /_cast_fp16(?:_\d+)?$/;

function provenanceKey(op: MilOperation): string | undefined {
  return op.source ? `${op.source.node}\u0000${op.type}` : undefined;
}

/** fp32 ops by provenance (in program order) and by output name. */
function indexFp32(fn: MilFunction) {
  const byProvenance = new Map<string, MilOperation[]>();
  const byOutput = new Map<string, MilOperation>();
  for (const op of fn.block.operations) {
    if (isBookkeepingOp(op)) continue;
    const key = provenanceKey(op);
    if (key !== undefined) byProvenance.set(key, [...(byProvenance.get(key) ?? []), op]);
    for (const out of op.outputs) byOutput.set(out.name, op);
  }
  return { byProvenance, byOutput };
}

/**
 * A name match may pair different op types: a fusion keeps the name of the result it
 * computes (conv that absorbed a batch_norm, mul by the inverse for real_div), so both
 * hold the same value. A node match pairs only the same op type.
 */
function compatible(variant: MilOperation, fp32: MilOperation, sameTypeNeeded: boolean): boolean {
  return (
    (!sameTypeNeeded || variant.type === fp32.type) &&
    variant.outputs.length === fp32.outputs.length &&
    variant.outputs.every((o, i) => o.type.shape.length === fp32.outputs[i]!.type.shape.length)
  );
}

export function pairOperations(fp32: MilFunction, variant: MilFunction): OpPair[] {
  const index = indexFp32(fp32);
  const seen = new Map<string, number>();
  const used = new Set<MilOperation>();
  const pairs: OpPair[] = [];
  for (const op of variant.block.operations) {
    if (isBookkeepingOp(op)) continue;
    // A name match decides: a fused op (conv that absorbed a batch_norm) carries the absorbed
    // op's name and pairs with that op, never with its own node's fp32 op.
    const named = byName(op, index.byOutput);
    const traced = byProvenance(op, index.byProvenance, seen);
    const match = named ?? traced;
    if (!match || used.has(match) || !compatible(op, match, named === undefined)) continue;
    used.add(match);
    pairs.push({ variant: op, fp32: match, outputs: op.outputs.map((o, i) => ({ variantName: o.name, fp32Name: match.outputs[i]!.name })) });
  }
  return pairs;
}

/** The k-th op made for a node with this op type pairs with the fp32 program's k-th. */
function byProvenance(op: MilOperation, index: Map<string, MilOperation[]>, seen: Map<string, number>): MilOperation | undefined {
  const key = provenanceKey(op);
  if (key === undefined) return undefined;
  const k = seen.get(key) ?? 0;
  seen.set(key, k + 1);
  return index.get(key)?.[k];
}

function byName(op: MilOperation, byOutput: Map<string, MilOperation>): MilOperation | undefined {
  const first = op.outputs[0]?.name;
  if (first === undefined) return undefined;
  return byOutput.get(first) ?? byOutput.get(first.replace(FP16_RENAME, ''));
}
