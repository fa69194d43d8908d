import type { MilBlock, MilFunction, MilOperation, MilOpset, MilProgram, MilTensorType } from '../mil/ir.js';
import { programDescription, type CoreMLModel } from '../coreml/model.js';
import { releaseOnDemand } from '../tensor/on-demand.js';
import { formatShape, type Tensor } from '../tensor/tensor.js';
import { errorMessage, ToolError } from '../errors.js';
import { OpContext, type Kernel } from './kernel.js';
import { KERNELS } from './kernels/index.js';
import { addReluInto, erfGeluInto } from './kernels/elementwise.js';
import { linearThenAdd } from './kernels/linear.js';
import { batchNormAffine, batchNormInto } from './kernels/norm.js';
import { convThenNorm } from './kernels/conv.js';
import { packConstantsPerCall } from './gemm.js';
import { addReluPairs, convNormChains, erfGeluChains, linearAddPairs, normReluChains, type ConvNormChain, type ErfGeluChain, type LinearAdd } from './fusion.js';
import { resultsAreHalves } from './halves.js';
import { imageToProgramTensor } from './image.js';
import { runNmsStage } from './nms-model.js';
import {
  allocFor, BufferPool, computeDType, makeFloatToOverwrite, fromTensor, isListValue, POOLED_MIN_LENGTH, settleFloat16, toTensor, withBufferPool, type RtNumeric, type RtValue,
} from './value.js';

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

/** Names visible while a block runs: its own values, then the enclosing block's. */
class Scope {
  private readonly values = new Map<string, RtValue>();
  /** Names of values made by const and constexpr ops, shared by nested scopes. */
  readonly constants: Set<string>;
  readonly buffers: BufferTracker;
  constructor(private readonly parent?: Scope, pool?: BufferPool) {
    this.constants = parent?.constants ?? new Set();
    this.buffers = parent?.buffers ?? new BufferTracker(pool);
  }

  get(name: string): RtValue | undefined {
    return this.values.get(name) ?? this.parent?.get(name);
  }
  set(name: string, value: RtValue): void {
    this.values.set(name, value);
  }
  release(name: string): void {
    const v = this.values.get(name);
    this.values.delete(name);
    if (v) this.buffers.drop(v.data);
  }
}

/**
 * Counts the live names of each float buffer a kernel made during this run,
 * and returns a buffer to the pool when its last name is released. Buffers
 * the run did not make (inputs, constants, cached results) are never
 * counted, so they are never recycled.
 */
class BufferTracker {
  private readonly live = new Map<RtValue['data'], number>();
  constructor(readonly pool = new BufferPool()) {}

  /** Records an op result: a fresh buffer starts at one name, a view of a counted one adds a name. */
  adopt(data: RtValue['data'], fresh: boolean): void {
    const count = this.live.get(data);
    if (count !== undefined) this.live.set(data, count + 1);
    else if (fresh && data instanceof Float32Array && data.length >= POOLED_MIN_LENGTH) this.live.set(data, 1);
  }

  /** True when `data` was made by this run and only one name holds it. */
  soleOwner(data: RtValue['data']): boolean {
    return this.live.get(data) === 1;
  }

  drop(data: RtValue['data']): void {
    const count = this.live.get(data);
    if (count === undefined) return;
    if (count > 1) {
      this.live.set(data, count - 1);
      return;
    }
    this.live.delete(data);
    this.pool.give(data as Float32Array);
  }
}

/** For each op index, the block-local names whose last reader is that op (so they can be dropped). */
const releasePlans = new WeakMap<MilBlock, string[][]>();

function namesReadBy(op: MilOperation, into: Set<string>): void {
  for (const bindings of Object.values(op.inputs)) {
    for (const b of bindings) if (b.kind === 'name') into.add(b.name);
  }
  for (const inner of op.blocks) {
    for (const innerOp of inner.operations) namesReadBy(innerOp, into);
    for (const out of inner.outputs) into.add(out);
  }
}

