import type { CoreMLModel } from '../coreml/model.js';
import { ToolError, errorMessage } from '../errors.js';
import { mainFunction, type MilOperation } from '../mil/ir.js';
import { runModel, type ObservedValue } from '../runtime/interpreter.js';
import type { Tensor } from '../tensor/tensor.js';
import { compareValues, type ValueComparison, type ValueRange } from './divergence-stats.js';
import { isBookkeepingOp, pairOperations, type OpPair } from './op-pairs.js';

export type { DivergenceError, RangeEnd, ValueRange } from './divergence-stats.js';

/**
 * Where a variant's numbers leave the fp32 program's: both programs run in the
 * interpreter on the same inputs, and every paired op's results (see op-pairs.ts) are
 * compared as they are made. An op "jumps" when it introduces a problem its inputs did
 * not have: values that overflow to ±inf or become NaN where fp32 is finite, values
 * flushed to zero, or a relative error of at least 1% that is ten times its inputs'.
 */

/** An op's results against the fp32 program's (the worst of its outputs). */
export interface OpDivergence extends ValueComparison {
  /** Position among the variant's top-level ops. */
  index: number;
  /** MIL op type. */
  op: string;
  /** The variant op's name. */
  name: string;
  /** The ONNX node the op was made for, when the program records it. */
  onnxNode: string | null;
  /** The output's name in the fp32 program. */
  outputName: string;
  /** Whether this op introduced the error (see the module comment). */
  jump: boolean;
  /**
   * The relative error this op adds to its inputs' worst (which may be negative: an op can
   * shrink error); null when either is not finite. Where no op jumps, the op adding the most
   * is where the error grows.
   */
  addedError: number | null;
}

/** The line `verify --json` and the report give for a failing variant. */
export interface FirstDivergence {
  op: string;
  onnxNode: string | null;
  outputName: string;
  error: ValueComparison['error'];
  fp32Range: ValueRange;
  variantRange: ValueRange;
}

export interface DivergenceProfile {
  /** Every paired op with float results, in the variant's order. */
  ops: OpDivergence[];
  /** The first op that jumped; else the first at or above the relative threshold; else null. */
  first: OpDivergence | null;
  /** Top-level compute ops of the variant that have no fp32 counterpart. */
  unpaired: number;
}

/** Relative error from which an op counts as diverging (PSNR-like 40 dB). */
export const DIVERGENCE_THRESHOLD = 1e-2;
/** How much worse than its worst input an op's relative error must be to count as a jump. */
const JUMP_FACTOR = 10;

/** What is known of a variant value's health: carried through casts and unpaired ops from their inputs. */
interface Health {
  relative: number;
  nonFinite: boolean;
  underflow: boolean;
}

const CLEAN: Health = { relative: 0, nonFinite: false, underflow: false };

function worse(a: Health, b: Health): Health {
  return { relative: Math.max(a.relative, b.relative), nonFinite: a.nonFinite || b.nonFinite, underflow: a.underflow || b.underflow };
}

/** fp32 results held at once while tracing; a program with more is traced in windows of ops, two runs each. */
export const TRACE_MEMORY_BYTES = 256 * 2 ** 20;

export interface TraceOptions {
  /** Called after each interpreted op (time limits throw from here). */
  onOp?: () => void;
  /** Default TRACE_MEMORY_BYTES. */
  memoryBytes?: number;
}

/**
 * Runs `fp32` and `variant` on the same inputs (each cast to its own declared types by
 * the caller) and compares every paired op. The fp32 results of paired ops are copied
 * while the fp32 program runs, up to the memory budget, and released as soon as the
 * variant's are compared; the ops beyond it are traced by the next pair of runs.
 */
export function traceDivergence(
  fp32: CoreMLModel,
  variant: CoreMLModel,
  inputs: { fp32: Record<string, Tensor>; variant: Record<string, Tensor> },
  files: { fp32: string; variant: string },
  options: TraceOptions = {},
): DivergenceProfile {
  const pairs = pairOperations(mainFunction(fp32.program), mainFunction(variant.program));
  const byVariantOp = new Map<MilOperation, OpPair>(pairs.map((p) => [p.variant, p]));
  const pending = new Set(pairs.flatMap((p) => p.outputs.map((o) => o.fp32Name)));
  const trace: Trace = { health: new Map(), done: new Set(), ops: [] };
  while (pending.size > 0) {
    const recorded = recordWindow(fp32, inputs.fp32, files.fp32, pending, options);
    if (recorded.size === 0) break;
    for (const name of recorded.keys()) pending.delete(name);
    compareWindow(variant, inputs.variant, files.variant, byVariantOp, recorded, trace, options.onOp);
  }
  const ops = trace.ops.sort((a, b) => a.index - b.index);
  const unpaired = mainFunction(variant.program).block.operations.filter((op) => !byVariantOp.has(op) && !isBookkeepingOp(op)).length;
  return { ops, first: firstOf(ops), unpaired };
}

/** What a trace has found so far: each variant value's health, the ops compared, their results. */
interface Trace {
  health: Map<string, Health>;
  done: Set<MilOperation>;
  ops: OpDivergence[];
}

