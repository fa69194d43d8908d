import type { ArrayFeature, CoreMLModel, FeatureDescription } from '../coreml/model.js';
import { ConversionError, ModelInputError, ToolError, type UnsupportedNode } from '../errors.js';
import { MilBuilder } from '../mil/builder.js';
import { mainFunction, specificationVersionForTarget, targetRank, walkOperations, type DeploymentTarget, type MilProgram, type MilTensorType } from '../mil/ir.js';
import { defaultOpset, type OnnxModel, type OnnxNode } from '../onnx/ir.js';
import { freezeInputs } from '../onnx/passes/freeze.js';
import { prepareForConversion } from '../onnx/passes/prepare.js';
import { topologicalOrder } from '../onnx/passes/topo.js';
import { formatShape, type Tensor } from '../tensor/tensor.js';
import { ConversionContext } from './context.js';
import { coverageOf, qualifiedOpName, unsupportedReason, type CoverageReport } from './outcomes.js';
import { declareInput, outputFeature, prepareOutput, type EdgeContext } from './edges.js';
import { consumeUnusedInputs, countMilOps, renameValue } from './finish.js';
import { applyInputShapeOptions, type InputShapeOptions, type ShapedModel } from './input-shapes.js';
import { milDTypeFor } from './narrow.js';
import { runProgramPasses } from './program-passes.js';
import { withPaddedOutputs, type PaddedOutputs } from '../coreml/padded-outputs.js';

export interface ConvertOptions {
  target: DeploymentTarget;
  precision: 'fp16' | 'fp32';
  /** Model inputs to replace by constants before conversion. */
  freeze?: Record<string, Tensor>;
  /** Called after each converted node. */
  onProgress?: (done: number, total: number) => void;
  /** Replaces inputs' declared shapes before shape inference: everything downstream of them becomes static. */
  inputShapes?: InputShapeOptions['inputShapes'];
  /** Bounded ranges for input dims (by index or symbolic name), which stay dynamic in the program. */
  ranges?: InputShapeOptions['ranges'];
  /** Shapes an input accepts (the first is the default); dims that differ stay dynamic in the program. */
  enumeratedShapes?: InputShapeOptions['enumeratedShapes'];
  /** Rows a data-dependent detection output (ONNX NonMaxSuppression) is padded to. */
  maxDetections?: number;
  /** Ops an fp16 program keeps in fp32 (mixed precision), named by their outputs in the fp32 program. */
  keepInFp32?: ReadonlySet<string>;
}

export interface ConversionResult {
  /** Tensors in and out; the app-facing interface (images, classifier, metadata) is applied afterwards. */
  model: CoreMLModel<ArrayFeature>;
  /** The deployment target the program was built for: the requested one, or a newer one some node needed. */
  target: DeploymentTarget;
  warnings: string[];
  /** ONNX input/output name → the name the Core ML model uses, for names that had to change. */
  renamed: Record<string, string>;
  /** ONNX op counts of the model as given (domain-qualified outside ai.onnx). */
  onnxOps: Record<string, number>;
  /** MIL op counts of the finished program. */
  milOps: Record<string, number>;
  /** Op coverage from this conversion: per ONNX op type, the nodes, how many folded, the MIL ops they became. */
  coverage: CoverageReport;
  /** Outputs whose valid rows come first, then padding (ONNX NonMaxSuppression's selected_indices), by Core ML output name. */
  paddedOutputs: PaddedOutputs;
}

/** The options that shape the graph before any op is converted; the rest choose what a conversion makes of it. */
export type PrepareOptions = Pick<ConvertOptions, 'target' | 'freeze' | 'inputShapes' | 'ranges' | 'enumeratedShapes'>;

/**
 * An ONNX model ready to convert: inputs frozen, input shapes applied, shapes
 * inferred and constants folded. One preparation serves every conversion of
 * the model (each variant's precision); converting never changes it.
 */
export interface PreparedModel {
  /** The model as given: coverage counts its nodes, metadata comes from it. */
  source: OnnxModel;
  /** After freezing and input shapes, before inference: its declarations are the model's own. */
  shaped: ShapedModel;
  /** The graph the converters read. */
  graph: OnnxModel;
  /** The target preparation checked the input-shape rules against. */
  target: DeploymentTarget;
}