function releasePlan(block: MilBlock): string[][] {
  const cached = releasePlans.get(block);
  if (cached) return cached;
  const lastReader = new Map<string, number>();
  block.operations.forEach((op, i) => {
    const read = new Set<string>();
    namesReadBy(op, read);
    for (const name of read) lastReader.set(name, i);
  });
  const kept = new Set(block.outputs);
  const plan = block.operations.map((): string[] => []);
  // Block inputs belong to the caller (loop-carried values are read again by the next block run).
  const local = new Set<string>();
  for (const op of block.operations) for (const out of op.outputs) local.add(out.name);
  for (const [name, i] of lastReader) if (local.has(name) && !kept.has(name)) plan[i]!.push(name);
  // Values nobody reads are dropped right after they are made.
  block.operations.forEach((op, i) => {
    for (const out of op.outputs) if (!lastReader.has(out.name) && !kept.has(out.name)) plan[i]!.push(out.name);
  });
  releasePlans.set(block, plan);
  return plan;
}

/** Inline constants converted once per tensor object. */
const inlineValues = new WeakMap<Tensor, RtValue>();
function inlineValue(t: Tensor): RtValue {
  let v = inlineValues.get(t);
  if (!v) {
    v = fromTensor(t);
    inlineValues.set(t, v);
  }
  return v;
}

/** Results of const and constexpr ops: they depend on nothing but the program, so compute them once. */
const constantResults = new WeakMap<MilOperation, RtValue[]>();
function isConstantOp(op: MilOperation): boolean {
  return op.type === 'const' || op.type.startsWith('constexpr_');
}

/** Parameters bound only to inline values or to outputs of const/constexpr ops. */
function constantParams(op: MilOperation, scope: Scope): Set<string> {
  const out = new Set(Object.keys(op.attributes));
  for (const [param, bindings] of Object.entries(op.inputs)) {
    if (bindings.every((b) => b.kind === 'value' || scope.constants.has(b.name))) out.add(param);
  }
  return out;
}

/**
 * A constant's value for one run only: what the run derives from it and keys
 * by its array (packed weight panels, see gemm.ts) goes with the run's view,
 * where the program's own array would keep it as long as the program.
 */
function valueForThisRun(t: Tensor): RtValue {
  const v = fromTensor(t);
  if (v.data !== t.data || Array.isArray(v.data)) return v;
  const data = v.data as RtNumeric;
  const Ctor = data.constructor as new (buffer: ArrayBufferLike, byteOffset: number, length: number) => RtNumeric;
  return { ...v, data: new Ctor(data.buffer, data.byteOffset, data.length) };
}

function resolveParams(op: MilOperation, scope: Scope, keepInline = true): Map<string, RtValue[]> {
  const inline = keepInline ? inlineValue : valueForThisRun;
  const params = new Map<string, RtValue[]>();
  for (const [param, bindings] of Object.entries(op.inputs)) {
    params.set(
      param,
      bindings.map((b) => {
        if (b.kind === 'value') return inline(b.value);
        const v = scope.get(b.name);
        if (!v) throw new ToolError('RUNTIME', `${op.type} '${op.name}': parameter '${param}' reads '${b.name}', which is not defined before it`);
        return v;
      }),
    );
  }
  // iOS16/17 constexpr ops (and const's `val`) carry their parameters as attributes.
  for (const [attr, tensor] of Object.entries(op.attributes)) {
    if (!params.has(attr)) params.set(attr, [inline(tensor)]);
  }
  return params;
}

