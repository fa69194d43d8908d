import { ModelInputError } from '../../errors.js';
import type { DType } from '../../tensor/dtype.js';
import { makeTensor, toNumberList, type Tensor } from '../../tensor/tensor.js';
import { attr, attrInt, attrInts, type OnnxDim, type OnnxNode } from '../ir.js';

/**
 * ONNX operator parameter semantics shared by shape inference, constant
 * folding and the converters: where each op keeps its axes (attribute or
 * input, depending on the opset), how negative axes, Slice bounds and Reshape's
 * 0 and -1 resolve. One definition, so the three never disagree.
 */

/** Constant value of input i of the node being looked at, when known. */
export type ConstantLookup = (i: number) => Tensor | undefined;

/** A parameter that is given but not a compile-time constant. */
export const DYNAMIC = Symbol('dynamic');
export type Dynamic = typeof DYNAMIC;

export function isDynamic<T>(v: T | Dynamic): v is Dynamic {
  return v === DYNAMIC;
}

export function malformed(node: OnnxNode, problem: string): ModelInputError {
  return new ModelInputError('MALFORMED', `node "${node.name}" (${node.opType}): ${problem}`);
}

/** Maps a possibly negative axis into [0, rank). */
export function normalizeAxis(node: OnnxNode, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank || !Number.isInteger(a)) throw malformed(node, `axis ${axis} is out of range for rank ${rank}`);
  return a;
}

export function normalizeAxes(node: OnnxNode, axes: readonly number[], rank: number): number[] {
  const out = axes.map((a) => normalizeAxis(node, a, rank));
  if (new Set(out).size !== out.length) throw malformed(node, `axes [${axes.join(', ')}] repeat an axis`);
  return out;
}

/**
 * Reads an int list that moved from an attribute to input `inputIndex` at
 * opset `inputSince`. undefined: not given; DYNAMIC: given as a computed value.
 */
export function intsParam(
  node: OnnxNode,
  opset: number,
  constant: ConstantLookup,
  attrName: string,
  inputIndex: number,
  inputSince: number,
): number[] | undefined | Dynamic {
  if (opset < inputSince) return attrInts(node, attrName);
  const name = node.inputs[inputIndex];
  if (name === undefined || name === '') return undefined;
  const t = constant(inputIndex);
  return t === undefined ? DYNAMIC : toNumberList(t);
}

/** ReduceSum took axes as an input from opset 13; the other reductions from 18. */
export function reduceAxesInputSince(opType: string): number {
  return opType === 'ReduceSum' ? 13 : 18;
}

export interface ReduceParams {
  /** Axes to reduce, normalized; undefined = all axes. Empty = no reduction (noop). */
  axes: number[] | undefined;
  keepdims: boolean;
}

export function reduceParams(node: OnnxNode, opset: number, constant: ConstantLookup, rank: number): ReduceParams | Dynamic {
  const axes = intsParam(node, opset, constant, 'axes', 1, reduceAxesInputSince(node.opType));
  if (isDynamic(axes)) return DYNAMIC;
  const keepdims = attrInt(node, 'keepdims', 1) !== 0;
  if (axes === undefined || axes.length === 0) {
    const noop = attrInt(node, 'noop_with_empty_axes', 0) !== 0;
    return { axes: noop ? [] : undefined, keepdims };
  }
  return { axes: normalizeAxes(node, axes, rank), keepdims };
}

/** Output shape of a reduction. */
export function reducedShape(shape: readonly OnnxDim[], p: ReduceParams): OnnxDim[] {
  const reduced = new Set(p.axes ?? shape.map((_, i) => i));
  if (p.axes !== undefined && p.axes.length === 0) return [...shape];
  return p.keepdims ? shape.map((d, i) => (reduced.has(i) ? 1 : d)) : shape.filter((_, i) => !reduced.has(i));
}

export interface SliceParams {
  starts: number[];
  ends: number[];
  axes: number[];
  steps: number[];
}