/** Freezes inputs, applies input shapes, infers shapes and folds constants. */
export function prepareOnnxModel(model: OnnxModel, options: PrepareOptions): PreparedModel {
  const frozen = options.freeze && Object.keys(options.freeze).length > 0 ? freezeInputs(model, options.freeze) : model;
  const shaped = applyInputShapeOptions(frozen, options, options.target);
  // Declared shapes describe the model's own inputs; replaced input shapes make them moot.
  const graph = prepareForConversion(shaped.model, { checkDeclared: shaped.model === frozen });
  return { source: model, shaped, graph, target: options.target };
}

/**
 * Converts an ONNX model to a Core ML ML Program: freezes inputs, infers
 * shapes and folds constants, refuses with one error listing every
 * unsupported node, converts node by node, then runs the program passes.
 */
export function convertOnnxModel(model: OnnxModel, options: ConvertOptions): ConversionResult {
  return convertPreparedModel(prepareOnnxModel(model, options), options);
}

/** What a conversion of a prepared model takes besides the preparation: precision, target (which may be raised), progress. */
export type PreparedConvertOptions = Omit<ConvertOptions, Exclude<keyof PrepareOptions, 'target'>>;

/** Converts a prepared model at one precision and target; the preparation is read, never changed. */
export function convertPreparedModel(preparation: PreparedModel, options: PreparedConvertOptions): ConversionResult {
  const { source: model, shaped, graph: prepared } = preparation;
  const file = model.sourcePath;

  const b = new MilBuilder(options.target);
  const edge: EdgeContext = { b, file, warnings: [...shaped.warnings] };
  const ctx = new ConversionContext(b, prepared.graph, defaultOpset(prepared), file, options.maxDetections);
  const inputs = prepared.graph.inputs.map((info) => {
    const { value, feature } = declareInput(edge, info, shaped.declarations.get(info.name));
    ctx.bind(info.name, value);
    return feature;
  });
  // Reserved now so that no intermediate takes them; the output vars are renamed to them at the end.
  const outputNames = prepared.graph.outputs.map((o) => b.names.allocate(o.name));

  try {
    convertNodes(prepared, ctx, options.onProgress, declaredNames(shaped.model));
  } catch (err) {
    const needed = ctx.neededTarget;
    if (err instanceof ConversionError && needed && targetRank(needed.target) > targetRank(options.target)) {
      return withRaisedTarget(preparation, options, needed);
    }
    if (err instanceof ConversionError) err.coverage = coverageOf(model, ctx.outcomes.list(), b.operations());
    throw err;
  }
  const outputValues = bindOutputs(prepared, ctx, edge);
  const fn = b.finish(outputValues);
  outputValues.forEach((v, k) => renameValue(fn, v, outputNames[k]!));

  const paddedOutputs = paddedGraphOutputs(prepared, ctx, outputNames);
  const program: MilProgram = { functions: { main: fn } };
  const passWarnings = runProgramPasses(program, options.precision, options.keepInFp32 === undefined ? {} : { keepInFp32: options.keepInFp32 });
  consumeUnusedInputs(mainFunction(program), b.names);

  const renamed: Record<string, string> = {};
  prepared.graph.inputs.forEach((info, k) => info.name !== inputs[k]!.name && (renamed[info.name] = inputs[k]!.name));
  prepared.graph.outputs.forEach((info, k) => info.name !== outputNames[k] && (renamed[info.name] = outputNames[k]!));

  return {
    target: options.target,
    model: {
      specificationVersion: specificationVersionForTarget(options.target),
      inputs,
      outputs: outputNames.map((name) => describePadding(outputFeature(name, finalType(program, name)), paddedOutputs[name])),
      metadata: withPaddedOutputs(metadataOf(model), paddedOutputs),
      program,
    },
    warnings: [...edge.warnings, ...ctx.warnings, ...passWarnings],
    renamed,
    onnxOps: countOnnxOps(model),
    milOps: countMilOps(program),
    coverage: coverageOf(model, ctx.outcomes.list(), mainFunction(program).block.operations),
    paddedOutputs,
  };
}

/**
 * Converts again at the target a node asked for (as compression raises the target of
 * its variants), with a warning saying which node needed it and why.
 */
function withRaisedTarget(preparation: PreparedModel, options: PreparedConvertOptions, needed: { target: DeploymentTarget; why: string }): ConversionResult {
  const result = convertPreparedModel(preparation, { ...options, target: needed.target });
  const warning = `${needed.why}, which needs ${needed.target} or later; deployment target raised from ${options.target} to ${result.target}`;
  return { ...result, warnings: [warning, ...result.warnings] };
}