/** Gives a kernel result its declared dtype; fp16 results are rounded to half precision here. */
function settleOutput(op: MilOperation, declared: MilTensorType, value: RtValue, params: Map<string, RtValue[]>, halves = false): RtValue {
  if (declared.collection?.kind === 'list' && declared.collection.elementShape) return settleList(op, declared, value);
  if (isListValue(value)) throw new ToolError('RUNTIME', `${op.type} '${op.name}' produced a list, but the program declares a tensor`);
  const dtype = computeDType(declared.dtype);
  let data = value.data;
  if (dtype !== value.dtype && dtype !== 'string' && value.dtype !== 'string') {
    const src = data as RtNumeric;
    const target = allocFor(dtype, 0);
    if (target.constructor !== src.constructor) {
      const converted = allocFor(dtype, src.length);
      converted.set(src);
      data = converted;
    } else if (dtype === 'float16' && sharesInput(src, params)) {
      // Never round a buffer another value still owns.
      data = Float32Array.from(src as Float32Array);
    }
  }
  const settled: RtValue = { dtype, shape: value.shape, data };
  // Halves already (see halves.ts): rounding them again cannot change one.
  if (!halves) settleFloat16(settled);
  return checkShape(op, declared, settled);
}

/** A list result must be a list of the declared element dtype; its length and element shape are checked as it is written. */
function settleList(op: MilOperation, declared: MilTensorType, value: RtValue): RtValue {
  if (!isListValue(value)) throw new ToolError('RUNTIME', `${op.type} '${op.name}' produced a tensor, but the program declares a list`);
  if (value.dtype !== computeDType(declared.dtype)) {
    throw new ToolError('RUNTIME', `${op.type} '${op.name}' produced a list of ${value.dtype}, but the program declares a list of ${declared.dtype}`);
  }
  return value;
}

function sharesInput(data: RtValue['data'], params: Map<string, RtValue[]>): boolean {
  for (const vs of params.values()) for (const v of vs) if (v.data === data) return true;
  return false;
}

/**
 * Checks a result against its declared type and returns it with the declared
 * shape. A one-element result may differ in rank from a one-element
 * declaration (scalar vs [1]): shape-generic kernels cannot always tell.
 */
function checkShape(op: MilOperation, declared: MilTensorType, v: RtValue): RtValue {
  if (declared.anyRank) return v;
  const ok = declared.shape.length === v.shape.length && declared.shape.every((d, i) => d === null || d === v.shape[i]);
  if (ok) return v;
  if (v.data.length === 1 && declared.shape.every((d) => d === 1 || d === null)) {
    return { dtype: v.dtype, shape: declared.shape.map(() => 1), data: v.data };
  }
  throw new ToolError('RUNTIME', `${op.type} '${op.name}' produced shape ${formatShape(v.shape)}, but the program declares ${formatShape(declared.shape)}`);
}

/** Runs a kernel; failures that are not already typed are reported against the op that caused them. */
function runKernel(kernel: Kernel, ctx: OpContext): RtValue[] {
  try {
    return kernel(ctx);
  } catch (err) {
    if (err instanceof ToolError) throw err;
    throw new ToolError('RUNTIME', `${ctx.label} failed: ${errorMessage(err)}`, { cause: err });
  }
}

/**
 * `heartbeat` is called after every op, nested blocks included, so a caller's
 * deadline check also fires inside a long while_loop body.
 */
function runOperation(op: MilOperation, scope: Scope, opset: MilOpset, heartbeat?: () => void, keepConstants = true): void {
  const kernel = KERNELS[op.type];
  if (!kernel) throw new ToolError('RUNTIME', `no interpreter kernel for op type '${op.type}' (op '${op.name}')`);
  const constant = isConstantOp(op);
  let results = constant ? constantResults.get(op) : undefined;
  const keep = !constant || keepConstants;
  const params = resolveParams(op, scope, keep);
  if (!results) {
    const runBlock = (index: number, blockInputs: RtValue[]): RtValue[] => runNestedBlock(op, index, blockInputs, scope, opset, heartbeat);
    const ctx = new OpContext(op, opset, params, constantParams(op, scope), runBlock);
    results = runKernel(kernel, ctx);
    if (results.length !== op.outputs.length) {
      throw new ToolError('RUNTIME', `${op.type} '${op.name}' produced ${results.length} outputs, the program declares ${op.outputs.length}`);
    }
    const halves = resultsAreHalves(op, params);
    results = results.map((r, i) => settleOutput(op, op.outputs[i]!.type, r, params, halves));
    if (constant && keep) constantResults.set(op, results);
    // Run once: a weight read from disk on demand is let go of here, its value living on only in this run's scope.
    if (constant && !keep) releaseOperands(op);
  }
  op.outputs.forEach((out, i) => scope.set(out.name, results[i]!));
  if (constant) {
    for (const out of op.outputs) scope.constants.add(out.name);
  } else {
    for (const r of results) scope.buffers.adopt(r.data, !sharesInput(r.data, params));
  }
}

