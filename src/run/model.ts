import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { VariantDefinition } from '../compress/variants.js';
import { targetForVariant } from '../compress/variants.js';
import { coverageConversion } from '../convert/coverage.js';
import { convertPreparedModel, prepareOnnxModel, type ConversionResult, type PreparedModel } from '../convert/index.js';
import { applyInputShapeOptions, type InputShapeOptions } from '../convert/input-shapes.js';
import { fileSha256, resolveInterface, sourceFactsOf, type InterfaceRequest } from '../convert/interface-source.js';
import { freezeInputs, freezeValuesFor } from '../onnx/passes/freeze.js';
import type { DeploymentTarget } from '../mil/ir.js';
import type { OnnxModel } from '../onnx/ir.js';
import { loadOnnxModel } from '../onnx/load.js';
import type { GateSettings, ModelResult, ModelStatus, VariantResult } from '../report/schema.js';
import { Deadline } from './deadline.js';
import type { InterfaceSummary } from '../interface/describe.js';
import type { InterfaceSettings } from './build.js';
import { findReferences, type References } from './references.js';
import { SharedConversions, conversionKey } from './shared-conversions.js';
import { buildVariantPackage, errorSummary, needsVerifying, verifyJobOf, verifyVariantPackage, type VariantJob, type VerifyJob } from './variant.js';

/**
 * The whole pipeline for one model, isolated from every other model: anything
 * that goes wrong, including running out of time, ends up in its ModelResult.
 */

export interface ModelJob {
  /** The ONNX file to read. */
  onnxPath: string;
  /** The model's path as reports show it (relative to the repository). */
  label: string;
  /** Where the test data lives (beside the model in the working tree). */
  dataDir: string;
  /** The model's file name stem, for `<stem>.npz` test data. */
  stem: string;
  /** Folder the variant packages are written to. */
  packageDir: string;
  /** Prefix of package paths in the report (the model's folder relative to the output folder). */
  packagePrefix: string;
  variants: readonly VariantDefinition[];
  target: DeploymentTarget;
  gates: GateSettings;
  timeoutSeconds?: number;
  /** Input shapes by input name; names the model does not have are ignored. */
  inputShapes?: Record<string, number[]>;
  /** This model's own settings (from the settings file): frozen inputs, dim ranges, the interface. */
  freeze?: Record<string, readonly number[]>;
  ranges?: InputShapeOptions['ranges'];
  enumeratedShapes?: InputShapeOptions['enumeratedShapes'];
  /** Rows ONNX NonMaxSuppression's selected_indices are padded to. */
  maxDetections?: number;
  interface?: InterfaceRequest;
  progress: (message: string) => void;
}

/** The whole pipeline for one model, each variant verified in turn after it is built. */
export function runModelJob(job: ModelJob): Promise<ModelResult> {
  return runModelPipeline(job, (verify, built) => verifyWithProgress(job, verify, built)).then(({ result }) => result);
}

/**
 * Where a variant goes once its package is written: verified in turn here (one
 * job), or handed to another worker (parallel.ts), in which case the result
 * so far stands in for it until that worker's verdict replaces it.
 */
export type VerifyStep = (job: VerifyJob, built: VariantResult) => Promise<VariantResult | undefined>;

/** Verifies a built variant, saying so when there is anything to verify. */
export function verifyWithProgress(job: Pick<ModelJob, 'label' | 'progress'>, verify: VerifyJob, built: VariantResult): Promise<VariantResult> {
  if (needsVerifying(verify, built)) job.progress(`${job.label}: verifying ${verify.variant.name}`);
  return verifyVariantPackage(verify, built);
}

/** A model's result, and why it is unverified should its variants' verdicts leave it so. */
export interface PipelineOutcome {
  result: ModelResult;
  unverifiedReason?: string;
}

/**
 * Reads the model, takes its op coverage and reference outputs once, then
 * builds and writes each variant and passes it to `verify`. Anything that goes
 * wrong, including running out of time, ends up in the ModelResult.
 */
