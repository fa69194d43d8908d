import { ToolError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { attr, defaultOpset, type OnnxDim, type OnnxGraph, type OnnxModel, type OnnxNode, type OnnxValueInfo } from '../ir.js';
import { foldFunctionFor, foldsFromShapeAlone, FoldSkip } from '../fold/index.js';
import { hasUnknownElements, partialShapeVector, takesPartial } from '../fold/partial.js';
import { shapeFunctionFor } from '../shapes/index.js';
import type { InferredType, ShapeFn } from '../shapes/types.js';
import { malformed } from '../shapes/params.js';
import { ShapeMismatch } from '../shapes/types.js';
import { badDimReason, BOOL_FIRST_INPUT_OPS, FLOAT_INPUT_OPS, NUMERIC_INPUT_OPS, SAME_TYPE_INPUT_OPS } from '../validate.js';
import { isFloatDType } from '../../tensor/dtype.js';
import { outerReads, topologicalOrder } from './topo.js';

export interface InferenceResult {
  /** The model with folded nodes removed, their outputs as initializers, and every known type in graph.valueInfo. */
  model: OnnxModel;
  /** Number of nodes replaced by constants. */
  foldedNodes: number;
}

/**
 * One topological sweep over the graph: a node whose inputs are all constants
 * (or, for Shape/Size, whose input shape is static) and that has a fold
 * evaluator becomes constants; otherwise its output types are inferred with
 * the op's shape function. The result is a new model; the input model is not changed.
 */
export function inferShapesAndFold(model: OnnxModel, options: InferenceOptions = {}): InferenceResult {
  const graph = model.graph;
  const declared = options.checkDeclared ? declaredTypes(model) : undefined;
  const opset = defaultOpset(model);
  const constants = new Map<string, Tensor>(graph.initializers);
  const types = new Map<string, OnnxValueInfo>(graph.valueInfo);
  for (const i of graph.inputs) types.set(i.name, { ...i });
  for (const [name, t] of graph.initializers) types.set(name, { name, dtype: t.dtype, shape: [...t.shape] });

  const kept: OnnxNode[] = [];
  const partials = new Map<string, Tensor>();
  let foldedNodes = 0;
  for (const node of topologicalOrder(graph, model.sourcePath)) {
    const folded = isDefaultDomain(node) ? tryFold(node, opset, constants, types, partials) : undefined;
    if (folded) {
      folded.forEach((t, k) => checkOutput(node, node.outputs[k], t.shape, declared));
      folded.forEach((t, k) => recordConstant(node.outputs[k], t, constants, types));
      foldedNodes++;
      continue;
    }
    kept.push(node);
    inferNode(node, opset, constants, types, declared);
  }

  const initializers = new Map(graph.initializers);
  for (const [name, t] of constants) initializers.set(name, t);
  const valueInfo = new Map(types);
  for (const i of graph.inputs) valueInfo.delete(i.name);
  const outputs = graph.outputs.map((o) => mergeInfo(o, types.get(o.name)));
  return { model: { ...model, graph: { ...graph, nodes: kept, initializers, valueInfo, outputs } }, foldedNodes };
}

function isDefaultDomain(node: OnnxNode): boolean {
  return node.domain === '' || node.domain === 'ai.onnx';
}

function recordConstant(name: string | undefined, t: Tensor, constants: Map<string, Tensor>, types: Map<string, OnnxValueInfo>): void {
  if (name === undefined || name === '') return;
  constants.set(name, t);
  types.set(name, { name, dtype: t.dtype, shape: [...t.shape] });
}

/**
 * Folds the node when possible; undefined when it must be converted. A shape
 * vector with unknown elements (fold/partial.ts) is kept in `partials` for the
 * nodes that pick elements out of it.
 */
function tryFold(node: OnnxNode, opset: number, constants: Map<string, Tensor>, types: Map<string, OnnxValueInfo>, partials: Map<string, Tensor>): Tensor[] | undefined {
  const fold = foldFunctionFor(node.opType);
  if (!fold) return undefined;
  const inputs = node.inputs.map((name, i) =>
    name === '' ? undefined : constants.get(name) ?? (takesPartial(node, i) ? partials.get(name) : undefined) ?? shapeOnlyPlaceholder(node, name, types),
  );
  if (node.inputs.some((name, i) => name !== '' && inputs[i] === undefined)) {
    const vector = partialShapeVector(node, types.get(node.inputs[0] ?? '')?.shape);
    if (vector && node.outputs[0]) partials.set(node.outputs[0], vector);
    return undefined;
  }
  try {
    const out = fold(node, inputs, opset);
    if (out.some(hasUnknownElements)) {
      out.forEach((t, k) => node.outputs[k] && partials.set(node.outputs[k], t));
      return undefined;
    }
    return out.length >= node.outputs.filter((o) => o !== '').length ? out : undefined;
  } catch (err) {
    if (err instanceof FoldSkip) return undefined;
    if (err instanceof ToolError) throw err;
    // Folding is an optimisation: an evaluator that cannot handle a case leaves the node to the converter.
    return undefined;
  }
}

/**
 * Shape and Size read only their input's shape: with a static inferred shape
 * they fold even though the input's values are unknown. The placeholder
 * tensor carries the shape and no data, which those evaluators never read.
 */
function shapeOnlyPlaceholder(node: OnnxNode, name: string, types: Map<string, OnnxValueInfo>): Tensor | undefined {
  if (!foldsFromShapeAlone(node.opType)) return undefined;
  const shape = types.get(name)?.shape;
  if (!shape || !shape.every((d): d is number => typeof d === 'number')) return undefined;
  return { dtype: types.get(name)?.dtype ?? 'float32', shape: [...shape], data: new Float32Array(0) } as Tensor;
}

function inferNode(
  node: OnnxNode,
  opset: number,
  constants: Map<string, Tensor>,
  types: Map<string, OnnxValueInfo>,
  declared: ReadonlyMap<string, OnnxValueInfo> | undefined,
): void {
  if (!isDefaultDomain(node)) return;
  const inputs = node.inputs.map((name) => (name === '' ? undefined : types.get(name)));
  checkInputTypes(node, inputs);
  const fn = node.opType === 'If' ? ifBranchesShape(constants, types, declared !== undefined) : shapeFunctionFor(node.opType);
  if (!fn) return;
  let inferred: InferredType[];
  try {
    inferred = fn({ node, opset, inputs, constant: (i) => (node.inputs[i] ? constants.get(node.inputs[i]!) : undefined) });
  } catch (err) {
    if (err instanceof ToolError) throw err;
    // The inputs' shapes cannot be combined: the model is inconsistent, and the node is named.
    if (err instanceof ShapeMismatch) throw malformed(node, err.message);
    // A shape function bug must not stop conversion; the converter still checks its own shapes.
    return;
  }
  node.outputs.forEach((name, k) => {
    if (name === '' || !inferred[k]) return;
    checkOutput(node, name, inferred[k].shape, declared);
    // Dims the op cannot compute (a size read at run time) take the ones the model declares,
    // graph outputs included, when the declarations describe these inputs (checkDeclared).
    types.set(name, mergeInfo({ name, ...inferred[k] }, types.get(name) ?? declared?.get(name)));
  });
}

/**
 * If's outputs are what its branches compute. Each branch is inferred as a
 * model of its own whose inputs are the values it reads from around it (with
 * the types and constants known here); an output's shape keeps the dims both
 * branches agree on, so a declared shape that contradicts them is refused like
 * any other node's.
 */
function ifBranchesShape(constants: ReadonlyMap<string, Tensor>, types: ReadonlyMap<string, OnnxValueInfo>, checkDeclared: boolean): ShapeFn {
  return ({ node, opset }) => {
    const branches = ['then_branch', 'else_branch'].map((name) => {
      const a = attr(node, name);
      return a?.type === 'graph' ? inferBranch(a.value, opset, constants, types, checkDeclared) : undefined;
    });
    const [then, otherwise] = branches;
    if (!then || !otherwise) return [];
    return node.outputs.map((_, k) => agreedType(then[k], otherwise[k]));
  };
}

function inferBranch(graph: OnnxGraph, opset: number, constants: ReadonlyMap<string, Tensor>, types: ReadonlyMap<string, OnnxValueInfo>, checkDeclared: boolean): InferredType[] {
  const initializers = new Map(graph.initializers);
  const inputs: OnnxValueInfo[] = [...graph.inputs];
  for (const name of outerReads(graph)) {
    const c = constants.get(name);
    if (c) initializers.set(name, c);
    else inputs.push({ ...types.get(name), name });
  }
  const branch: OnnxModel = {
    irVersion: 8, opsetImports: new Map([['', opset]]), producerName: '', producerVersion: '', metadata: new Map(), functions: [],
    graph: { ...graph, inputs, initializers },
  };
  const outputs = inferShapesAndFold(branch, { checkDeclared }).model.graph.outputs;
  return outputs.map((o) => ({ ...(o.dtype ? { dtype: o.dtype } : {}), ...(o.shape ? { shape: o.shape } : {}) }));
}

/** The type two branch outputs share: their common dtype, and each dim they agree on (unknown where they differ). */
function agreedType(a: InferredType | undefined, b: InferredType | undefined): InferredType {
  const dtype = a?.dtype !== undefined && a.dtype === b?.dtype ? a.dtype : undefined;
  const shape = a?.shape && b?.shape && a.shape.length === b.shape.length ? a.shape.map((d, i) => (d === b.shape![i] ? d : null)) : undefined;
  return { ...(dtype ? { dtype } : {}), ...(shape ? { shape } : {}) };
}

/** Input types an op's ONNX schema rules out (ints where it takes floats, bools where it takes numbers). */
function checkInputTypes(node: OnnxNode, inputs: readonly (OnnxValueInfo | undefined)[]): void {
  const first = inputs[0]?.dtype;
  if (first !== undefined && FLOAT_INPUT_OPS.has(node.opType) && !isFloatDType(first)) {
    throw malformed(node, `input "${node.inputs[0]}" is ${first}, but ${node.opType} takes floating-point tensors only`);
  }
  if (first !== undefined && BOOL_FIRST_INPUT_OPS.has(node.opType) && first !== 'bool') {
    throw malformed(node, `input "${node.inputs[0]}" is ${first}, but ${node.opType} takes a bool condition`);
  }
  if (NUMERIC_INPUT_OPS.has(node.opType)) {
    inputs.forEach((t, k) => {
      if (t?.dtype === 'bool') throw malformed(node, `input "${node.inputs[k]}" is bool, but ${node.opType} takes numeric tensors only`);
    });
  }
  if (SAME_TYPE_INPUT_OPS.has(node.opType)) {
    const typed = inputs.map((t, k) => [k, t?.dtype] as const).filter(([, d]) => d !== undefined);
    const other = typed.find(([, d]) => d !== typed[0]![1]);
    if (other) throw malformed(node, `inputs "${node.inputs[typed[0]![0]]}" (${typed[0]![1]}) and "${node.inputs[other[0]]}" (${other[1]}) differ in type, but ${node.opType} takes one type`);
  }
}

/** Options of inferShapesAndFold. */
export interface InferenceOptions {
  /**
   * Refuse a node whose computed output shape contradicts the shape the model
   * declares for it (value_info or graph outputs). Off when input shapes were
   * replaced by options, since the declarations then describe other inputs.
   */
  checkDeclared?: boolean;
}

/** The shapes a model declares for values that nodes compute: value_info and graph outputs. */
function declaredTypes(model: OnnxModel): Map<string, OnnxValueInfo> {
  const declared = new Map(model.graph.valueInfo);
  for (const o of model.graph.outputs) declared.set(o.name, o);
  return declared;
}

/** A computed output dim must fit Core ML, and agree with a static shape the model declares for it. */
function checkOutput(node: OnnxNode, name: string | undefined, shape: readonly OnnxDim[] | undefined, declared: ReadonlyMap<string, OnnxValueInfo> | undefined): void {
  if (!name || !shape) return;
  for (const d of shape) {
    const reason = badDimReason(d);
    if (reason !== undefined) throw malformed(node, `output "${name}" would have ${reason}`);
  }
  const want = declared?.get(name)?.shape;
  if (!want) return;
  const agree = want.length === shape.length && want.every((d, i) => typeof d !== 'number' || typeof shape[i] !== 'number' || d === shape[i]);
  if (!agree) throw malformed(node, `output "${name}" is declared ${showDims(want)} but computes to ${showDims(shape)}`);
}

const showDims = (dims: readonly OnnxDim[]): string => `[${dims.map((d) => (typeof d === 'number' ? String(d) : typeof d === 'string' ? d : '?')).join(', ')}]`;

/** Combines two descriptions of the same value: known dtype and static dims win. */
function mergeInfo(primary: OnnxValueInfo, secondary: OnnxValueInfo | undefined): OnnxValueInfo {
  if (!secondary) return primary;
  const merged: OnnxValueInfo = { ...secondary, ...primary };
  merged.dtype = primary.dtype ?? secondary.dtype;
  merged.shape = mergeShapes(primary.shape, secondary.shape);
  if (merged.shape === undefined) delete merged.shape;
  if (merged.dtype === undefined) delete merged.dtype;
  return merged;
}

function mergeShapes(a: OnnxDim[] | undefined, b: OnnxDim[] | undefined): OnnxDim[] | undefined {
  if (!a) return b;
  if (!b || b.length !== a.length) return a;
  return a.map((d, i) => (typeof d === 'number' ? d : typeof b[i] === 'number' ? b[i]! : d ?? b[i]!));
}