/** Releases the on-demand data of the constants an op carries (see tensor/on-demand.ts). */
function releaseOperands(op: MilOperation): void {
  for (const tensor of Object.values(op.attributes)) releaseOnDemand(tensor);
  for (const bindings of Object.values(op.inputs)) for (const b of bindings) if (b.kind === 'value') releaseOnDemand(b.value);
}

/**
 * Runs batch_norm `norm` (and the chain's relu) in place on its x, a conv
 * result, and returns true; returns false (doing nothing) when x is not a
 * float32 buffer this run owns alone, so the ops then run one by one.
 */
function runChainInPlace(norm: MilOperation, relu: MilOperation | undefined, scope: Scope, opset: MilOpset): boolean {
  const xBinding = norm.inputs['x']![0]!;
  const x = xBinding.kind === 'name' ? scope.get(xBinding.name) : undefined;
  if (!x || x.dtype !== 'float32' || !(x.data instanceof Float32Array) || !scope.buffers.soleOwner(x.data)) return false;
  const data = x.data;
  const params = resolveParams(norm, scope);
  const noBlocks = (): RtValue[] => [];
  const ctx = new OpContext(norm, opset, params, constantParams(norm, scope), noBlocks);
  runKernel(() => {
    batchNormInto(ctx, { dtype: 'float32', shape: x.shape, data }, data, relu !== undefined);
    return [];
  }, ctx);
  for (const op of relu ? [norm, relu] : [norm]) {
    scope.set(op.outputs[0]!.name, settleOutput(op, op.outputs[0]!.type, { dtype: 'float32', shape: x.shape, data }, params));
    scope.buffers.adopt(data, false);
  }
  return true;
}

/**
 * Stores a fused run's fresh result as `op`'s output, settled to its declared
 * type and counted as a buffer of its own, as runOperation stores an op's.
 */
function storeFusedResult(scope: Scope, op: MilOperation, out: RtValue, params: Map<string, RtValue[]> = new Map()): void {
  const settled = settleOutput(op, op.outputs[0]!.type, out, params);
  scope.set(op.outputs[0]!.name, settled);
  scope.buffers.adopt(settled.data, true);
}

/** A float32 value holding one element, as the chain's constants must be, or undefined. */
function scalarOf(scope: Scope, name: string, rank: number): number | undefined {
  const v = scope.get(name);
  return v && v.dtype === 'float32' && v.data instanceof Float32Array && v.data.length === 1 && v.shape.length <= rank ? v.data[0] : undefined;
}

/** Runs the const ops at `indices` now, ahead of their places, where they are skipped. */
function runConstantsEarly(indices: readonly number[], block: MilBlock, scope: Scope, opset: MilOpset, doneEarly: Set<number>, keepConstants: boolean): void {
  for (const c of indices) {
    if (doneEarly.has(c)) continue;
    runOperation(block.operations[c]!, scope, opset, undefined, keepConstants);
    doneEarly.add(c);
  }
}

/**
 * Runs an erf GELU chain starting at real_div `div` as one loop and returns
 * true; returns false (doing nothing but the early constants) when its x or
 * constants are not float32 of the shapes the chain assumes, so the ops then
 * run one by one.
 */