export async function runModelPipeline(job: ModelJob, verify: VerifyStep): Promise<PipelineOutcome> {
  const started = performance.now();
  const deadline = new Deadline(job.label, job.timeoutSeconds);
  const outcome: PipelineOutcome = { result: emptyModelResult(job.label) };
  const { result } = outcome;
  try {
    const stage = await startModel(job, deadline, result);
    if (stage) {
      for (const variant of job.variants) {
        const variantJob = variantJobOf(job, stage, variant, deadline, (summary) => {
          result.interface ??= summary;
        });
        job.progress(`${job.label}: building ${variant.name}`);
        const built = await buildVariantPackage(variantJob);
        const verified = await verify(verifyJobOf(variantJob, built), built);
        result.variants.push(relabelVariant(verified ?? built, job.onnxPath, job.label));
      }
      if (stage.references.unverifiedReason !== undefined) outcome.unverifiedReason = relabel(stage.references.unverifiedReason, job.onnxPath, job.label);
      settleModelStatus(outcome);
    }
  } catch (err) {
    result.status = 'error';
    result.error = relabelError(errorSummary(err), job.onnxPath, job.label);
  }
  result.seconds = (performance.now() - started) / 1000;
  return outcome;
}

/** A converted model's status from its variants' verdicts, and why it is unverified when it is. */
export function settleModelStatus({ result, unverifiedReason }: PipelineOutcome): void {
  result.status = modelStatusOf(result.variants);
  if (result.status === 'unverified') result.unverifiedReason = unverifiedReason ?? 'no variant was verified';
  else delete result.unverifiedReason;
}

/** What every variant of a model shares, made once per model. */
export interface ModelStage {
  /** The model as read, inputs frozen and shaped as the job says. */
  model: OnnxModel;
  prepared: (target: DeploymentTarget, withShapes: boolean) => PreparedModel;
  shapes: InputShapeOptions;
  references: References;
  face: InterfaceSettings;
  /** Conversions more than one variant makes (the op-coverage one among them), until their last variant has taken them. */
  conversions?: SharedConversions;
}

/** Reading, op coverage and references, recorded in `result`; undefined when the model cannot be converted. */
async function startModel(job: ModelJob, deadline: Deadline, result: ModelResult): Promise<ModelStage | undefined> {
  job.progress(`${job.label}: reading`);
  const model = await readJobModel(job);
  result.onnxBytes = (await stat(job.onnxPath)).size;
  deadline.check('checking op coverage');
  const shapes = shapeOptions(job);
  const prepared = preparations(model, shapes);
  // The coverage conversion is the fp32 one at the requested target; the fp32 variant reuses it.
  const bounds = job.maxDetections === undefined ? {} : { maxDetections: job.maxDetections };
  const { coverage, converted } = coverageConversion(model, () => convertPreparedModel(prepared(job.target, false), { target: job.target, precision: 'fp32', ...bounds }));
  result.coverage = coverage.ops;
  result.unsupported = coverage.unsupported.map((u) => ({ op: u.op, node: u.node, reason: u.reason }));
  if (coverage.unsupported.length > 0) {
    result.status = 'unsupported';
    return undefined;
  }
  job.progress(`${job.label}: computing reference outputs`);
  const references = await findReferences({ modelPath: job.onnxPath, dataDir: job.dataDir, stem: job.stem, model, deadline });
  result.reference = references.source;
  if (references.engine !== undefined) result.referenceEngine = references.engine;
  result.warnings.push(...references.warnings.map((w) => relabel(w, job.onnxPath, job.label)));
  const conversions = new SharedConversions(job.variants.map((variant) => conversionKey(variant, targetForVariant(variant, job.target).target)));
  // The coverage conversion is the fp32 one at the requested target, unless dim ranges make the variants' preparation another.
  if (!hasShapes(shapes)) conversions.offer(conversionKey({ precision: 'fp32' }, job.target)!, converted);
  return { model, prepared, shapes, references, face: await faceOf(job, model), conversions };
}

/**
 * What rebuilding a variant needs, made again from the job in a worker that
 * has only the job and the references: the model read and prepared as
 * `startModel` did, without op coverage or references.
 */
export async function restartModel(job: ModelJob, references: References): Promise<ModelStage> {
  const model = await readJobModel(job);
  const shapes = shapeOptions(job);
  return { model, prepared: preparations(model, shapes), shapes, references, face: await faceOf(job, model) };
}

/** The model read, its inputs frozen and shaped as the job says. */
async function readJobModel(job: ModelJob): Promise<OnnxModel> {
  // Weights are read from the file as each conversion needs them: a build holds one model's
  // weights at a time, not the ONNX ones beside every conversion's.
  const loaded = await loadOnnxModel(job.onnxPath, undefined, { weights: 'on-demand' });
  return withInputShapes(job.freeze ? freezeInputs(loaded, freezeValuesFor(loaded, job.freeze)) : loaded, job);
}

function shapeOptions(job: ModelJob): InputShapeOptions {
  return {
    ...(job.ranges === undefined ? {} : { ranges: job.ranges }),
    ...(job.enumeratedShapes === undefined ? {} : { enumeratedShapes: job.enumeratedShapes }),
    ...(job.maxDetections === undefined ? {} : { maxDetections: job.maxDetections }),
  };
}

