import { mkdir, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { checkOnnxModel } from './convert/coverage.js';
import { convertOnnxModel } from './convert/index.js';
import type { InputShapeOptions } from './convert/input-shapes.js';
import { writeMlPackage } from './coreml/package.js';
import type { DeploymentTarget } from './mil/ir.js';
import { loadOnnxModel } from './onnx/load.js';
import { freezeInputs, freezeValuesFor } from './onnx/passes/freeze.js';
import { buildVariantModel, compressionVariant, withInterface, type BuiltVariant, type InterfaceSettings } from './run/build.js';
import { ToolError } from './errors.js';
import type { Fp32OpsSummary } from './report/schema.js';
import { fileSha256, resolveInterface, sourceFactsOf, type InterfaceRequest } from './convert/interface-source.js';
import type { OnnxModel } from './onnx/ir.js';

/**
 * The work for one model, as plain async functions: load → check → convert →
 * write. The CLI and the GitHub Action are thin shells over these; neither
 * holds conversion logic of its own.
 */

/** Compute precision; `auto` is fp16 with the fewest ops kept in fp32 that pass the fp16 gate (run/mixed-precision.ts). */
export type Precision = 'fp16' | 'fp32' | 'auto';

/** Limits handed to the ONNX loader (size caps, depth caps); the loader documents them. */
export type LoadLimits = NonNullable<Parameters<typeof loadOnnxModel>[1]>;

export type CoverageReport = ReturnType<typeof checkOnnxModel>;
export type OpCoverage = CoverageReport['ops'][number];
export type UnsupportedOp = CoverageReport['unsupported'][number];

/** Stages reported to `onProgress`; only `convert` counts nodes, the others report 0/1 → 1/1. */
export type PipelineStage = 'load' | 'convert' | 'write';

export interface ConvertFileOptions {
  target: DeploymentTarget;
  precision: Precision;
  limits?: LoadLimits;
  onProgress?: (stage: PipelineStage, done: number, total: number) => void;
  /**
   * A compression variant (int8, int4, palettize1..8, prune50): weights are compressed
   * after conversion, and the target is raised, with a warning, when the variant needs it.
   */
  compress?: string;
  /** Model inputs fixed to these values before conversion (dtype and shape from the model input). */
  freeze?: Record<string, readonly number[]>;
  /** Input shapes, dim ranges and enumerated shapes, by input name (see `convert/input-shapes.ts`). */
  inputShapes?: InputShapeOptions['inputShapes'];
  ranges?: InputShapeOptions['ranges'];
  enumeratedShapes?: InputShapeOptions['enumeratedShapes'];
  /** Rows a NonMaxSuppression output is padded to (see `convert/input-shapes.ts`). */
  maxDetections?: number;
  /** The app-facing interface: image inputs/outputs, class labels, metadata (see `interface/`). */
  interface?: InterfaceRequest;
}

/** Seconds spent in each stage, measured with a monotonic clock. */
export interface StageTimings {
  load: number;
  check: number;
  convert: number;
  write: number;
}

export interface CheckFileResult {
  /** The ONNX path as given. */
  model: string;
  ops: OpCoverage[];
  unsupported: UnsupportedOp[];
}

export interface ConvertFileResult extends CheckFileResult {
  /** The .mlpackage path as given. */
  output: string;
  target: DeploymentTarget;
  precision: Precision;
  /** Size of the ONNX file on disk. */
  onnxBytes: number;
  /** Size of the written package (all files). */
  sizeBytes: number;
  /** Size of weights/weight.bin inside the package. */
  weightBytes: number;
  /** Wall time from the start of loading to the end of writing. */
  seconds: number;
  timings: StageTimings;
  warnings: string[];
  /** ONNX value names that had to change to be valid MIL identifiers: original → new. */
  renamed: Record<string, string>;
  /** ONNX op type → node count in the input model. */
  onnxOps: Record<string, number>;
  /** MIL op type → operation count in the written program. */
  milOps: Record<string, number>;
  /** What the interface did (folded normalization numbers, an added softmax, the labels used). */
  interfaceNotes: string[];
  /** With `--precision auto`: the ops kept in fp32. */
  fp32Ops?: Fp32OpsSummary;
}

const seconds = (startMs: number): number => (performance.now() - startMs) / 1000;

async function fileSize(path: string): Promise<number> {
  return (await stat(path)).size;
}

/** Op coverage of an in-memory model, labelled with the file it came from. */
export function checkModel(onnxPath: string, model: OnnxModel): CheckFileResult {
  const coverage = checkOnnxModel(model);
  return { model: onnxPath, ops: coverage.ops, unsupported: coverage.unsupported };
}

/** Reads an ONNX file and reports which of its ops convert, writing nothing. */
export async function checkFile(onnxPath: string, limits?: LoadLimits): Promise<CheckFileResult> {
  const model = await loadOnnxModel(onnxPath, limits);
  return checkModel(onnxPath, model);
}

/**
 * Converts one ONNX file into an .mlpackage at `outPath` (replacing it).
 * Nothing is written unless every node converts. Throws ToolError subclasses for anything
 * the user can fix: unreadable input (ModelInputError) or unsupported ops
 * (ConversionError with every offending node).
 */
export async function convertFile(onnxPath: string, outPath: string, options: ConvertFileOptions): Promise<ConvertFileResult> {
  const report = options.onProgress ?? (() => undefined);
  const started = performance.now();

  report('load', 0, 1);
  // Weights stay in the file until the conversion reads them: the model never holds them beside the package's.
  const loaded = await loadOnnxModel(onnxPath, options.limits, { weights: 'on-demand' });
  const model = options.freeze ? freezeInputs(loaded, freezeValuesFor(loaded, options.freeze)) : loaded;
  // After a successful load the file exists; its size is the input size for throughput figures.
  const onnxBytes = await fileSize(onnxPath);
  const load = seconds(started);
  report('load', 1, 1);

  // Coverage comes from the conversion itself; `check` stays in the timings as the time spent on it apart (none).
  const check = 0;

  // The converter refuses unsupported models itself, with one ConversionError listing every node.
  const convertStarted = performance.now();
  const onConvertProgress = (done: number, total: number) => report('convert', done, total);
  const shapes = shapeOptionsOf(options);
  // Every package records the source file's SHA-256, so the interface is always applied.
  const face = { options: await resolveInterface(options.interface ?? {}, model), source: sourceFactsOf(model, await fileSha256(onnxPath)) };
  const precision = options.precision;
  const auto = precision === 'auto' ? await convertMixedPrecision(onnxPath, outPath, model, options, shapes, face, onConvertProgress) : undefined;
  const converted =
    auto?.built ??
    (options.compress === undefined || precision === 'auto'
      ? withInterface(convertOnnxModel(model, { target: options.target, precision: precision === 'auto' ? 'fp16' : precision, onProgress: onConvertProgress, ...shapes }), face)
      : buildVariantModel(model, compressionVariant(options.compress, precision), options.target, onConvertProgress, shapes, face));
  const convert = seconds(convertStarted);

  report('write', 0, 1);
  const writeStarted = performance.now();
  await mkdir(dirname(outPath), { recursive: true });
  const written = await writeMlPackage(converted.model, outPath);
  const write = seconds(writeStarted);
  report('write', 1, 1);

  return {
    model: onnxPath,
    output: outPath,
    target: converted.target,
    precision: options.precision,
    ops: converted.coverage.ops,
    unsupported: [],
    onnxBytes,
    sizeBytes: written.sizeBytes,
    weightBytes: written.weightBytes,
    seconds: seconds(started),
    timings: { load, check, convert, write },
    warnings: converted.warnings,
    renamed: converted.renamed,
    onnxOps: converted.onnxOps,
    milOps: converted.milOps,
    interfaceNotes: converted.interfaceNotes,
    ...(auto === undefined ? {} : { fp32Ops: auto.fp32Ops }),
  };
}

/**
 * `--precision auto`: the references are found as `report` finds them (test data beside the
 * model, else onnxruntime on seeded inputs), then the fp16 program keeping the fewest ops in
 * fp32 that pass the fp16 gate on them is searched. Loaded on demand: it runs the interpreter.
 */
async function convertMixedPrecision(
  onnxPath: string,
  outPath: string,
  model: OnnxModel,
  options: ConvertFileOptions,
  shapes: InputShapeOptions,
  face: InterfaceSettings,
  onProgress: (done: number, total: number) => void,
): Promise<{ built: BuiltVariant; fp32Ops: Fp32OpsSummary }> {
  if (options.compress !== undefined) throw new ToolError('USAGE', '--precision auto cannot be combined with --compress');
  const [{ findReferences }, { buildMixedPrecisionVariant }, { Deadline }, { findVariant }, { FP16_GATE }] = await Promise.all([
    import('./run/references.js'), import('./run/mixed-precision.js'), import('./run/deadline.js'), import('./compress/variants.js'), import('./parity/gates.js'),
  ]);
  const deadline = new Deadline(onnxPath, undefined);
  const stem = basename(onnxPath).replace(/\.onnx$/i, '');
  const references = await findReferences({ modelPath: onnxPath, dataDir: dirname(onnxPath), stem, model, deadline });
  if (references.source === 'none') {
    throw new ToolError('REFERENCE', `--precision auto needs reference outputs: ${references.unverifiedReason ?? 'none could be had'}`, { file: onnxPath });
  }
  const result = await buildMixedPrecisionVariant({
    model, variant: findVariant('fp16-auto')!, requestedTarget: options.target, sets: references.sets, gate: FP16_GATE,
    deadline, file: onnxPath, packageFile: outPath, shapes, face, onProgress,
  });
  const warnings = [...references.warnings, ...result.built.warnings];
  if (result.fp32Ops.stoppedBecause !== undefined) {
    warnings.push(`--precision auto kept ${result.fp32Ops.count} op(s) in fp32 and still misses the fp16 gate: ${result.fp32Ops.stoppedBecause}`);
  }
  return { built: { ...result.built, warnings }, fp32Ops: result.fp32Ops };
}

function shapeOptionsOf(options: InputShapeOptions): InputShapeOptions {
  const { inputShapes, ranges, enumeratedShapes, maxDetections } = options;
  return {
    ...(maxDetections === undefined ? {} : { maxDetections }),
    ...(inputShapes === undefined ? {} : { inputShapes }),
    ...(ranges === undefined ? {} : { ranges }),
    ...(enumeratedShapes === undefined ? {} : { enumeratedShapes }),
  };
}