/** Slice bounds: attributes before opset 10, inputs 1..4 after. Axes are normalized. */
export function sliceParams(node: OnnxNode, opset: number, constant: ConstantLookup, rank: number): SliceParams | Dynamic {
  const read = (attrName: string, index: number): number[] | undefined | Dynamic =>
    intsParam(node, opset, constant, attrName, index, 10);
  const starts = read('starts', 1);
  const ends = read('ends', 2);
  const axes = read('axes', 3);
  const steps = opset < 10 ? undefined : read('steps', 4);
  if (isDynamic(starts) || isDynamic(ends) || isDynamic(axes) || isDynamic(steps)) return DYNAMIC;
  if (!starts || !ends || starts.length !== ends.length) throw malformed(node, 'starts and ends must be given with the same length');
  const resolvedAxes = normalizeAxes(node, axes ?? starts.map((_, i) => i), rank);
  const resolvedSteps = steps ?? starts.map(() => 1);
  if (resolvedAxes.length !== starts.length || resolvedSteps.length !== starts.length) {
    throw malformed(node, 'starts, ends, axes and steps must have the same length');
  }
  if (resolvedSteps.some((s) => s === 0)) throw malformed(node, 'a slice step is 0');
  return { starts, ends, axes: resolvedAxes, steps: resolvedSteps };
}

export interface SliceRange {
  start: number;
  end: number;
  step: number;
  count: number;
}

/** Clamps one ONNX slice (start, end, step) against a dimension, as the ONNX spec does. */
export function resolveSliceRange(dim: number, start: number, end: number, step: number): SliceRange {
  const wrap = (v: number): number => (v < 0 ? v + dim : v);
  let s: number;
  let e: number;
  if (step > 0) {
    s = Math.min(Math.max(wrap(start), 0), dim);
    e = Math.min(Math.max(wrap(end), 0), dim);
  } else {
    s = Math.min(Math.max(wrap(start), 0), dim - 1);
    e = Math.min(Math.max(wrap(end), -1), dim - 1);
  }
  const count = Math.max(0, Math.ceil((e - s) / step));
  return { start: s, end: e, step, count };
}

/**
 * Resolves a Reshape target against the input shape: 0 copies the input dim
 * (unless allowzero), -1 is inferred when every other dim is known.
 */
export function resolveReshape(node: OnnxNode, input: readonly OnnxDim[], target: readonly number[], allowzero: boolean): OnnxDim[] {
  if (target.filter((d) => d === -1).length > 1) throw malformed(node, 'the target shape has more than one -1');
  const out: OnnxDim[] = target.map((d, i) => {
    if (d === 0 && !allowzero) {
      if (i >= input.length) throw malformed(node, `target dim ${i} is 0 but the input has rank ${input.length}`);
      return input[i]!;
    }
    if (d < -1) throw malformed(node, `target dim ${d} is invalid`);
    return d;
  });
  const inferAt = out.indexOf(-1);
  if (inferAt < 0) return out;
  const { total, known } = cancelSymbolicDims(input, out.filter((_, i) => i !== inferAt));
  if (total === undefined || known === undefined) {
    out[inferAt] = null;
  } else {
    if (known === 0 || total % known !== 0) throw malformed(node, `cannot reshape ${total} elements into [${target.join(', ')}]`);
    out[inferAt] = total / known;
  }
  return out;
}

/**
 * Static products of two dim lists after cancelling the symbolic dims they
 * share (a batch dim copied by 0 appears on both sides of a Reshape).
 */
function cancelSymbolicDims(input: readonly OnnxDim[], output: readonly OnnxDim[]): { total?: number; known?: number } {
  const pending = output.filter((d): d is string => typeof d === 'string');
  const rest = input.filter((d) => {
    const k = typeof d === 'string' ? pending.indexOf(d) : -1;
    if (k >= 0) pending.splice(k, 1);
    return k < 0;
  });
  if (pending.length > 0) return {};
  const result: { total?: number; known?: number } = {};
  const total = staticProduct(rest);
  const known = staticProduct(output.filter((d) => typeof d !== 'string'));
  if (total !== undefined) result.total = total;
  if (known !== undefined) result.known = known;
  return result;
}

/** Product of the dims when all are static. */
export function staticProduct(shape: readonly OnnxDim[]): number | undefined {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number') return undefined;
    n *= d;
  }
  return n;
}

export function isStaticShape(shape: readonly OnnxDim[] | undefined): shape is number[] {
  return shape !== undefined && shape.every((d) => typeof d === 'number');
}

/**
 * Split sizes: 'split' attribute before opset 13, input 1 from 13, or
 * 'num_outputs' (opset 18) / equal parts over the outputs.
 */
