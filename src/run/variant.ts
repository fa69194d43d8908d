import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { VariantDefinition } from '../compress/variants.js';
import { readMlPackage, writeMlPackage } from '../coreml/package.js';
import { ToolError, errorMessage } from '../errors.js';
import type { DeploymentTarget } from '../mil/ir.js';
import type { OnnxModel } from '../onnx/ir.js';
import type { GateSettings, VariantResult } from '../report/schema.js';
import { ModelTimeoutError, type Deadline } from './deadline.js';
import { sizeOnDisk } from './files.js';
import { buildPreparedVariant, buildVariantModel, type BuiltVariant, type InterfaceSettings, type PreparedBuild } from './build.js';
import { firstDivergenceOfVariant } from './divergence.js';
import { buildMixedPrecisionVariant } from './mixed-precision.js';
import type { Gate } from '../parity/gates.js';
import type { TestDataSet } from '../reference/test-data-set.js';
import { describeInterface, type InterfaceSummary } from '../interface/describe.js';
import { packageDataSets, packageInterface } from '../verify/interface.js';
import { runReferenceEngine } from '../reference/onnxruntime.js';
import type { ConversionResult, PreparedModel } from '../convert/index.js';
import type { InputShapeOptions } from '../convert/input-shapes.js';
import type { References } from './references.js';
import { effectiveGate, gateLabel, verifyAgainstReferences } from './verify-variant.js';

/**
 * One variant of one model: convert with the variant's precision, compress its
 * weights, write the package, measure it, and verify it against the references.
 * Problems of this variant end up in its VariantResult; only a timeout, which
 * ends the whole model, is thrown on.
 */

export interface VariantJob {
  /** The model as read (with the run's input shapes): its outputs label the report's. */
  model: OnnxModel;
  /** The model prepared for this variant's target, once per model (see model.ts); throws what preparation refuses. */
  prepared: () => PreparedModel;
  /**
   * Hands this variant a conversion other variants of the model share (made by
   * `convert` when none is yet): the op-coverage one, or one at the same
   * precision and target. Without it the variant converts on its own.
   */
  shareConversion?: (convert: () => ConversionResult) => ConversionResult;
  variant: VariantDefinition;
  requestedTarget: DeploymentTarget;
  /** Where to write the package. */
  packagePath: string;
  /** The package path as the report shows it (relative to the output folder). */
  packageLabel: string;
  references: References;
  gates: GateSettings;
  deadline: Deadline;
  /** The model file as reports name it. */
  file: string;
  /** Dim ranges and enumerated shapes, for the conversions that search mixed precision and trace a failure. */
  shapes?: InputShapeOptions;
  /** The app-facing interface and the source facts its metadata records. */
  face?: InterfaceSettings;
  /** Told what an app sees of the built package (the model result shows it once). */
  onInterface?: (summary: InterfaceSummary) => void;
}

/**
 * What verifying a written package needs, all of it plain data but `rebuild`:
 * a worker can verify a package another one built.
 */
export interface VerifyJob {
  variant: VariantDefinition;
  /** The package to verify, and its path as the report shows it. */
  packagePath: string;
  packageLabel: string;
  references: References;
  /** The ONNX model's output names in graph order, which label the outputs of a plain package. */
  outputNames: readonly string[];
  /** The ONNX file onnxruntime runs again for a package with an image or classifier interface. */
  modelPath: string | undefined;
  gates: GateSettings;
  deadline: Deadline;
  /** The model file as reports name it. */
  file: string;
  /**
   * The model and this variant's program built again, for tracing where a failing
   * variant leaves fp32: the in-memory program records the ONNX node of every op,
   * which the package does not. Called only for a failure, so a verified variant's
   * program is not held while it is verified.
   */
  rebuild: () => Promise<RebuiltVariant>;
}

export interface RebuiltVariant {
  model: OnnxModel;
  built: BuiltVariant;
  shapes?: InputShapeOptions;
  face?: InterfaceSettings;
}

/** What verifying the package `buildVariantPackage` wrote for `job` needs. */
export function verifyJobOf(job: VariantJob, built: VariantResult): VerifyJob {
  return {
    variant: job.variant,
    packagePath: job.packagePath,
    packageLabel: job.packageLabel,
    references: job.references,
    outputNames: job.model.graph.outputs.map((o) => o.name),
    modelPath: job.model.sourcePath,
    gates: job.gates,
    deadline: job.deadline,
    file: job.file,
    rebuild: async () => ({
      model: job.model,
      built: rebuildVariant(job, built),
      ...(job.shapes === undefined ? {} : { shapes: job.shapes }),
      ...(job.face === undefined ? {} : { face: job.face }),
    }),
  };
}

/**
 * Converts, compresses and writes the variant's package and measures it: the
 * result so far, 'unverified' until `verifyVariantPackage` has judged it, or
 * 'error'. The program is dropped once written: verification reads the package.
 */
export async function buildVariantPackage(job: VariantJob): Promise<VariantResult> {
  const gate = effectiveGate(job.variant.gate, job.gates);
  const result: VariantResult = {
    name: job.variant.name,
    target: job.requestedTarget,
    status: 'unverified',
    sizeBytes: null,
    package: null,
    gate: gateLabel(gate),
    outputs: [],
    warnings: [],
  };
  try {
    job.deadline.check(`converting ${job.variant.name}`);
    const built = await buildForVariant(job, gate, result);
    result.target = built.target;
    result.warnings.push(...built.warnings);
    await mkdir(dirname(job.packagePath), { recursive: true });
    await writeMlPackage(built.model, job.packagePath);
    job.onInterface?.(describeInterface(built.model));
    result.sizeBytes = await sizeOnDisk(job.packagePath);
    result.package = job.packageLabel;
  } catch (err) {
    if (err instanceof ModelTimeoutError) throw err;
    result.status = 'error';
    result.error = errorSummary(err);
  }
  return result;
}

