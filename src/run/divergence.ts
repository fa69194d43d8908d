import { findVariant } from '../compress/variants.js';
import type { CoreMLModel } from '../coreml/model.js';
import type { OnnxModel } from '../onnx/ir.js';
import type { Gate } from '../parity/gates.js';
import type { TestDataSet } from '../reference/test-data-set.js';
import type { InputShapeOptions } from '../convert/input-shapes.js';
import { traceDivergence, firstDivergenceOf, type FirstDivergence } from '../verify/divergence.js';
import { firstFailingSet, modelInputs } from '../verify/judge.js';
import { buildVariantModel, type InterfaceSettings } from './build.js';
import type { Deadline } from './deadline.js';

/**
 * For a variant that missed its gate: the first op where it leaves the fp32 program of
 * the same model (built here with the same target, shapes and interface), traced on the
 * first reference set it fails. Both programs are the in-memory ones, which record the
 * ONNX node of every op.
 */
export interface DivergenceJob {
  model: OnnxModel;
  variant: CoreMLModel;
  target: BuiltTarget;
  sets: readonly TestDataSet[];
  gate: Gate;
  deadline: Deadline;
  file: string;
  shapes?: InputShapeOptions;
  face?: InterfaceSettings;
}

type BuiltTarget = Parameters<typeof buildVariantModel>[2];

export function firstDivergenceOfVariant(job: DivergenceJob): FirstDivergence | null {
  const onOp = () => job.deadline.check('tracing where the variant leaves fp32');
  const set = job.sets.length === 1 ? job.sets[0] : (firstFailingSet(job.variant, job.sets, { gate: job.gate, referenceFile: job.file, packageFile: job.file, onOp }) ?? job.sets[0]);
  if (!set) return null;
  const fp32 = buildVariantModel(job.model, findVariant('fp32')!, job.target, undefined, job.shapes, job.face).model;
  const inputs = { fp32: modelInputs(fp32, set, job.file), variant: modelInputs(job.variant, set, job.file) };
  const profile = traceDivergence(fp32, job.variant, inputs, { fp32: job.file, variant: job.file }, { onOp });
  return profile.first ? firstDivergenceOf(profile.first) : null;
}
