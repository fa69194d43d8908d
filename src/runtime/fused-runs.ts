import type { MilBlock, MilOperation, MilOpset } from '../mil/ir.js';
import { ToolError } from '../errors.js';
import { OpContext } from './kernel.js';
import { addReluInto, erfGeluInto } from './kernels/elementwise.js';
import { linearThenAdd } from './kernels/linear.js';
import { batchNormAffine, batchNormInto } from './kernels/norm.js';
import { convThenNorm } from './kernels/conv.js';
import { addReluPairs, convNormChains, erfGeluChains, linearAddPairs, normReluChains, type ConvNormChain, type ErfGeluChain, type LinearAdd } from './fusion.js';
import { constantParams, resolveParams, runKernel, runOperation, settleOutput, type NestedBlockRunner } from './run-operation.js';
import type { Scope } from './scope.js';
import { makeFloatToOverwrite, type RtValue } from './value.js';

/**
 * Runs of several ops as one, planned by fusion.ts and each proven to give
 * the values the ops give one by one: conv → batch_norm → relu, batch_norm →
 * relu in place, the erf GELU chain, add → relu, linear → add.
 */

/** Const and constexpr ops, which fused runs start ahead of their places, have no nested blocks. */
const constantsRunNoBlocks: NestedBlockRunner = (op) => {
  throw new ToolError('RUNTIME', `${op.type} '${op.name}' has no nested blocks to run`);
};

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
    runOperation(block.operations[c]!, scope, opset, constantsRunNoBlocks, undefined, keepConstants);
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
export interface Fusions {
  readonly convNorm: ReturnType<typeof convNormChains>;
  readonly normRelu: ReturnType<typeof normReluChains>;
  readonly erfGelu: ReturnType<typeof erfGeluChains>;
  readonly addRelu: ReturnType<typeof addReluPairs>;
  readonly linearAdd: ReturnType<typeof linearAddPairs>;
}

export function fusionsOf(block: MilBlock): Fusions {
  return { convNorm: convNormChains(block), normRelu: normReluChains(block), erfGelu: erfGeluChains(block), addRelu: addReluPairs(block), linearAdd: linearAddPairs(block) };
}

/**
 * Runs op `i` fused with the ops after it when a plan starts there and its
 * run-time checks pass, marking the ops it covered in `doneEarly`; false when
 * the op must run on its own.
 */
export function runFused(i: number, block: MilBlock, fusions: Fusions, scope: Scope, opset: MilOpset, doneEarly: Set<number>, keepConstants: boolean): boolean {
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
