import { ModelInputError } from '../errors.js';
import type { OnnxDim, OnnxGraph, OnnxModel, OnnxNode, OnnxValueInfo } from './ir.js';
import { DEFAULT_ONNX_LIMITS } from './limits.js';
import { topologicalOrder } from './passes/topo.js';

/**
 * Graph validation before anything looks at a model's numbers: the structural
 * rules of the ONNX spec (every value defined once, every input defined, no
 * cycle, outputs produced), known IR versions, and dims Core ML can hold.
 * Shared by `check` and `convert` (through loadOnnxModel), so an inconsistent
 * model is an input error naming the node, never a "converter bug" later.
 * Shape consistency between nodes is checked during shape inference
 * (passes/infer.ts), which knows every inferred shape.
 */

/**
 * IR versions grow by one per ONNX release at most (IR 11 came with ONNX 1.18);
 * a version far beyond that is not a file any exporter wrote.
 */
export const MAX_IR_VERSION = 16;

/** Core ML stores dims as int32. */
export const MAX_DIM = 2 ** 31 - 1;

/** Largest element count of a static graph input: one tensor's cap, as for initializers. */
const MAX_INPUT_ELEMENTS = DEFAULT_ONNX_LIMITS.maxTensorElements;

/**
 * Ops whose first input ONNX allows only in floating-point types (type
 * constraint T of the op schema). A model feeding them an int tensor is invalid;
 * without this check the MIL type rules would catch it as a converter bug.
 */
export const FLOAT_INPUT_OPS: ReadonlySet<string> = new Set([
  'Conv', 'ConvTranspose', 'BatchNormalization', 'InstanceNormalization', 'LayerNormalization', 'GroupNormalization',
  'LpNormalization', 'LRN', 'AveragePool', 'GlobalAveragePool', 'LpPool', 'Sigmoid', 'Tanh', 'Softmax', 'LogSoftmax',
  'Elu', 'Selu', 'HardSigmoid', 'Softplus', 'Softsign', 'Exp', 'Log', 'Sqrt', 'Reciprocal', 'Sin', 'Cos', 'Tan',
  'Gelu', 'Mish', 'HardSwish',
]);

/** Ops whose inputs ONNX allows in numeric types only: a bool tensor there is invalid. */
export const NUMERIC_INPUT_OPS: ReadonlySet<string> = new Set([
  ...FLOAT_INPUT_OPS, 'Gemm', 'MatMul', 'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Neg', 'Abs', 'Relu', 'LeakyRelu', 'PRelu',
  'MaxPool', 'GlobalMaxPool', 'Sum', 'Mean', 'Max', 'Min', 'Clip', 'ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd',
]);

/** Ops whose tensor inputs share one type variable T in the ONNX schema: int32 times float32 is invalid. */
export const SAME_TYPE_INPUT_OPS: ReadonlySet<string> = new Set([
  'Gemm', 'MatMul', 'Add', 'Sub', 'Mul', 'Div', 'Conv', 'ConvTranspose', 'Sum', 'Mean', 'Max', 'Min', 'Concat', 'PRelu',
]);

/** Ops whose first input is a condition, bool in every ONNX opset. */
export const BOOL_FIRST_INPUT_OPS: ReadonlySet<string> = new Set(['If', 'Where', 'Not', 'And', 'Or', 'Xor']);

export function validateOnnxModel(model: OnnxModel): void {
  const file = model.sourcePath;
  const fail = (message: string): ModelInputError => new ModelInputError('MALFORMED', message, file === undefined ? {} : { file });
  if (model.irVersion > MAX_IR_VERSION) {
    throw fail(`ir_version ${model.irVersion} is newer than any this tool knows (at most ${MAX_IR_VERSION})`);
  }
  const graph = model.graph;
  if (graph.outputs.length === 0) throw fail('the graph has no outputs');
  checkDefinitions(graph, fail);
  withFile(() => topologicalOrder(graph, file), file);
  checkSubgraphs(graph, new Set(), fail);
  for (const info of graph.inputs) {
    checkDeclaredDims(info, 'input', fail);
    checkInputSize(info, fail);
  }
  for (const info of graph.outputs) checkDeclaredDims(info, 'output', fail);
  for (const info of graph.valueInfo.values()) checkDeclaredDims(info, 'value', fail);
}

