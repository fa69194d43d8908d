import { ConversionError } from '../errors.js';
import type { MilBuilder } from '../mil/builder.js';
import { targetRank, type DeploymentTarget } from '../mil/ir.js';
import type { OnnxGraph, OnnxNode, OnnxValueInfo } from '../onnx/ir.js';
import type { Tensor } from '../tensor/tensor.js';
import { decidersOf, producersOf, type Deciders } from './deciders.js';
import { narrowConstant } from './narrow.js';
import { NodeOutcomes, qualifiedOpName, unsupportedReason } from './outcomes.js';
import { converterFor } from './registry.js';
import type { ConvertContext, RowPadding } from './types.js';

/** What an ONNX value name is bound to during conversion. */
type Binding =
  | { kind: 'mil'; name: string }
  /** A constant; `milName` is set once it was used as a value and became a const op. */
  | { kind: 'const'; value: Tensor; milName?: string };

/**
 * The ConvertContext the driver hands to converters: resolves ONNX value
 * names to MIL values, turns constants into const ops lazily (so constants
 * that are only read as parameters never reach the program), and collects
 * warnings.
 */
export class ConversionContext implements ConvertContext {
  readonly b: MilBuilder;
  readonly opset: number;
  readonly target: DeploymentTarget;
  readonly warnings: string[] = [];
  readonly outcomes = new NodeOutcomes();
  /** The newest target some node asked for with requireTarget, and why (the first node that asked for it). */
  neededTarget: { target: DeploymentTarget; why: string } | undefined;
  /** ONNX value name → how it is padded, for outputs whose valid row count is only known at run time. */
  readonly paddedValues = new Map<string, RowPadding>();
  readonly maxDetections: number | undefined;
  private readonly bindings = new Map<string, Binding>();
  private readonly infos: Map<string, OnnxValueInfo>;
  private readonly file: string | undefined;
  private readonly modelInputs: ReadonlySet<string>;
  private readonly graph: OnnxGraph;
  private producers: Map<string, OnnxNode> | undefined;

  constructor(b: MilBuilder, graph: OnnxGraph, opset: number, file?: string, maxDetections?: number) {
    this.b = b;
    this.maxDetections = maxDetections;
    this.graph = graph;
    this.opset = opset;
    this.target = b.target;
    this.file = file;
    this.modelInputs = new Set(graph.inputs.map((i) => i.name));
    this.infos = new Map(graph.valueInfo);
    for (const i of graph.inputs) this.infos.set(i.name, i);
    for (const o of graph.outputs) if (!this.infos.has(o.name)) this.infos.set(o.name, o);
    for (const [name, value] of graph.initializers) {
      this.bindings.set(name, { kind: 'const', value });
      this.infos.set(name, { name, dtype: value.dtype, shape: [...value.shape] });
    }
  }

  /** Binds an ONNX value (e.g. a model input) to an existing MIL value. */
  bind(onnxName: string, milName: string): void {
    this.bindings.set(onnxName, { kind: 'mil', name: milName });
  }

  /** MIL value of an ONNX value name, materializing a constant when needed. */
  value(onnxName: string): string | undefined {
    const binding = this.bindings.get(onnxName);
    if (!binding) return undefined;
    if (binding.kind === 'mil') return binding.name;
    binding.milName ??= this.b.const(narrowConstant(binding.value, onnxName, this.file), onnxName);
    return binding.milName;
  }

  /** Constant behind an ONNX value name, when it is one. */
  constantValue(onnxName: string): Tensor | undefined {
    const binding = this.bindings.get(onnxName);
    return binding?.kind === 'const' ? binding.value : undefined;
  }

  isModelInput(name: string): boolean {
    return this.modelInputs.has(name);
  }

  isBound(onnxName: string): boolean {
    return this.bindings.has(onnxName);
  }

  input(node: OnnxNode, i: number): string | undefined {
    const name = node.inputs[i];
    if (name === undefined || name === '') return undefined;
    const v = this.value(name);
    if (v === undefined) throw new ConversionError(`node "${node.name}" (${node.opType}) reads "${name}" before it is defined`, [], this.fileOption());
    return v;
  }

  requireInput(node: OnnxNode, i: number): string {
    const v = this.input(node, i);
    if (v === undefined) {
      throw new ConversionError(`node "${node.name}" (${node.opType}) needs input ${i}, which is omitted`, [], this.fileOption());
    }
    return v;
  }

  constant(node: OnnxNode, i: number): Tensor | undefined {
    const name = node.inputs[i];
    return name === undefined || name === '' ? undefined : this.constantValue(name);
  }

  info(name: string): OnnxValueInfo | undefined {
    return this.infos.get(name);
  }

  setOutput(node: OnnxNode, i: number, milValue: string): void {
    const name = node.outputs[i];
    if (name === undefined || name === '') return;
    this.bindings.set(name, { kind: 'mil', name: milValue });
  }

  setConstantOutput(node: OnnxNode, i: number, value: Tensor): void {
    const name = node.outputs[i];
    if (name === undefined || name === '') return;
    this.bindings.set(name, { kind: 'const', value });
  }

  convertNode(node: OnnxNode): void {
    const refused = unsupportedReason(node, this.opset);
    if (refused !== undefined) {
      this.outcomes.record(node, 'failed', refused);
      this.unsupported(node, refused);
    }
    try {
      this.b.withSource({ node: node.name, opType: qualifiedOpName(node) }, () => converterFor(node.opType)!.convert(node, this));
    } catch (err) {
      if (err instanceof ConversionError && err.unsupported.length > 0) this.outcomes.record(node, 'failed', failureReason(node, err));
      throw err;
    }
    const computed = node.outputs.every((o) => o === '' || this.constantValue(o) !== undefined);
    this.outcomes.record(node, computed ? 'folded' : 'converted');
  }

  recordFailure(node: OnnxNode, reason: string): void {
    this.outcomes.record(node, 'failed', reason);
  }

  padOutput(node: OnnxNode, i: number, padding: RowPadding): void {
    const name = node.outputs[i];
    if (name !== undefined && name !== '') this.paddedValues.set(name, padding);
  }

  warn(node: OnnxNode, message: string): void {
    this.warnings.push(`node "${node.name}" (${node.opType}): ${message}`);
  }

  unsupported(node: OnnxNode, reason: string): never {
    throw new ConversionError(
      `node "${node.name}" (${node.opType}) cannot be converted: ${reason}`,
      [{ op: qualifiedOpName(node), node: node.name, reason }],
      this.fileOption(),
    );
  }

  requireTarget(node: OnnxNode, target: DeploymentTarget, why: string): void {
    if (targetRank(this.target) >= targetRank(target)) return;
    if (!this.neededTarget || targetRank(target) > targetRank(this.neededTarget.target)) {
      this.neededTarget = { target, why: `node "${node.name}" (${node.opType}) ${why}` };
    }
    this.unsupported(node, `${why}, which needs ${target} or later (target is ${this.target})`);
  }

  deciders(name: string, shapeOnly = false): Deciders {
    this.producers ??= producersOf(this.graph);
    return decidersOf(name, this.producers, this.modelInputs, shapeOnly);
  }

  private fileOption(): { file?: string } {
    return this.file === undefined ? {} : { file: this.file };
  }
}

/** A refusal's reason for this node: its own, or the refusal inside its body that stopped it. */
function failureReason(node: OnnxNode, err: ConversionError): string {
  const own = err.unsupported.find((u) => u.node === node.name);
  if (own) return own.reason;
  const inner = err.unsupported[0]!;
  return `its body node "${inner.node}" (${inner.op}) cannot be converted: ${inner.reason}`;
}