/** What an app (and the comment's interface table) is told of a padded output. */
function describePadding(feature: FeatureDescription<ArrayFeature>, padding: PaddedOutputs[string] | undefined): FeatureDescription<ArrayFeature> {
  if (!padding) return feature;
  return { ...feature, shortDescription: `padded to ${padding.rows} rows: the valid rows first, then rows of ${padding.padValue}` };
}

/** The graph outputs a converter padded, under the names the Core ML model gives them. */
function paddedGraphOutputs(model: OnnxModel, ctx: ConversionContext, outputNames: readonly string[]): PaddedOutputs {
  const padded: PaddedOutputs = {};
  model.graph.outputs.forEach((info, k) => {
    const padding = ctx.paddedValues.get(info.name);
    if (padding) padded[outputNames[k]!] = padding;
  });
  return padded;
}

/** How many refused nodes the error message spells out; the full list is in `unsupported`. */
const MAX_LISTED_NODES = 5;

function throwIfAny(unsupported: UnsupportedNode[], file: string | undefined): void {
  if (unsupported.length === 0) return;
  const ops = [...new Set(unsupported.map((u) => u.op))].sort();
  const shown = unsupported.slice(0, MAX_LISTED_NODES).map((u) => `node "${u.node}" (${u.op}): ${u.reason}`);
  if (unsupported.length > MAX_LISTED_NODES) shown.push(`and ${unsupported.length - MAX_LISTED_NODES} more`);
  throw new ConversionError(
    `cannot convert: ${unsupported.length} node(s) use unsupported ops (${ops.join(', ')}); ${shown.join('; ')}`,
    unsupported,
    file === undefined ? {} : { file },
  );
}

/**
 * Converts every node in order. A converter may refuse a node for a reason
 * only it can see (a run-time Slice bound, say); conversion then goes on with
 * the nodes that do not depend on it, so that one error lists every refusal.
 */
function convertNodes(model: OnnxModel, ctx: ConversionContext, onProgress: ConvertOptions['onProgress'], declared: ReadonlySet<string>): void {
  const nodes = topologicalOrder(model.graph, model.sourcePath);
  const refused: UnsupportedNode[] = [];
  const blocked = new Set<string>();
  nodes.forEach((node, k) => {
    if (node.inputs.some((i) => blocked.has(i))) {
      node.outputs.forEach((o) => blocked.add(o));
      skip(node, ctx, refused);
      return;
    }
    try {
      ctx.convertNode(node);
      checkNodeOutputs(node, ctx, declared, model.sourcePath);
    } catch (err) {
      if (err instanceof ConversionError && err.unsupported.length > 0) {
        refused.push(...err.unsupported);
        node.outputs.forEach((o) => blocked.add(o));
        return;
      }
      // User-caused problems are already typed; anything else is a converter bug, reported with the node.
      if (err instanceof ToolError) throw err;
      throw internalError(node, err instanceof Error ? err.message : String(err), err);
    }
    onProgress?.(k + 1, nodes.length);
  });
  throwIfAny(refused, model.sourcePath);
}

/**
 * A node downstream of a refused one is not converted; an op no converter
 * handles is still listed as refused, so one error names every such node.
 */
function skip(node: OnnxNode, ctx: ConversionContext, refused: UnsupportedNode[]): void {
  const reason = unsupportedReason(node, ctx.opset);
  if (reason === undefined) {
    ctx.outcomes.record(node, 'skipped', 'an input comes from a node that could not be converted');
    return;
  }
  ctx.recordFailure(node, reason);
  refused.push({ op: qualifiedOpName(node), node: node.name, reason });
}

function internalError(node: OnnxNode, problem: string, cause?: unknown): ToolError {
  return new ToolError('INTERNAL', `converter bug at node "${node.name}" (${node.opType}): ${problem}`, cause === undefined ? {} : { cause });
}

/** Names whose type the model itself declares (value_info, graph outputs). */
function declaredNames(model: OnnxModel): Set<string> {
  return new Set([...model.graph.valueInfo.keys(), ...model.graph.outputs.map((o) => o.name)]);
}

