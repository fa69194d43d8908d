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
import { buildPreparedVariant, type BuiltVariant, type InterfaceSettings } from './build.js';
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
  /** A conversion already made at this variant's precision and target (the op-coverage one), used instead of converting again. */
  converted?: ConversionResult;
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

/** A conversion result for a variant: the target it was built for, MIL op counts taken after compression. */
export async function runVariant(job: VariantJob): Promise<VariantResult> {
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
    if (job.references.source === 'none') return result;
    // Verify what is on disk, not what is in memory: the package is the product.
    const written = await readMlPackage(job.packagePath);
    // An image or classifier package is judged from the app's side: pixels in, labels out.
    const face = packageInterface(written, job.packageLabel);
    const modelPath = job.model.sourcePath;
    const sets =
      face && modelPath !== undefined
        ? await packageDataSets(written, face, job.references.sets, (inputs) => runReferenceEngine(modelPath, inputs))
        : job.references.sets;
    result.outputs = verifyAgainstReferences({
      model: written,
      sets,
      outputNames: face ? written.outputs.map((o) => o.name) : job.model.graph.outputs.map((o) => o.name),
      gate,
      deadline: job.deadline,
      file: job.file,
      packageFile: job.packageLabel,
    });
    result.status = result.outputs.length > 0 && result.outputs.every((o) => o.pass) ? 'passed' : 'failed';
    if (result.status === 'failed' && gate.kind === 'psnr') traceFailure(job, result, built, sets, gate);
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

/** The variant's model; a mixed-precision one is searched on the references and says which ops it keeps in fp32. */
async function buildForVariant(job: VariantJob, gate: Gate, result: VariantResult): Promise<BuiltVariant> {
  const onProgress = () => job.deadline.check(`converting ${job.variant.name}`);
  if (!job.variant.mixedPrecision) {
    return buildPreparedVariant(job.prepared(), job.variant, job.requestedTarget, {
      onProgress,
      ...(job.face ? { face: job.face } : {}),
      ...(job.converted ? { converted: job.converted } : {}),
      ...(job.shapes?.maxDetections === undefined ? {} : { maxDetections: job.shapes.maxDetections }),
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
function traceFailure(job: VariantJob, result: VariantResult, built: BuiltVariant, sets: readonly TestDataSet[], gate: Gate): void {
  try {
    result.firstDivergence = firstDivergenceOfVariant({
      model: job.model, variant: built.model, target: built.target, sets, gate, deadline: job.deadline, file: job.file,
      ...(job.shapes === undefined ? {} : { shapes: job.shapes }), ...(job.face === undefined ? {} : { face: job.face }),
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