/** Whether there is anything to verify: a package was written and there are references. */
export function needsVerifying(job: Pick<VerifyJob, 'references'>, built: VariantResult): boolean {
  return built.status !== 'error' && job.references.source !== 'none';
}

/** Judges a written package against the references: `built` (from buildVariantPackage) completed with its outputs and verdict. */
export async function verifyVariantPackage(job: VerifyJob, built: VariantResult): Promise<VariantResult> {
  if (!needsVerifying(job, built)) return built;
  const result: VariantResult = { ...built, warnings: [...built.warnings] };
  const gate = effectiveGate(job.variant.gate, job.gates);
  try {
    // Verify what is on disk, not what is in memory: the package is the product. Its weights
    // are read as the run reaches them and let go of after their last use.
    const written = await readMlPackage(job.packagePath, { weights: 'on-demand' });
    // An image or classifier package is judged from the app's side: pixels in, labels out.
    const face = packageInterface(written, job.packageLabel);
    const modelPath = job.modelPath;
    const sets =
      face && modelPath !== undefined
        ? await packageDataSets(written, face, job.references.sets, (inputs) => runReferenceEngine(modelPath, inputs))
        : job.references.sets;
    result.outputs = verifyAgainstReferences({
      model: written,
      sets,
      outputNames: face ? written.outputs.map((o) => o.name) : job.outputNames,
      gate,
      deadline: job.deadline,
      file: job.file,
      packageFile: job.packageLabel,
    });
    result.status = result.outputs.length > 0 && result.outputs.every((o) => o.pass) ? 'passed' : 'failed';
    if (result.status === 'failed' && gate.kind === 'psnr') await traceFailure(job, result, sets, gate);
    const overflowed = result.outputs.filter((o) => !o.pass && o.reason?.includes('NaN or infinite'));
    if (job.variant.precision === 'fp16' && overflowed.length > 0) {
      result.warnings.push(
        `${overflowed.map((o) => `"${o.name}"`).join(', ')} became NaN or infinite in fp16 compute, where the reference is finite: ` +
          'values beyond ±65504 overflow float16; use fp32 compute precision for this model (the fp32 variant)',
      );
    }
  } catch (err) {
    if (err instanceof ModelTimeoutError) throw err;
    result.status = 'error';
    result.error = errorSummary(err);
  }
  return result;
}

/**
 * The variant's program as buildVariantPackage built it: the same conversion
 * (never the shared op-coverage one, which that build consumed), and for a
 * mixed-precision variant the ops its search kept in fp32, without searching again.
 */
function rebuildVariant(job: VariantJob, built: VariantResult): BuiltVariant {
  if (!job.variant.mixedPrecision) return buildPreparedVariant(job.prepared(), job.variant, job.requestedTarget, preparedBuild(job));
  const keep = new Set((built.fp32Ops?.ops ?? []).map((op) => op.outputName));
  return buildVariantModel(job.model, job.variant, job.requestedTarget, undefined, job.shapes, job.face, keep);
}

function preparedBuild(job: VariantJob, onProgress?: () => void): PreparedBuild {
  return {
    ...(onProgress ? { onProgress } : {}),
    ...(job.face ? { face: job.face } : {}),
    ...(job.shapes?.maxDetections === undefined ? {} : { maxDetections: job.shapes.maxDetections }),
  };
}

/** The variant's model; a mixed-precision one is searched on the references and says which ops it keeps in fp32. */
async function buildForVariant(job: VariantJob, gate: Gate, result: VariantResult): Promise<BuiltVariant> {
  const onProgress = () => job.deadline.check(`converting ${job.variant.name}`);
  if (!job.variant.mixedPrecision) {
    return buildPreparedVariant(job.prepared(), job.variant, job.requestedTarget, {
      ...preparedBuild(job, onProgress),
      ...(job.shareConversion ? { shareConversion: job.shareConversion } : {}),
    });
  }
  const { built, fp32Ops } = await buildMixedPrecisionVariant({
    model: job.model, variant: job.variant, requestedTarget: job.requestedTarget, sets: job.references.sets, gate,
    deadline: job.deadline, file: job.file, packageFile: job.packageLabel, onProgress,
    ...(job.shapes === undefined ? {} : { shapes: job.shapes }), ...(job.face === undefined ? {} : { face: job.face }),
  });
  result.fp32Ops = fp32Ops;
  return built;
}

/** Names, in the result, the first op where a failing fp16 or compressed variant leaves fp32; a failure to trace it is only a warning. */
async function traceFailure(job: VerifyJob, result: VariantResult, sets: readonly TestDataSet[], gate: Gate): Promise<void> {
  try {
    const { model, built, shapes, face } = await job.rebuild();
    result.firstDivergence = firstDivergenceOfVariant({
      model, variant: built.model, target: built.target, sets, gate, deadline: job.deadline, file: job.file,
      ...(shapes === undefined ? {} : { shapes }), ...(face === undefined ? {} : { face }),
    });
  } catch (err) {
    if (err instanceof ModelTimeoutError) throw err;
    result.warnings.push(`could not trace where ${job.variant.name} leaves fp32: ${errorSummary(err).message}`);
  }
}

/** Code and message of anything thrown; never a stack trace, since reports are public. */
export function errorSummary(err: unknown): { code: string; message: string } {
  if (err instanceof ToolError) return { code: err.code, message: err.message };
  return { code: 'INTERNAL', message: `internal error: ${errorMessage(err)}` };
}
