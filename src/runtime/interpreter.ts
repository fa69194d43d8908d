import type { MilBlock, MilFunction, MilOperation, MilOpset, MilProgram, MilTensorType } from '../mil/ir.js';
import { programDescription, type CoreMLModel } from '../coreml/model.js';
import { formatShape, type Tensor } from '../tensor/tensor.js';
import { ToolError } from '../errors.js';
import { packConstantsPerCall } from './gemm.js';
import { fusionsOf, runFused } from './fused-runs.js';
import { imageToProgramTensor } from './image.js';
import { runNmsStage } from './nms-model.js';
import { runOperation } from './run-operation.js';
import { releasePlan, Scope } from './scope.js';
import { BufferPool, fromTensor, isListValue, toTensor, withBufferPool, type RtValue } from './value.js';

export { supportedOpTypes } from './kernels/index.js';

export interface RunOptions {
  /** Function to run; default "main". */
  functionName?: string;
  /** Called after each top-level operation of the function finishes. */
  onOp?: (index: number, total: number) => void;
  /**
   * Shown the results of each top-level operation as soon as it ran, before any
   * value is released: float16 results are fp16-rounded values in a Float32Array.
   * The buffers are reused once released, so an observer copies what it keeps.
   */
  onValues?: (op: MilOperation, values: readonly ObservedValue[]) => void;
  /**
   * The caller runs the program this once: the top-level block's constants
   * (fp16 weights widened to float32, decompressed constexpr weights, and what
   * kernels derive from them, such as packed weight panels) are not kept for
   * later runs but freed after their last reader, so a run holds one layer's
   * derived weights at a time instead of all of them.
   */
  once?: boolean;
}

/** A value as `onValues` sees it (read-only; see RunOptions.onValues). */
export type ObservedValue = RtValue;

function executeBlock(
  block: MilBlock, scope: Scope, opset: MilOpset, onOp?: (index: number, total: number) => void, heartbeat?: () => void, onValues?: RunOptions['onValues'], keepConstants = true,
): RtValue[] {
  const plan = releasePlan(block);
  // An observer sees every op's own result, so ops run fused only when nobody watches.
  const fusions = onValues ? undefined : fusionsOf(block);
  const doneEarly = new Set<number>();
  const total = block.operations.length;
  for (let i = 0; i < total; i++) {
    const beat = heartbeat ?? (onOp ? () => onOp(i, total) : undefined);
    const op = block.operations[i]!;
    if (!doneEarly.has(i) && !(fusions && runFused(i, block, fusions, scope, opset, doneEarly, keepConstants))) runOperation(op, scope, opset, runNestedBlock, beat, keepConstants);
    if (onValues) onValues(op, op.outputs.map((o) => scope.get(o.name)!));
    for (const name of plan[i]!) scope.release(name);
    onOp?.(i, total);
    if (heartbeat) heartbeat();
  }
  return block.outputs.map((name) => {
    const v = scope.get(name);
    if (!v) throw new ToolError('RUNTIME', `block output '${name}' is never defined`);
    return v;
  });
}

function runNestedBlock(op: MilOperation, index: number, blockInputs: RtValue[], outer: Scope, opset: MilOpset, heartbeat?: () => void): RtValue[] {
  const block = op.blocks[index];
  if (!block) throw new ToolError('RUNTIME', `${op.type} '${op.name}' has no nested block ${index}`);
  if (block.inputs.length !== blockInputs.length) {
    throw new ToolError('RUNTIME', `${op.type} '${op.name}': block ${index} takes ${block.inputs.length} inputs, got ${blockInputs.length}`);
  }
  const scope = new Scope(outer);
  block.inputs.forEach((v, i) => scope.set(v.name, blockInputs[i]!));
  return executeBlock(block, scope, opset, undefined, heartbeat);
}

function checkInput(name: string, declared: MilTensorType, t: Tensor | undefined): Tensor {
  if (!t) throw new ToolError('RUNTIME', `missing input '${name}' (${declared.dtype} ${formatShape(declared.shape)})`);
  if (t.dtype !== declared.dtype) {
    throw new ToolError('RUNTIME', `input '${name}' must be ${declared.dtype}, got ${t.dtype}`);
  }
  const fits = t.shape.length === declared.shape.length && declared.shape.every((d, i) => d === null || d === t.shape[i]);
  if (!fits) throw new ToolError('RUNTIME', `input '${name}' must have shape ${formatShape(declared.shape)}, got ${formatShape(t.shape)}`);
  return t;
}