function runErfGelu(chain: ErfGeluChain, block: MilBlock, scope: Scope, opset: MilOpset, doneEarly: Set<number>, keepConstants: boolean): boolean {
  runConstantsEarly(chain.constants, block, scope, opset, doneEarly, keepConstants);
  const x = scope.get(chain.x);
  if (!x || x.dtype !== 'float32' || !(x.data instanceof Float32Array)) return false;
  const rank = x.shape.length;
  const c1 = scalarOf(scope, chain.divisor, rank);
  const c2 = scalarOf(scope, chain.addend, rank);
  const c3 = scalarOf(scope, chain.factor, rank);
  if (c1 === undefined || c2 === undefined || c3 === undefined) return false;
  const last = block.operations[chain.rest[chain.rest.length - 1]!]!;
  const out = makeFloatToOverwrite('float32', x.shape);
  erfGeluInto(x.data, c1, c2, c3, out.data);
  // A fresh float32 result shares no input, so settling needs no parameters.
  storeFusedResult(scope, last, out);
  for (const i of chain.rest) doneEarly.add(i);
  return true;
}

/**
 * Runs `add` and the `relu` reading it as one loop and returns true; returns
 * false (doing nothing) unless both operands are float32 of the same shape,
 * so the ops then run one by one.
 */
function runAddRelu(add: MilOperation, relu: MilOperation, scope: Scope): boolean {
  const operand = (param: string): RtValue | undefined => {
    const b = add.inputs[param]?.[0];
    return b?.kind === 'name' ? scope.get(b.name) : undefined;
  };
  const x = operand('x');
  const y = operand('y');
  if (!x || !y || x.dtype !== 'float32' || y.dtype !== 'float32' || !(x.data instanceof Float32Array) || !(y.data instanceof Float32Array)) return false;
  if (x.shape.length !== y.shape.length || x.shape.some((d, i) => d !== y.shape[i])) return false;
  const out = makeFloatToOverwrite('float32', x.shape);
  addReluInto(x.data, y.data, out.data);
  // A fresh float32 result shares no input, so settling needs no parameters.
  storeFusedResult(scope, relu, out);
  return true;
}

/**
 * Runs `linear` with the pair's constant added as its product is stored and
 * returns true; returns false (having run only the constant early) unless the
 * constant is float32 holding one value per output feature along the last
 * axis, so the ops then run one by one.
 */
function runLinearAdd(
  linear: MilOperation, pair: LinearAdd, block: MilBlock, scope: Scope, opset: MilOpset, doneEarly: Set<number>, keepConstants: boolean,
): boolean {
  if (pair.constantAt !== undefined) runConstantsEarly([pair.constantAt], block, scope, opset, doneEarly, keepConstants);
  const addend = scope.get(pair.addend);
  const outShape = linear.outputs[0]!.type.shape;
  if (!addend || addend.dtype !== 'float32' || !(addend.data instanceof Float32Array)) return false;
  const features = addend.shape[addend.shape.length - 1];
  // The add must not broadcast the result any wider: all but its last dim are 1, and no more dims than the result.
  if (addend.shape.length > outShape.length || addend.shape.slice(0, -1).some((d) => d !== 1) || features !== outShape[outShape.length - 1]) return false;
  const params = resolveParams(linear, scope);
  const ctx = new OpContext(linear, opset, params, constantParams(linear, scope), () => []);
  const out = runKernel(() => [linearThenAdd(ctx, addend.data as Float32Array)], ctx)[0]!;
  const add = block.operations[pair.addAt]!;
  storeFusedResult(scope, add, out, params);
  doneEarly.add(pair.addAt);
  return true;
}

/**
 * Runs conv with the chain's batch_norm (and relu) applied as each channel is
 * stored and returns true; returns false (having run only the constants
 * early) when the conv's x is not float32, so the ops then run as before.
 */