export function splitSizes(node: OnnxNode, opset: number, constant: ConstantLookup, dim: number | undefined): number[] | Dynamic | undefined {
  const explicit = intsParam(node, opset, constant, 'split', 1, 13);
  if (isDynamic(explicit)) return DYNAMIC;
  if (explicit !== undefined) {
    if (dim !== undefined && explicit.reduce((a, b) => a + b, 0) !== dim) {
      throw malformed(node, `split sizes [${explicit.join(', ')}] do not add up to ${dim}`);
    }
    return explicit;
  }
  if (dim === undefined) return undefined;
  const parts = attrInt(node, 'num_outputs') ?? node.outputs.length;
  // ONNX 18: when not evenly divisible, every chunk but the last has ceil(dim / parts).
  const chunk = Math.ceil(dim / parts);
  return Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(chunk, dim - i * chunk)));
}

/** ONNX TensorProto.DataType codes this project can hold. */
const ONNX_DTYPE_CODES: Readonly<Record<number, DType>> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string',
  9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 16: 'bfloat16', 22: 'int4', 21: 'uint4',
};

export function dtypeFromOnnxCode(code: number): DType | undefined {
  return ONNX_DTYPE_CODES[code];
}

/** The target dtype of a Cast node. */
export function castTarget(node: OnnxNode): DType {
  const code = attrInt(node, 'to');
  const dtype = code === undefined ? undefined : dtypeFromOnnxCode(code);
  if (!dtype) throw malformed(node, `cast target type ${code ?? '(missing)'} is not supported`);
  return dtype;
}

type ConstantAttrReader = (node: OnnxNode) => Tensor | undefined;

/** Every way a Constant node can carry its value (value, value_float, value_ints, ...). */
const CONSTANT_ATTRIBUTES: Readonly<Record<string, ConstantAttrReader>> = {
  value: (n) => (attr(n, 'value')?.type === 'tensor' ? (attr(n, 'value')!.value as Tensor) : undefined),
  value_float: (n) => scalarAttr(n, 'value_float', (v) => makeTensor('float32', [], new Float32Array([v]))),
  value_int: (n) => scalarAttr(n, 'value_int', (v) => makeTensor('int64', [], new BigInt64Array([BigInt(v)]))),
  value_floats: (n) => listAttr(n, 'value_floats', (vs) => makeTensor('float32', [vs.length], Float32Array.from(vs))),
  value_ints: (n) => listAttr(n, 'value_ints', (vs) => makeTensor('int64', [vs.length], BigInt64Array.from(vs.map(BigInt)))),
  value_string: (n) => (attr(n, 'value_string')?.type === 'string' ? makeTensor('string', [], [attr(n, 'value_string')!.value as string]) : undefined),
  value_strings: (n) => (attr(n, 'value_strings')?.type === 'strings' ? makeTensor('string', [(attr(n, 'value_strings')!.value as string[]).length], [...(attr(n, 'value_strings')!.value as string[])]) : undefined),
};

function scalarAttr(n: OnnxNode, name: string, make: (v: number) => Tensor): Tensor | undefined {
  const a = attr(n, name);
  return a?.type === 'float' || a?.type === 'int' ? make(a.value) : undefined;
}

function listAttr(n: OnnxNode, name: string, make: (v: number[]) => Tensor): Tensor | undefined {
  const a = attr(n, name);
  return a?.type === 'floats' || a?.type === 'ints' ? make(a.value) : undefined;
}

/** The value of a Constant node. sparse_value is not supported. */
export function constantNodeValue(node: OnnxNode): Tensor {
  for (const read of Object.values(CONSTANT_ATTRIBUTES)) {
    const t = read(node);
    if (t) return t;
  }
  throw malformed(node, 'Constant has no supported value attribute (sparse_value is not supported)');
}

/**
 * Why a Dropout node is not the identity, or undefined when it is: in
 * inference mode (training_mode omitted or a constant false) and with ratio 0
 * in any mode (scale 1 / (1 − 0) and an all-true mask). A non-zero or
 * run-time ratio in training mode, or a run-time mode, draws random numbers.
 */
export function dropoutRandomness(node: OnnxNode, constant: ConstantLookup): string | undefined {
  if (!node.inputs[2]) return undefined;
  const training = constant(2);
  if (training && !training.data[0]) return undefined;
  const ratio = node.inputs[1] ? constant(1) : undefined;
  const ratioValue = node.inputs[1] ? (ratio ? Number((ratio.data as ArrayLike<number | bigint>)[0]) : undefined) : 0.5;
  if (ratioValue === 0) return undefined;
  const mode = training ? 'training_mode is true' : 'training_mode is computed at run time';
  return ratioValue === undefined ? `${mode} and the ratio is not a constant 0 (random)` : `${mode} with ratio ${ratioValue} (random)`;
}
