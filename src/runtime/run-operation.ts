import type { MilOperation, MilOpset, MilTensorType } from '../mil/ir.js';
import { releaseOnDemand } from '../tensor/on-demand.js';
import { formatShape, type Tensor } from '../tensor/tensor.js';
import { errorMessage, ToolError } from '../errors.js';
import { OpContext, type Kernel } from './kernel.js';
import { KERNELS } from './kernels/index.js';
import { resultsAreHalves } from './halves.js';
import type { Scope } from './scope.js';
import { allocFor, computeDType, fromTensor, isListValue, settleFloat16, type RtNumeric, type RtValue } from './value.js';

/**
 * Running one operation: its parameters resolved from the scope (constants
 * converted once, or per run when the program runs once), its kernel run, and
 * its results settled to their declared types (fp16 rounded) and stored.
 */

/** Runs an op's nested block `index` on `blockInputs` in a scope inside `outer` (control flow). */
export type NestedBlockRunner = (op: MilOperation, index: number, blockInputs: RtValue[], outer: Scope, opset: MilOpset, heartbeat?: () => void) => RtValue[];

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
export function constantParams(op: MilOperation, scope: Scope): Set<string> {
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

export function resolveParams(op: MilOperation, scope: Scope, keepInline = true): Map<string, RtValue[]> {
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
export function settleOutput(op: MilOperation, declared: MilTensorType, value: RtValue, params: Map<string, RtValue[]>, halves = false): RtValue {
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
export function runKernel(kernel: Kernel, ctx: OpContext): RtValue[] {
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
export function runOperation(op: MilOperation, scope: Scope, opset: MilOpset, nested: NestedBlockRunner, heartbeat?: () => void, keepConstants = true): void {
  const kernel = KERNELS[op.type];
  if (!kernel) throw new ToolError('RUNTIME', `no interpreter kernel for op type '${op.type}' (op '${op.name}')`);
  const constant = isConstantOp(op);
  let results = constant ? constantResults.get(op) : undefined;
  const keep = !constant || keepConstants;
  const params = resolveParams(op, scope, keep);
  if (!results) {
    const runBlock = (index: number, blockInputs: RtValue[]): RtValue[] => nested(op, index, blockInputs, scope, opset, heartbeat);
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
