import { FP32_OP_BUDGET, findVariant, type VariantDefinition } from '../compress/variants.js';
import type { InputShapeOptions } from '../convert/input-shapes.js';
import type { DeploymentTarget } from '../mil/ir.js';
import type { OnnxModel } from '../onnx/ir.js';
import type { Gate } from '../parity/gates.js';
import { runReferenceEngine } from '../reference/onnxruntime.js';
import type { TestDataSet } from '../reference/test-data-set.js';
import type { Fp32OpsSummary } from '../report/schema.js';
import { packageDataSets, packageInterface } from '../verify/interface.js';
import { searchMixedPrecision } from '../verify/mixed-precision.js';
import { buildVariantModel, type BuiltVariant, type InterfaceSettings } from './build.js';
import type { Deadline } from './deadline.js';

/**
 * Builds a mixed-precision variant (fp16-auto, `convert --precision auto`): the fp32
 * program of the model is the yardstick, fp16 programs keeping more and more ops in fp32
 * are built until one passes the gate on the references (verify/mixed-precision.ts).
 */

export interface MixedPrecisionJob {
  model: OnnxModel;
  variant: VariantDefinition;
  requestedTarget: DeploymentTarget;
  /** The reference sets, in the ONNX model's terms. */
  sets: readonly TestDataSet[];
  gate: Gate;
  deadline: Deadline;
  /** The model file and the package, as messages name them. */
  file: string;
  packageFile: string;
  shapes?: InputShapeOptions;
  face?: InterfaceSettings;
  onProgress?: (done: number, total: number) => void;
}

export async function buildMixedPrecisionVariant(job: MixedPrecisionJob): Promise<{ built: BuiltVariant; fp32Ops: Fp32OpsSummary }> {
  const build = (variant: VariantDefinition, keep?: ReadonlySet<string>): BuiltVariant =>
    buildVariantModel(job.model, variant, job.requestedTarget, job.onProgress, job.shapes, job.face, keep);
  if (job.sets.length === 0) {
    const built = build(job.variant);
    return { built, fp32Ops: { count: 0, ops: [], budget: FP32_OP_BUDGET, stoppedBecause: 'no reference outputs to search with: plain fp16' } };
  }
  const fp32 = build(findVariant('fp32')!);
  const sets = await setsInPackageTerms(job, fp32);
  let last: BuiltVariant | undefined;
  const result = searchMixedPrecision({
    fp32: fp32.model,
    build: (keep) => {
      job.deadline.check(`building ${job.variant.name}`);
      last = build(job.variant, keep);
      return last.model;
    },
    sets,
    gate: job.gate,
    referenceFile: job.file,
    packageFile: job.packageFile,
    onOp: () => job.deadline.check(`searching the ops ${job.variant.name} keeps in fp32`),
  });
  const fp32Ops: Fp32OpsSummary = { count: result.kept.length, ops: result.kept, budget: result.budget };
  if (result.stoppedBecause !== undefined) fp32Ops.stoppedBecause = result.stoppedBecause;
  return { built: last!, fp32Ops };
}

/** An image or classifier package is judged from the app's side: the references in its terms, as verification does. */
async function setsInPackageTerms(job: MixedPrecisionJob, fp32: BuiltVariant): Promise<readonly TestDataSet[]> {
  const face = packageInterface(fp32.model, job.packageFile);
  const modelPath = job.model.sourcePath;
  if (!face || modelPath === undefined) return job.sets;
  return packageDataSets(fp32.model, face, job.sets, (inputs) => runReferenceEngine(modelPath, inputs));
}