/** Copies the fp32 results still to compare, in program order, until the budget is used. */
function recordWindow(fp32: CoreMLModel, inputs: Record<string, Tensor>, file: string, pending: Set<string>, options: TraceOptions): Map<string, Float32Array> {
  const budget = options.memoryBytes ?? TRACE_MEMORY_BYTES;
  const recorded = new Map<string, Float32Array>();
  let bytes = 0;
  run(fp32, inputs, file, options.onOp, (op, values) => {
    if (bytes >= budget) return;
    op.outputs.forEach((out, i) => {
      const data = values[i]?.data;
      if (!pending.has(out.name)) return;
      if (!(data instanceof Float32Array)) {
        pending.delete(out.name);
        return;
      }
      recorded.set(out.name, Float32Array.from(data));
      bytes += data.byteLength;
    });
  });
  return recorded;
}

/** Runs the variant and compares the ops whose fp32 results this window holds. */
function compareWindow(
  variant: CoreMLModel,
  inputs: Record<string, Tensor>,
  file: string,
  byVariantOp: Map<MilOperation, OpPair>,
  recorded: Map<string, Float32Array>,
  trace: Trace,
  onOp: (() => void) | undefined,
): void {
  let index = 0;
  run(variant, inputs, file, onOp, (op, values) => {
    const position = index++;
    const pair = byVariantOp.get(op);
    const inputHealth = healthOfInputs(op, trace.health);
    const inWindow = pair !== undefined && pair.outputs.some((o) => recorded.has(o.fp32Name));
    // An op compared in an earlier window keeps the health it was found to have.
    if (!inWindow && trace.done.has(op)) return;
    const compared = pair && inWindow ? comparePair(pair, values, recorded) : undefined;
    if (inWindow) trace.done.add(op);
    if (!pair || !compared) {
      for (const out of op.outputs) trace.health.set(out.name, inputHealth);
      return;
    }
    const [worst, outputName] = compared;
    for (const out of op.outputs) trace.health.set(out.name, worse(inputHealth, healthOf(worst)));
    trace.ops.push({
      index: position,
      op: op.type,
      name: op.name,
      onnxNode: op.source?.node ?? pair.fp32.source?.node ?? null,
      outputName,
      ...worst,
      jump: isJump(worst, inputHealth),
      addedError: addedErrorOf(worst, inputHealth),
    });
  });
}

function run(model: CoreMLModel, inputs: Record<string, Tensor>, file: string, onOp: (() => void) | undefined, onValues: (op: MilOperation, values: readonly ObservedValue[]) => void): void {
  try {
    runModel(model, inputs, onOp === undefined ? { onValues } : { onValues, onOp });
  } catch (err) {
    if (err instanceof ToolError && err.file !== undefined) throw err;
    throw new ToolError(err instanceof ToolError ? err.code : 'RUNTIME', `the reference interpreter failed: ${errorMessage(err)}`, { file, cause: err });
  }
}

/** The worst comparison among a pair's float outputs, with its fp32 name; undefined when none is float. */
function comparePair(pair: OpPair, values: readonly ObservedValue[], recorded: Map<string, Float32Array>): [ValueComparison, string] | undefined {
  let worst: [ValueComparison, string] | undefined;
  pair.outputs.forEach(({ fp32Name }, i) => {
    const reference = recorded.get(fp32Name);
    const actual = values[i]?.data;
    recorded.delete(fp32Name);
    if (!reference || !(actual instanceof Float32Array) || actual.length !== reference.length) return;
    const c = compareValues(reference, actual);
    if (!worst || severity(c) > severity(worst[0])) worst = [c, fp32Name];
  });
  return worst;
}

const KIND_RANK: Readonly<Record<ValueComparison['error']['kind'], number>> = { relative: 0, underflow: 1, overflow: 2, nan: 3 };

function severity(c: ValueComparison): number {
  return KIND_RANK[c.error.kind] * 10 + Math.min(9, c.error.relative ?? 9);
}

function healthOf(c: ValueComparison): Health {
  return {
    relative: c.error.relative ?? Infinity,
    nonFinite: c.error.kind === 'overflow' || c.error.kind === 'nan',
    underflow: c.error.kind === 'underflow',
  };
}

function healthOfInputs(op: MilOperation, health: Map<string, Health>): Health {
  let h = CLEAN;
  for (const bindings of Object.values(op.inputs)) {
    for (const b of bindings) if (b.kind === 'name') h = worse(h, health.get(b.name) ?? CLEAN);
  }
  return h;
}

function isJump(c: ValueComparison, inputs: Health): boolean {
  const kind = c.error.kind;
  if (kind === 'overflow' || kind === 'nan') return !inputs.nonFinite;
  if (kind === 'underflow') return !inputs.underflow && !inputs.nonFinite;
  const relative = c.error.relative ?? Infinity;
  return relative >= DIVERGENCE_THRESHOLD && relative >= JUMP_FACTOR * inputs.relative && !inputs.nonFinite;
}

function addedErrorOf(c: ValueComparison, inputs: Health): number | null {
  const added = (c.error.relative ?? Infinity) - inputs.relative;
  return Number.isFinite(added) ? added : null;
}

function firstOf(ops: readonly OpDivergence[]): OpDivergence | null {
  return ops.find((o) => o.jump) ?? ops.find((o) => (o.error.relative ?? Infinity) >= DIVERGENCE_THRESHOLD) ?? null;
}

/** The report's form of an op's divergence. */
export function firstDivergenceOf(d: OpDivergence): FirstDivergence {
  return { op: d.op, onnxNode: d.onnxNode, outputName: d.outputName, error: d.error, fp32Range: d.fp32Range, variantRange: d.variantRange };
}
