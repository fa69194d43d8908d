import type { OnnxNode, OnnxValueInfo } from '../onnx/ir.js';
import type { MilBuilder } from '../mil/builder.js';
import type { DeploymentTarget } from '../mil/ir.js';
import type { Deciders } from './deciders.js';
import type { Tensor } from '../tensor/tensor.js';
import type { RowPaddingRecord } from '../coreml/padded-outputs.js';

/**
 * The newest ai.onnx opset whose operator definitions the converters follow.
 * A model with a newer opset is refused op by op rather than converted on guesses.
 */
export const LATEST_ONNX_OPSET = 22;

/**
 * What a converter sees while it turns one ONNX node into MIL ops.
 * The converter reads inputs through the context and binds each ONNX output
 * to a MIL value with `setOutput`; it never touches files.
 */
export interface ConvertContext {
  readonly b: MilBuilder;
  /** ai.onnx opset of the model. */
  readonly opset: number;
  readonly target: DeploymentTarget;
  /** MIL value for input `i` of the node; undefined when the input is omitted (''). Constants become const ops on first use. */
  input(node: OnnxNode, i: number): string | undefined;
  /** Like input() but throws a ConversionError naming the node when the input is missing. */
  requireInput(node: OnnxNode, i: number): string;
  /** The constant value of input `i`, when it is an initializer or was folded; int64 is kept as int64 here. */
  constant(node: OnnxNode, i: number): Tensor | undefined;
  /** Whether an ONNX value is a graph input (one `--freeze` can fix). */
  isModelInput(name: string): boolean;
  /** ONNX type of a value (after shape inference). */
  info(name: string): OnnxValueInfo | undefined;
  /** Binds ONNX output `i` of the node to a MIL value. */
  setOutput(node: OnnxNode, i: number, milValue: string): void;
  /** Binds ONNX output `i` to a constant computed at conversion time (no MIL op unless used). */
  setConstantOutput(node: OnnxNode, i: number, value: Tensor): void;
  /**
   * Converts one node, of the graph or of a subgraph body, with its converter:
   * the MIL ops it adds record the node as their source, and its outcome goes
   * into the coverage table. Throws a ConversionError when the node is refused.
   */
  convertNode(node: OnnxNode): void;
  /** Records a node as refused without converting it (a body node that keeps its enclosing node from converting). */
  recordFailure(node: OnnxNode, reason: string): void;
  /** The most rows a data-dependent detection output may take (`--max-detections`), when given. */
  readonly maxDetections: number | undefined;
  /**
   * Records that ONNX output `i` of the node holds a run-time number of valid rows
   * first, then rows of `padValue` up to its fixed row count: verify compares the
   * valid rows only, and the package says so.
   */
  padOutput(node: OnnxNode, i: number, padding: RowPadding): void;
  /** Records a warning shown to the user (e.g. an attribute that is ignored). */
  warn(node: OnnxNode, message: string): void;
  /** Throws a ConversionError for this node: the reason says what is not supported. */
  unsupported(node: OnnxNode, reason: string): never;
  /**
   * Refuses the node when the deployment target is older than `target`, noting the
   * target it needs: the conversion is then repeated at that target, with a warning.
   */
  requireTarget(node: OnnxNode, target: DeploymentTarget, why: string): void;
  /** The model inputs a value (or with `shapeOnly`, its shape) is computed from, by value or only through their shapes. */
  deciders(name: string, shapeOnly?: boolean): Deciders;
}

/** How a padded output is laid out: `rows` rows, the valid ones first, then rows filled with `padValue`. */
export type RowPadding = RowPaddingRecord;

export interface OpConverter {
  /** ai.onnx opset range handled, inclusive. */
  opsets: readonly [number, number];
  /** MIL ops this converter may emit (for the coverage table and docs). */
  milOps: readonly string[];
  /** Known limits, shown in docs/ops.md. */
  limits?: string;
  convert(node: OnnxNode, ctx: ConvertContext): void;
}

/** One op family's converters, keyed by ONNX op type (ai.onnx domain). */
export type ConverterTable = Readonly<Record<string, OpConverter>>;