type Fail = (message: string) => ModelInputError;

/** Each value has one definition (input, initializer or one node output), and every graph output has one. */
function checkDefinitions(graph: OnnxGraph, fail: Fail): void {
  const inputs = new Set(graph.inputs.map((i) => i.name));
  const writer = new Map<string, OnnxNode>();
  for (const node of graph.nodes) {
    const seen = new Set<string>();
    for (const name of node.outputs) {
      if (name === '') continue;
      const where = `node "${node.name}" (${node.opType}) writes "${name}"`;
      if (seen.has(name)) throw fail(`${where} twice`);
      seen.add(name);
      if (inputs.has(name)) throw fail(`${where}, which is a graph input`);
      if (graph.initializers.has(name)) throw fail(`${where}, which is an initializer`);
      const earlier = writer.get(name);
      if (earlier) throw fail(`${where}, which node "${earlier.name}" already writes`);
      writer.set(name, node);
    }
  }
  const listed = new Set<string>();
  for (const { name } of graph.outputs) {
    if (listed.has(name)) throw fail(`graph output "${name}" is listed twice`);
    listed.add(name);
    if (!writer.has(name) && !inputs.has(name) && !graph.initializers.has(name)) {
      throw fail(`graph output "${name}" is not produced by any node, input or initializer`);
    }
  }
}

/** Names a graph defines for the nodes inside it and its subgraphs. */
function namesOf(graph: OnnxGraph): Set<string> {
  const names = new Set<string>([...graph.inputs.map((i) => i.name), ...graph.initializers.keys()]);
  for (const node of graph.nodes) for (const o of node.outputs) names.add(o);
  return names;
}

/**
 * Every output of every subgraph (If branches, Loop and Scan bodies) must be
 * defined inside it or in an enclosing scope; a branch returning nothing is
 * refused here rather than met half-way through conversion.
 */
function checkSubgraphs(graph: OnnxGraph, outer: ReadonlySet<string>, fail: Fail): void {
  const visible = new Set([...outer, ...namesOf(graph)]);
  for (const node of graph.nodes) {
    for (const [key, attr] of node.attributes) {
      const bodies = attr.type === 'graph' ? [attr.value] : attr.type === 'graphs' ? attr.value : [];
      for (const body of bodies) {
        const inside = new Set([...visible, ...namesOf(body)]);
        for (const { name } of body.outputs) {
          if (!inside.has(name)) throw fail(`node "${node.name}" (${node.opType}): ${key} returns "${name}", which nothing in it or around it defines`);
        }
        checkSubgraphs(body, visible, fail);
      }
    }
  }
}

/** Why a static dim cannot be a Core ML dim, or undefined when it can. */
export function badDimReason(d: OnnxDim): string | undefined {
  if (typeof d !== 'number') return undefined;
  if (!Number.isFinite(d)) return `dimension ${d}, which is not finite`;
  if (!Number.isInteger(d) || d < 0) return `dimension ${d}, which is not a non-negative integer`;
  if (d > MAX_DIM) return `dimension ${d}, above the largest Core ML allows (${MAX_DIM})`;
  return undefined;
}

function checkDeclaredDims(info: OnnxValueInfo, role: string, fail: Fail): void {
  for (const d of info.shape ?? []) {
    const reason = badDimReason(d);
    if (reason !== undefined) throw fail(`${role} "${info.name}" has ${reason}`);
  }
}

/** A static input that large cannot get test data or a reference run; refuse it before anything allocates it. */
function checkInputSize(info: OnnxValueInfo, fail: Fail): void {
  const dims = info.shape ?? [];
  if (!dims.every((d): d is number => typeof d === 'number')) return;
  const elements = dims.reduce((a, d) => a * BigInt(d), 1n);
  if (elements > BigInt(MAX_INPUT_ELEMENTS)) {
    throw fail(`input "${info.name}" has ${elements} elements, above the limit of ${MAX_INPUT_ELEMENTS}`);
  }
}

/** Runs `step`; an input error it raises without a file gets `file`, so the message names the model. */
export function withFile<T>(step: () => T, file: string | undefined): T {
  try {
    return step();
  } catch (err) {
    if (file !== undefined && err instanceof ModelInputError && err.file === undefined) {
      throw new ModelInputError(err.code, err.message, { file, cause: err });
    }
    throw err;
  }
}