function runConvNorm(
  conv: MilOperation, chain: ConvNormChain, block: MilBlock, scope: Scope, opset: MilOpset, doneEarly: Set<number>, keepConstants: boolean,
): boolean {
  runConstantsEarly(chain.constants, block, scope, opset, doneEarly, keepConstants);
  const convParams = resolveParams(conv, scope);
  const x = convParams.get('x')?.[0];
  const w = convParams.get('weight')?.[0];
  if (!x || !w || x.dtype !== 'float32' || !(x.data instanceof Float32Array)) return false;
  const norm = block.operations[chain.normAt]!;
  // The batch_norm's x is the conv's result, which never exists on its own here.
  const normOp: MilOperation = { ...norm, inputs: Object.fromEntries(Object.entries(norm.inputs).filter(([param]) => param !== 'x')) };
  const normCtx = new OpContext(normOp, opset, resolveParams(normOp, scope), constantParams(normOp, scope), () => []);
  const affine = batchNormAffine(normCtx, w.shape[0] ?? 1, chain.reluAt !== undefined);
  const convCtx = new OpContext(conv, opset, convParams, constantParams(conv, scope), () => []);
  const out = runKernel(() => [convThenNorm(convCtx, affine)], convCtx)[0]!;
  const last = block.operations[chain.reluAt ?? chain.normAt]!;
  // A fresh float32 result shares no input, so settling needs no parameters.
  storeFusedResult(scope, last, out);
  doneEarly.add(chain.normAt);
  if (chain.reluAt !== undefined) doneEarly.add(chain.reluAt);
  return true;
}

/** The fusion plans of a block (see fusion.ts). */
interface Fusions {
  readonly convNorm: ReturnType<typeof convNormChains>;
  readonly normRelu: ReturnType<typeof normReluChains>;
  readonly erfGelu: ReturnType<typeof erfGeluChains>;
  readonly addRelu: ReturnType<typeof addReluPairs>;
  readonly linearAdd: ReturnType<typeof linearAddPairs>;
}

function fusionsOf(block: MilBlock): Fusions {
  return { convNorm: convNormChains(block), normRelu: normReluChains(block), erfGelu: erfGeluChains(block), addRelu: addReluPairs(block), linearAdd: linearAddPairs(block) };
}

/**
 * Runs op `i` fused with the ops after it when a plan starts there and its
 * run-time checks pass, marking the ops it covered in `doneEarly`; false when
 * the op must run on its own.
 */
function runFused(i: number, block: MilBlock, fusions: Fusions, scope: Scope, opset: MilOpset, doneEarly: Set<number>, keepConstants: boolean): boolean {
  const op = block.operations[i]!;
  const convNorm = fusions.convNorm.get(i);
  if (convNorm) return runConvNorm(op, convNorm, block, scope, opset, doneEarly, keepConstants);
  const chain = fusions.normRelu.get(i);
  if (chain) {
    const relu = chain.reluAt === undefined ? undefined : block.operations[chain.reluAt];
    if (!runChainInPlace(op, relu, scope, opset)) return false;
    if (relu) doneEarly.add(chain.reluAt!);
    return true;
  }
  const gelu = fusions.erfGelu.get(i);
  if (gelu) return runErfGelu(gelu, block, scope, opset, doneEarly, keepConstants);
  const reluAt = fusions.addRelu.get(i);
  if (reluAt !== undefined) {
    if (!runAddRelu(op, block.operations[reluAt]!, scope)) return false;
    doneEarly.add(reluAt);
    return true;
  }
  const linearAdd = fusions.linearAdd.get(i);
  return linearAdd !== undefined && runLinearAdd(op, linearAdd, block, scope, opset, doneEarly, keepConstants);
}

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
    if (!doneEarly.has(i) && !(fusions && runFused(i, block, fusions, scope, opset, doneEarly, keepConstants))) runOperation(op, scope, opset, beat, keepConstants);
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
