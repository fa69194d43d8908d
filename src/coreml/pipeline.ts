import Long from 'long';
import { ConversionError } from '../errors.js';
import { CoreML } from '../gen/coreml.js';
import { decodeDescription, encodeDescription } from './description.js';
import type { FeatureDescription, NonMaximumSuppressionModel, PipelineStage } from './model.js';
import { invalidProgram } from './value.js';

import S = CoreML.Specification;

/**
 * Pipelines (`Model.pipeline`, field 202) and the NonMaximumSuppression model (field 610)
 * ↔ the project's model types. A pipeline holds one Model message per stage, each with
 * its own specification version and description; Core ML checks that every stage input
 * is a pipeline input or an earlier stage's output of the same type, and that every
 * pipeline output is produced by a stage.
 */

/**
 * The weight file of the ML program stage at `index`: coremltools' `make_pipeline` renames
 * each stage's weight.bin to `<index>-weight.bin` in the one weights folder, and points the
 * stage's blob values there.
 */
export function pipelineWeightFileName(index: number): string {
  return `${index}-weight.bin`;
}

/** The NonMaximumSuppression message of a stage. */
function encodeNmsMessage(nms: NonMaximumSuppressionModel): S.NonMaximumSuppression.$Properties {
  const out: S.NonMaximumSuppression.$Properties = {
    pickTop: { perClass: nms.perClass },
    iouThreshold: nms.iouThreshold,
    confidenceThreshold: nms.confidenceThreshold,
    confidenceInputFeatureName: nms.confidenceInput,
    coordinatesInputFeatureName: nms.coordinatesInput,
    confidenceOutputFeatureName: nms.confidenceOutput,
    coordinatesOutputFeatureName: nms.coordinatesOutput,
  };
  if (nms.iouThresholdInput !== undefined) out.iouThresholdInputFeatureName = nms.iouThresholdInput;
  if (nms.confidenceThresholdInput !== undefined) out.confidenceThresholdInputFeatureName = nms.confidenceThresholdInput;
  const labels = nms.classLabels;
  if (labels && labels.length > 0) {
    if (typeof labels[0] === 'number') out.int64ClassLabels = { vector: (labels as number[]).map((l) => Long.fromNumber(l)) };
    else out.stringClassLabels = { vector: [...(labels as string[])] };
  }
  return out;
}

/** What Core ML's NonMaximumSuppression validator rejects, caught before writing. */
export function checkNmsStage(nms: NonMaximumSuppressionModel): void {
  if (!(nms.iouThreshold >= 0 && nms.iouThreshold <= 1)) throw new ConversionError(`NMS iouThreshold ${nms.iouThreshold} is not between 0 and 1`);
  if (!(nms.confidenceThreshold >= 0)) throw new ConversionError(`NMS confidenceThreshold ${nms.confidenceThreshold} is negative`);
  const inputNames = [nms.confidenceInput, nms.coordinatesInput, nms.iouThresholdInput, nms.confidenceThresholdInput];
  for (const f of nms.inputs) {
    if (!inputNames.includes(f.name)) throw new ConversionError(`NMS stage input "${f.name}" is not one of its named inputs`);
    // Core ML's validateOptional: only pipelines, neural networks, trees and a few others take optional inputs.
    if (f.optional) throw new ConversionError(`NMS stage input "${f.name}" is optional, which Core ML refuses for a NonMaximumSuppression model`);
  }
  const outputNames = [nms.confidenceOutput, nms.coordinatesOutput];
  for (const f of nms.outputs) {
    if (!outputNames.includes(f.name)) throw new ConversionError(`NMS stage output "${f.name}" is not one of its named outputs`);
  }
}

export function encodeStage(stage: PipelineStage): S.Model.$Properties {
  checkNmsStage(stage);
  return {
    specificationVersion: stage.specificationVersion,
    description: encodeDescription(stage.inputs, stage.outputs, {}, stage.specificationVersion),
    nonMaximumSuppression: encodeNmsMessage(stage),
  };
}

/** Core ML's pipeline rule: each stage reads only pipeline inputs and earlier outputs, of the same type. */
export function checkPipelineWiring(
  inputs: readonly FeatureDescription[],
  outputs: readonly FeatureDescription[],
  stages: readonly { inputs: readonly FeatureDescription[]; outputs: readonly FeatureDescription[] }[],
): void {
  const known = new Map<string, FeatureDescription>(inputs.map((f) => [f.name, f]));
  const sameType = (a: FeatureDescription, b: FeatureDescription): boolean => JSON.stringify(a.type) === JSON.stringify(b.type) && !!a.optional === !!b.optional;
  stages.forEach((stage, i) => {
    for (const f of stage.inputs) {
      const source = known.get(f.name);
      if (!source) throw new ConversionError(`pipeline stage ${i} reads "${f.name}", which is neither a pipeline input nor an earlier stage's output`);
      if (!sameType(source, f)) throw new ConversionError(`pipeline stage ${i} reads "${f.name}" with another type than the one it is given`);
    }
    for (const f of stage.outputs) known.set(f.name, f);
  });
  for (const f of outputs) {
    const source = known.get(f.name);
    if (!source) throw new ConversionError(`pipeline output "${f.name}" is produced by no stage`);
    if (!sameType(source, f)) throw new ConversionError(`pipeline output "${f.name}" has another type than the stage that produces it`);
  }
}

const toNumber = (v: number | Long): number => (typeof v === 'number' ? v : v.toNumber());

/** Reads a NonMaximumSuppression stage. */
export function decodeNmsStage(message: S.Model.$Properties, file: string): NonMaximumSuppressionModel {
  const nms = message.nonMaximumSuppression!;
  if (!nms.pickTop) throw invalidProgram('the NonMaximumSuppression model names no suppression method (pickTop)', file);
  const { inputs, outputs } = decodeDescription(message.description, file);
  const stage: NonMaximumSuppressionModel = {
    kind: 'nonMaximumSuppression',
    specificationVersion: message.specificationVersion ?? 0,
    inputs,
    outputs,
    perClass: nms.pickTop.perClass ?? false,
    iouThreshold: nms.iouThreshold ?? 0,
    confidenceThreshold: nms.confidenceThreshold ?? 0,
    confidenceInput: nms.confidenceInputFeatureName ?? '',
    coordinatesInput: nms.coordinatesInputFeatureName ?? '',
    confidenceOutput: nms.confidenceOutputFeatureName ?? '',
    coordinatesOutput: nms.coordinatesOutputFeatureName ?? '',
  };
  if (nms.iouThresholdInputFeatureName) stage.iouThresholdInput = nms.iouThresholdInputFeatureName;
  if (nms.confidenceThresholdInputFeatureName) stage.confidenceThresholdInput = nms.confidenceThresholdInputFeatureName;
  const strings = nms.stringClassLabels?.vector ?? [];
  const integers = nms.int64ClassLabels?.vector ?? [];
  if (strings.length > 0) stage.classLabels = [...strings];
  else if (integers.length > 0) stage.classLabels = integers.map(toNumber);
  return stage;
}
