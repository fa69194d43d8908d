import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { compressProgram } from '../compress/apply.js';
import { targetForVariant, type VariantDefinition } from '../compress/variants.js';
import { convertOnnxModel } from '../convert/index.js';
import type { CoreMLModel } from '../coreml/model.js';
import { readMlPackage, writeMlPackage } from '../coreml/package.js';
import { ToolError, errorMessage } from '../errors.js';
import type { DeploymentTarget } from '../mil/ir.js';
import { validateProgram } from '../mil/validate.js';
import type { OnnxModel } from '../onnx/ir.js';
import type { GateSettings, VariantResult } from '../report/schema.js';
import { ModelTimeoutError, type Deadline } from './deadline.js';
import { sizeOnDisk } from './files.js';
import type { References } from './references.js';
import { effectiveGate, gateLabel, verifyAgainstReferences } from './verify-variant.js';

/**
 * One variant of one model: convert with the variant's precision, compress its
 * weights, write the package, measure it, and verify it against the references.
 * Problems of this variant end up in its VariantResult; only a timeout, which
 * ends the whole model, is thrown on.
 */

export interface VariantJob {
  model: OnnxModel;
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
}

export interface BuiltVariant {
  model: CoreMLModel;
  target: DeploymentTarget;
  warnings: string[];
}

/**
 * Converts and compresses without writing: the Core ML model of a variant. Exported for
 * `convert --compress`, which builds one variant of one model.
 */
export function buildVariantModel(
  model: OnnxModel,
  variant: VariantDefinition,
  requestedTarget: DeploymentTarget,
  onNode?: () => void,
): BuiltVariant {
  const { target, raised } = targetForVariant(variant, requestedTarget);
  const warnings = raised ? [`${variant.name} needs ${target} or later; deployment target raised from ${requestedTarget} to ${target}`] : [];
  const converted = convertOnnxModel(model, { target, precision: variant.precision, onProgress: onNode });
  warnings.push(...converted.warnings);
  if (variant.compression) {
    // Conversion has already run the fp16 pass, so the weights of an fp16 program are fp16
    // constants; their constexpr replacements must produce fp16 too, or every fp16 op reading
    // a weight would see fp32 and the program would be rejected.
    const outputDType = variant.precision === 'fp16' ? 'float16' : 'float32';
    const stats = compressProgram(converted.model.program, variant.compression, { target, outputDType });
    if (stats.compressed === 0) warnings.push(`${variant.name}: no weight is large enough to compress; the package holds the uncompressed weights`);
    const problems = validateProgram(converted.model.program);
    if (problems.length > 0) {
      throw new ToolError('CONVERSION', `${variant.name} compression produced a program Core ML would reject: ${problems[0]}`, fileOf(model));
    }
  }
  return { model: converted.model, target, warnings };
}

function fileOf(model: OnnxModel): { file?: string } {
  return model.sourcePath === undefined ? {} : { file: model.sourcePath };
}

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
    const built = buildVariantModel(job.model, job.variant, job.requestedTarget, () => job.deadline.check(`converting ${job.variant.name}`));
    result.target = built.target;
    result.warnings.push(...built.warnings);
    await mkdir(dirname(job.packagePath), { recursive: true });
    await writeMlPackage(built.model, job.packagePath);
    result.sizeBytes = await sizeOnDisk(job.packagePath);
    result.package = job.packageLabel;
    if (job.references.source === 'none') return result;
    // Verify what is on disk, not what is in memory: the package is the product.
    const written = await readMlPackage(job.packagePath);
    result.outputs = verifyAgainstReferences({
      model: written,
      sets: job.references.sets,
      outputNames: job.model.graph.outputs.map((o) => o.name),
      gate,
      deadline: job.deadline,
      file: job.file,
    });
    result.status = result.outputs.length > 0 && result.outputs.every((o) => o.pass) ? 'passed' : 'failed';
  } catch (err) {
    if (err instanceof ModelTimeoutError) throw err;
    result.status = 'error';
    result.error = errorSummary(err);
  }
  return result;
}

/** Code and message of anything thrown; never a stack trace, since reports are public. */
export function errorSummary(err: unknown): { code: string; message: string } {
  if (err instanceof ToolError) return { code: err.code, message: err.message };
  return { code: 'INTERNAL', message: `internal error: ${errorMessage(err)}` };
}
