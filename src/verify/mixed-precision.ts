import { FP32_OP_BUDGET } from '../compress/variants.js';
import type { CoreMLModel } from '../coreml/model.js';
import { mainFunction, type MilOperation } from '../mil/ir.js';
import type { Gate } from '../parity/gates.js';
import type { TestDataSet } from '../reference/test-data-set.js';
import { traceDivergence, type OpDivergence } from './divergence.js';
import { firstFailingSet, modelInputs } from './judge.js';
import { isBookkeepingOp } from './op-pairs.js';

/**
 * Mixed precision (`--precision auto`, variant fp16-auto): the fp16 program with the
 * fewest ops kept in fp32 that passes the fp16 gate on the reference data. Starting from
 * plain fp16, each round runs the candidate against the references; while it fails, the
 * first op where it diverges from the fp32 program (verify/divergence.ts) is kept in
 * fp32 too — or, when that op is already fp32 and still diverges, the fp16 ops feeding
 * it; when no op stands out, the fp16 op that adds the most error — until the gate
 * passes, nothing is left to keep, or the op budget is spent.
 */

/** An op the mixed program computes in fp32. */
export interface KeptOp {
  /** MIL op type. */
  op: string;
  onnxNode: string | null;
  /** The op's (first) output in the fp32 program. */
  outputName: string;
}

export interface MixedPrecisionSearch {
  /** The fp32 program of the same model (with its interface), the yardstick of divergence. */
  fp32: CoreMLModel;
  /** Builds the fp16 program that keeps the ops with these fp32 output names in fp32. */
  build: (keep: ReadonlySet<string>) => CoreMLModel;
  sets: readonly TestDataSet[];
  gate: Gate;
  budget?: number;
  /** Named in data and interpreter messages. */
  referenceFile: string;
  packageFile: string;
  /** Called after each interpreted op (time limits throw from here). */
  onOp?: () => void;
}

export interface MixedPrecisionResult {
  model: CoreMLModel;
  /** Ops kept in fp32, in the order they were added. */
  kept: KeptOp[];
  /** Whether the last candidate passed the gate on every set. */
  passed: boolean;
  budget: number;
  /** Why the search stopped without passing. */
  stoppedBecause?: string;
}

export function searchMixedPrecision(search: MixedPrecisionSearch): MixedPrecisionResult {
  const budget = search.budget ?? FP32_OP_BUDGET;
  const fp32Ops = computeOpsByOutput(search.fp32);
  const keep = new Set<string>();
  const kept: KeptOp[] = [];
  for (;;) {
    const model = search.build(keep);
    const failing = firstFailingSet(model, search.sets, {
      gate: search.gate,
      referenceFile: search.referenceFile,
      packageFile: search.packageFile,
      ...(search.onOp === undefined ? {} : { onOp: search.onOp }),
    });
    if (failing === undefined) return { model, kept, passed: true, budget };
    const stop = (why: string): MixedPrecisionResult => ({ model, kept, passed: false, budget, stoppedBecause: why });
    if (kept.length >= budget) return stop(`the budget of ${budget} fp32 ops is spent`);
    const additions = nextOpsToKeep(search, model, failing, keep, fp32Ops).slice(0, budget - kept.length);
    if (additions.length === 0) return stop('no diverging op is left to keep in fp32');
    for (const op of additions) {
      keep.add(op.outputs[0]!.name);
      kept.push({ op: op.type, onnxNode: op.source?.node ?? null, outputName: op.outputs[0]!.name });
    }
  }
}

/** The first diverging op, or the fp16 producers of its inputs when it is already kept. */
function nextOpsToKeep(search: MixedPrecisionSearch, candidate: CoreMLModel, set: TestDataSet, keep: ReadonlySet<string>, fp32Ops: Map<string, MilOperation>): MilOperation[] {
  const inputs = { fp32: modelInputs(search.fp32, set, search.referenceFile), variant: modelInputs(candidate, set, search.referenceFile) };
  const profile = traceDivergence(search.fp32, candidate, inputs, { fp32: search.packageFile, variant: search.packageFile }, search.onOp === undefined ? {} : { onOp: search.onOp });
  const first = profile.first;
  const op = first ? fp32Ops.get(first.outputName) : undefined;
  if (!op) return mostErrorAdding(profile.ops, keep, fp32Ops);
  if (!isKept(op, keep)) return [op];
  return producersOf(op, fp32Ops).filter((p) => !isKept(p, keep));
}

/** No op jumps, yet the gate fails: the error accumulates, so keep the fp16 op that adds the most of it. */
function mostErrorAdding(ops: readonly OpDivergence[], keep: ReadonlySet<string>, fp32Ops: Map<string, MilOperation>): MilOperation[] {
  let best: { op: MilOperation; added: number } | undefined;
  for (const d of ops) {
    const op = fp32Ops.get(d.outputName);
    if (!op || isKept(op, keep) || d.addedError === null || d.addedError <= 0) continue;
    if (!best || d.addedError > best.added) best = { op, added: d.addedError };
  }
  return best ? [best.op] : [];
}
function isKept(op: MilOperation, keep: ReadonlySet<string>): boolean {
  return op.outputs.some((o) => keep.has(o.name));
}

/** The fp32 program's compute ops by output name. */
function computeOpsByOutput(model: CoreMLModel): Map<string, MilOperation> {
  const ops = new Map<string, MilOperation>();
  for (const op of mainFunction(model.program).block.operations) {
    if (!isBookkeepingOp(op)) for (const out of op.outputs) ops.set(out.name, op);
  }
  return ops;
}

function producersOf(op: MilOperation, fp32Ops: Map<string, MilOperation>): MilOperation[] {
  const found = new Set<MilOperation>();
  for (const bindings of Object.values(op.inputs)) {
    for (const b of bindings) {
      const producer = b.kind === 'name' ? fp32Ops.get(b.name) : undefined;
      if (producer?.outputs.some((o) => o.type.dtype === 'float32')) found.add(producer);
    }
  }
  return [...found];
}
