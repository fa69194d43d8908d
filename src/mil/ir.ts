import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * The ML Program (MIL) intermediate representation: what `convert/` builds,
 * what `coreml/` serializes and reads back, and what `runtime/` executes.
 * It mirrors MIL.proto closely but holds constants as in-memory tensors;
 * whether a constant goes to weight.bin or inline is the writer's decision.
 */

/** A tensor type. `null` marks a dimension unknown at conversion time. Rank 0 is a scalar. */
export interface MilTensorType {
  dtype: DType;
  shape: (number | null)[];
  /**
   * Set for the two non-tensor MIL types a classifier needs. A list of scalars of `dtype`
   * has `shape` [length]; a dictionary maps `keyDType` scalars to `dtype` scalars and has
   * `shape` [entries] (null when unknown). Absent: a tensor.
   */
  collection?: MilCollection;
  /**
   * The rank is unknown until run time (a variadic dimension in MIL.proto, as
   * coremltools writes for fill with a run-time shape): `shape` is then [null].
   */
  anyRank?: boolean;
}

/**
 * A list's elements are scalars of `dtype` unless `elementShape` is set: then each element is a
 * tensor of that shape (make_list, list_write …); `shape` [length] holds its initial length (a
 * dynamic-length list may grow past it at run time), null when that is unknown.
 */
export type MilCollection = { kind: 'list'; elementShape?: (number | null)[] } | { kind: 'dictionary'; keyDType: DType };

export interface MilVar {
  name: string;
  type: MilTensorType;
}

/** How one argument of an operation is bound: to a named value, or to an inline constant. */
export type MilBinding = { kind: 'name'; name: string } | { kind: 'value'; value: Tensor };

/**
 * The source-model node an operation was made for: its name and op type. It is
 * kept through the program passes and compression so a verdict or a coverage
 * row can point at the node; it is in-memory only and never written to a package.
 */
export interface MilOpSource {
  node: string;
  opType: string;
}

export interface MilOperation {
  /** MIL op type, e.g. "conv", "const". */
  type: string;
  /** The op's `name` attribute. */
  name: string;
  /** Parameter name → bindings (one, or several for variadic parameters such as concat.values). */
  inputs: Record<string, MilBinding[]>;
  outputs: MilVar[];
  /**
   * Attributes other than `name`: `val` for const, and the parameters of
   * iOS16/iOS17 constexpr ops, which MIL.proto stores as attributes.
   */
  attributes: Record<string, Tensor>;
  /** Nested blocks (cond, while_loop). */
  blocks: MilBlock[];
  /** The node this op was made for; absent for ops a package read back, and for the program's own edges (input and output casts). */
  source?: MilOpSource;
}

export interface MilBlock {
  /** Block inputs (loop-carried values of nested blocks); empty for a function's block. */
  inputs: MilVar[];
  operations: MilOperation[];
  /** Names of the values the block returns. */
  outputs: string[];
}

/** MIL opset names, one per deployment target. */
export type MilOpset = 'CoreML5' | 'CoreML6' | 'CoreML7' | 'CoreML8';

export interface MilFunction {
  inputs: MilVar[];
  opset: MilOpset;
  block: MilBlock;
}

export interface MilProgram {
  /** Function name → function; a single-function program has only "main". */
  functions: Record<string, MilFunction>;
  /** Program attributes as string pairs (e.g. buildInfo); informational. */
  attributes?: Record<string, string>;
}

/** Deployment targets this project writes, in order. */
export const DEPLOYMENT_TARGETS = ['iOS15', 'iOS16', 'iOS17', 'iOS18'] as const;
export type DeploymentTarget = (typeof DEPLOYMENT_TARGETS)[number];

const TARGET_FACTS: Record<DeploymentTarget, { opset: MilOpset; specificationVersion: number }> = {
  iOS15: { opset: 'CoreML5', specificationVersion: 6 },
  iOS16: { opset: 'CoreML6', specificationVersion: 7 },
  iOS17: { opset: 'CoreML7', specificationVersion: 8 },
  iOS18: { opset: 'CoreML8', specificationVersion: 9 },
};

export function opsetForTarget(target: DeploymentTarget): MilOpset {
  return TARGET_FACTS[target].opset;
}

export function specificationVersionForTarget(target: DeploymentTarget): number {
  return TARGET_FACTS[target].specificationVersion;
}

export function targetForOpset(opset: string): DeploymentTarget | undefined {
  return DEPLOYMENT_TARGETS.find((t) => TARGET_FACTS[t].opset === opset);
}

/** Ordinal of a target, for "at least iOS16" comparisons. */
export function targetRank(target: DeploymentTarget): number {
  return DEPLOYMENT_TARGETS.indexOf(target);
}

export function isDeploymentTarget(s: string): s is DeploymentTarget {
  return (DEPLOYMENT_TARGETS as readonly string[]).includes(s);
}

/** All operations of a block and its nested blocks, depth first. */
export function* walkOperations(block: MilBlock): Generator<MilOperation> {
  for (const op of block.operations) {
    yield op;
    for (const inner of op.blocks) yield* walkOperations(inner);
  }
}

export function mainFunction(program: MilProgram): MilFunction {
  const main = program.functions['main'];
  if (!main) throw new Error('ML program has no "main" function');
  return main;
}

/**
 * A copy of a program that shares its constants' tensors and nothing else:
 * functions, blocks, operations, bindings and types are new objects, so passes
 * that edit a program in place (compression, the interface) can run on the copy
 * while the original stays as it was. Tensors are never edited in place.
 */
export function copyProgramStructure(program: MilProgram): MilProgram {
  const functions: Record<string, MilFunction> = {};
  for (const [name, fn] of Object.entries(program.functions)) functions[name] = { inputs: fn.inputs.map(copyVar), opset: fn.opset, block: copyBlock(fn.block) };
  return { functions, ...(program.attributes ? { attributes: { ...program.attributes } } : {}) };
}

function copyBlock(block: MilBlock): MilBlock {
  return { inputs: block.inputs.map(copyVar), operations: block.operations.map(copyOperation), outputs: [...block.outputs] };
}

function copyOperation(op: MilOperation): MilOperation {
  const inputs: Record<string, MilBinding[]> = {};
  for (const [param, bindings] of Object.entries(op.inputs)) inputs[param] = bindings.map((b) => ({ ...b }));
  return {
    type: op.type,
    name: op.name,
    inputs,
    outputs: op.outputs.map(copyVar),
    attributes: { ...op.attributes },
    blocks: op.blocks.map(copyBlock),
    ...(op.source ? { source: { ...op.source } } : {}),
  };
}

function copyVar(v: MilVar): MilVar {
  return { name: v.name, type: structuredClone(v.type) };
}