/** Every package records its source's SHA-256, so the interface applies even when none was asked for. */
async function faceOf(job: ModelJob, model: OnnxModel): Promise<InterfaceSettings> {
  return { options: await resolveInterface(job.interface ?? {}, model), source: sourceFactsOf(model, await fileSha256(job.onnxPath)) };
}

/** One variant's job within its model's. */
export function variantJobOf(job: ModelJob, stage: ModelStage, variant: VariantDefinition, deadline: Deadline, onInterface?: (summary: InterfaceSummary) => void): VariantJob {
  const target = targetForVariant(variant, job.target).target;
  const key = conversionKey(variant, target);
  const { conversions } = stage;
  return {
    model: stage.model,
    prepared: () => stage.prepared(target, true),
    ...(conversions && key !== undefined ? { shareConversion: (convert: () => ConversionResult) => conversions.take(key, convert) } : {}),
    variant,
    requestedTarget: job.target,
    packagePath: join(job.packageDir, `${variant.name}.mlpackage`),
    packageLabel: `${job.packagePrefix}/${variant.name}.mlpackage`,
    references: stage.references,
    gates: job.gates,
    deadline,
    file: job.label,
    shapes: stage.shapes,
    face: stage.face,
    ...(onInterface ? { onInterface } : {}),
  };
}

const hasShapes = (shapes: InputShapeOptions): boolean => shapes.ranges !== undefined || shapes.enumeratedShapes !== undefined;

/**
 * The model prepared once (inputs frozen and shaped, shapes inferred, constants
 * folded) for every conversion of it. Without dim ranges or enumerated shapes
 * preparation does not depend on the target, so one serves all; with them,
 * one per target (the shape rules depend on it), and op coverage, which is
 * taken without them as `check` takes it, has its own. A preparation that
 * fails is not kept: each variant that needs it reports the error.
 */
function preparations(model: OnnxModel, shapes: InputShapeOptions): (target: DeploymentTarget, withShapes: boolean) => PreparedModel {
  const made = new Map<string, PreparedModel>();
  return (target, withShapes) => {
    const shaped = withShapes && hasShapes(shapes);
    const key = shaped ? target : 'plain';
    let p = made.get(key);
    if (!p) {
      p = prepareOnnxModel(model, { target, ...(shaped ? shapes : {}) });
      made.set(key, p);
    }
    return p;
  };
}

/**
 * The model with the run's input shapes applied to the inputs it has: a run covers many
 * models, so a shape for an input another model has is no error here.
 */
function withInputShapes(model: OnnxModel, job: ModelJob): OnnxModel {
  const given = job.inputShapes ?? {};
  const names = new Set(model.graph.inputs.map((i) => i.name));
  const inputShapes = Object.fromEntries(Object.entries(given).filter(([name]) => names.has(name)));
  return applyInputShapeOptions(model, { inputShapes }, job.target).model;
}

/** A converted model's status from its variants. */
export function modelStatusOf(variants: readonly VariantResult[]): ModelStatus {
  if (variants.some((v) => v.status === 'failed' || v.status === 'error')) return 'failed';
  // Nothing is reported as passed that did not run: without references the model stays unverified.
  return variants.length > 0 && variants.every((v) => v.status === 'passed') ? 'passed' : 'unverified';
}

/**
 * Messages from the loader and converter name the file as it was opened (absolute, or a
 * temporary copy for a base version); reports name it by its repository path instead.
 */
export function relabel(message: string, openedAs: string, label: string): string {
  return openedAs === label ? message : message.split(openedAs).join(label);
}

export function relabelError(error: { code: string; message: string }, openedAs: string, label: string) {
  return { code: error.code, message: relabel(error.message, openedAs, label) };
}

export function relabelVariant(v: VariantResult, openedAs: string, label: string): VariantResult {
  const out: VariantResult = { ...v, warnings: v.warnings.map((w) => relabel(w, openedAs, label)) };
  if (v.error) out.error = relabelError(v.error, openedAs, label);
  return out;
}

export const stemOf = (path: string): string => basename(path).replace(/\.onnx$/i, '');

/** A result with nothing measured yet; its status is settled once the model has been processed. */
export function emptyModelResult(path: string, onnxBytes: number | null = null): ModelResult {
  return { path, status: 'passed', onnxBytes, reference: 'none', coverage: [], unsupported: [], variants: [], warnings: [], seconds: 0 };
}