/**
 * Every output must be bound, and where both ONNX shape inference and the MIL
 * type rules know a shape, they must agree: a mismatch is a converter bug,
 * caught here rather than as wrong numbers later. Two cases are the model's
 * doing instead: an output the op does not have (a Relu with two outputs) is
 * refused as unsupported, and a type the model declares for a value that its
 * graph computes differently is an input error.
 */
function checkNodeOutputs(node: OnnxNode, ctx: ConversionContext, declared: ReadonlySet<string>, file: string | undefined): void {
  node.outputs.forEach((name, k) => {
    if (name === '') return;
    if (!ctx.isBound(name)) ctx.unsupported(node, `output ${k} ("${name}") is not one this converter produces for ${node.opType}`);
    const expected = ctx.info(name);
    const actual = milTypeOf(ctx, name);
    if (!expected || !actual) return;
    const mismatch = (problem: string): ToolError =>
      declared.has(name) ? new ModelInputError('MALFORMED', `node "${node.name}" (${node.opType}): ${problem}`, file === undefined ? {} : { file }) : internalError(node, problem);
    const wantDType = expected.dtype === undefined ? undefined : milDTypeFor(expected.dtype);
    if (wantDType !== undefined && actual.dtype !== wantDType) {
      throw mismatch(`output "${name}" is ${expected.dtype} as declared but computes to ${actual.dtype}`);
    }
    const want = expected.shape;
    if (!want) return;
    // A padded output's row count is its bound, not the count the model declares (that one differs per input).
    const padded = ctx.paddedValues.has(name);
    const agree =
      want.length === actual.shape.length &&
      want.every((d, i) => typeof d !== 'number' || actual.shape[i] === null || actual.shape[i] === d || (padded && i === 0));
    if (!agree) {
      const onnx = formatShape(want.map((d) => (typeof d === 'number' ? d : null)));
      throw mismatch(`output "${name}" has shape ${onnx} as declared but computes to ${formatShape(actual.shape)}`);
    }
  });
}

function milTypeOf(ctx: ConversionContext, onnxName: string): MilTensorType | undefined {
  const c = ctx.constantValue(onnxName);
  if (c) {
    const dtype = milDTypeFor(c.dtype);
    return dtype === undefined ? undefined : { dtype, shape: [...c.shape] };
  }
  const v = ctx.value(onnxName);
  return v === undefined ? undefined : ctx.b.typeOf(v);
}

/**
 * The MIL value each model output returns. An output that is an input, a
 * constant or the same value as an earlier output gets its own identity, so
 * that every output var is an op result that can carry the output's name.
 */
function bindOutputs(model: OnnxModel, ctx: ConversionContext, edge: EdgeContext): string[] {
  const used = new Set<string>();
  return model.graph.outputs.map((info) => {
    const value = ctx.value(info.name);
    if (value === undefined) {
      throw new ConversionError(`model output "${info.name}" is not produced by any node`, [], model.sourcePath === undefined ? {} : { file: model.sourcePath });
    }
    let v = prepareOutput(edge, info, value);
    const needsOwnOp = used.has(v) || ctx.b.constValue(v) !== undefined || isFunctionInput(ctx, v);
    if (needsOwnOp) v = ctx.b.op1('identity', { x: v }, { name: `${info.name}_identity` });
    used.add(v);
    return v;
  });
}

function isFunctionInput(ctx: ConversionContext, milName: string): boolean {
  return !ctx.b.operations().some((op) => op.outputs.some((o) => o.name === milName));
}

function finalType(program: MilProgram, name: string): MilTensorType {
  const fn = mainFunction(program);
  for (const op of walkOperations(fn.block)) for (const o of op.outputs) if (o.name === name) return o.type;
  const input = fn.inputs.find((i) => i.name === name);
  if (!input) throw new ToolError('INTERNAL', `model output "${name}" vanished from the program`);
  return input.type;
}

function countOnnxOps(model: OnnxModel): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const node of model.graph.nodes) {
    const key = qualifiedOpName(node);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

function metadataOf(model: OnnxModel): CoreMLModel['metadata'] {
  const userDefined: Record<string, string> = { 'com.github.onnx-coreml-action.source': 'onnx' };
  if (model.producerName) userDefined['com.github.onnx-coreml-action.producer'] = `${model.producerName} ${model.producerVersion}`.trim();
  for (const [k, v] of model.metadata) userDefined[k] = v;
  const meta: CoreMLModel['metadata'] = { userDefined };
  if (model.docString) meta.shortDescription = model.docString;
  return meta;
}