function selectFunction(program: MilProgram, name: string): MilFunction {
  const fn = program.functions[name];
  if (!fn) {
    throw new ToolError('RUNTIME', `ML program has no function '${name}' (has: ${Object.keys(program.functions).join(', ') || 'none'})`);
  }
  return fn;
}

/**
 * The buffers a function's earlier runs released, kept for its next run: a
 * program run again (a benchmark, a reference compared run by run) reuses its
 * activations' memory instead of faulting in and collecting fresh arrays each
 * time. Kept as long as the function; a run told it is the only one starts a
 * pool of its own and leaves nothing behind.
 */
const poolsByFunction = new WeakMap<MilFunction, BufferPool>();
function poolFor(fn: MilFunction): BufferPool {
  let pool = poolsByFunction.get(fn);
  if (!pool) {
    pool = new BufferPool();
    poolsByFunction.set(fn, pool);
  }
  return pool;
}

/**
 * Runs one function of an ML program on the given inputs and returns its
 * outputs by name, each in its declared dtype (float16 as half bit patterns).
 */
export function runProgram(program: MilProgram, inputs: Record<string, Tensor>, options: RunOptions = {}): Record<string, Tensor> {
  const fn = selectFunction(program, options.functionName ?? 'main');
  const declaredNames = new Set(fn.inputs.map((v) => v.name));
  for (const name of Object.keys(inputs)) {
    if (!declaredNames.has(name)) throw new ToolError('RUNTIME', `unknown input '${name}' (the program takes: ${[...declaredNames].join(', ')})`);
  }
  const scope = new Scope(undefined, options.once ? undefined : poolFor(fn));
  for (const v of fn.inputs) scope.set(v.name, fromTensor(checkInput(v.name, v.type, inputs[v.name])));
  const run = (): RtValue[] => withBufferPool(scope.buffers.pool, () => executeBlock(fn.block, scope, fn.opset, options.onOp, undefined, options.onValues, options.once !== true));
  const values = options.once ? packConstantsPerCall(run) : run();
  const result: Record<string, Tensor> = {};
  fn.block.outputs.forEach((name, i) => {
    if (isListValue(values[i]!)) throw new ToolError('RUNTIME', `program output '${name}' is a list; a Core ML model returns tensors (gather it with list_gather)`);
    result[name] = toTensor(values[i]!);
  });
  return result;
}

/**
 * Runs a Core ML model's program. Image inputs take uint8 pixels (see `image.ts`).
 * Outputs are keyed by the model description's output names and converted to the
 * described dtypes: a classifier's label is a string (or int64) scalar and its
 * probabilities dictionary a float64 tensor with one value per class, in class order;
 * an image output is its float32 [1, C, H, W] pixel values before 8-bit rounding.
 * A pipeline runs its ML program, then each later stage on the pipeline's inputs and
 * the earlier stages' outputs; optional inputs left out take the stage's defaults.
 */
export function runModel(model: CoreMLModel, inputs: Record<string, Tensor>, options: RunOptions = {}): Record<string, Tensor> {
  const programInputs: Record<string, Tensor> = {};
  const described = programDescription(model);
  for (const desc of described.inputs) {
    const given = inputs[desc.name];
    if (!given) continue;
    programInputs[desc.name] = desc.type.kind === 'image' ? imageToProgramTensor(desc.type, desc.name, given) : given;
  }
  for (const name of Object.keys(inputs)) {
    if (!model.inputs.some((d) => d.name === name)) throw new ToolError('RUNTIME', `unknown input '${name}' (the model takes: ${model.inputs.map((d) => d.name).join(', ')})`);
  }
  const values = new Map<string, Tensor>(Object.entries(inputs));
  const raw = runProgram(model.program, programInputs, options);
  for (const desc of described.outputs) {
    const t = raw[desc.name];
    if (!t) throw new ToolError('RUNTIME', `model output '${desc.name}' is not produced by the program`);
    values.set(desc.name, asDescribed(t, desc.type.dtype));
  }
  for (const stage of model.pipeline?.stages ?? []) {
    for (const [name, t] of Object.entries(runNmsStage(stage, values))) values.set(name, t);
  }
  const out: Record<string, Tensor> = {};
  for (const desc of model.outputs) {
    const t = values.get(desc.name);
    if (!t) throw new ToolError('RUNTIME', `model output '${desc.name}' is not produced by the model`);
    out[desc.name] = asDescribed(t, desc.type.dtype);
  }
  return out;
}

function asDescribed(t: Tensor, dtype: Tensor['dtype']): Tensor {
  return t.dtype === dtype ? t : toTensor(fromTensor(t), dtype);
}
