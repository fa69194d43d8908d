import { compressProgram } from '../compress/apply.js';
import { VARIANTS, findVariant, targetForVariant, type VariantDefinition } from '../compress/variants.js';
import { countMilOps } from '../convert/finish.js';
import { convertPreparedModel, prepareOnnxModel, type ConversionResult, type PreparedModel } from '../convert/index.js';
import type { InputShapeOptions } from '../convert/input-shapes.js';
import { withPaddedOutputs } from '../coreml/padded-outputs.js';
import { ToolError } from '../errors.js';
import type { DeploymentTarget } from '../mil/ir.js';
import { validateProgram } from '../mil/validate.js';
import type { OnnxModel } from '../onnx/ir.js';
import type { CoreMLModel } from '../coreml/model.js';
import { applyInterface, type InterfaceOptions, type SourceFacts } from '../interface/index.js';
import { version as packageVersion } from '../../package.json';

/**
 * Builds the Core ML model of one variant in memory: conversion at the variant's
 * precision, then weight compression. Shared by the multi-model run and
 * `convert --compress`; it neither writes nor verifies, so it stays light to load.
 */

/** A conversion with its interface applied: images, classifier and metadata as the app sees them. */
export interface InterfacedConversion extends Omit<ConversionResult, 'model'> {
  model: CoreMLModel;
  /** What the interface did (folded normalization, added softmax), in words; empty without one. */
  interfaceNotes: string[];
}

export interface BuiltVariant extends InterfacedConversion {
  target: DeploymentTarget;
}

/** The app-facing interface to apply after conversion and before compression. */
export interface InterfaceSettings {
  options: InterfaceOptions;
  source: SourceFacts;
}

/** Applies the interface to a fresh conversion, in place of its tensor-only description. */
export function withInterface(converted: ConversionResult, settings: InterfaceSettings | undefined): InterfacedConversion {
  if (!settings) return { ...converted, interfaceNotes: [] };
  const applied = applyInterface(converted.model, settings.options, settings.source, packageVersion);
  // The interface writes the metadata afresh; the record of padded outputs is the conversion's and stays.
  const model = { ...applied.model, metadata: withPaddedOutputs(applied.model.metadata, converted.paddedOutputs) };
  return { ...converted, model, interfaceNotes: applied.notes };
}

/**
 * Converts and compresses without writing: the Core ML model of a variant. Exported for
 * `convert --compress`, which builds one variant of one model.
 */
export function buildVariantModel(
  model: OnnxModel,
  variant: VariantDefinition,
  requestedTarget: DeploymentTarget,
  onProgress?: (done: number, total: number) => void,
  shapes: InputShapeOptions = {},
  face?: InterfaceSettings,
  keepInFp32?: ReadonlySet<string>,
): BuiltVariant {
  const { target } = targetForVariant(variant, requestedTarget);
  const { maxDetections, ...prepare } = shapes;
  const build = { ...(onProgress ? { onProgress } : {}), ...(face ? { face } : {}), ...(keepInFp32 ? { keepInFp32 } : {}), ...(maxDetections === undefined ? {} : { maxDetections }) };
  return buildPreparedVariant(prepareOnnxModel(model, { target, ...prepare }), variant, requestedTarget, build);
}

export interface PreparedBuild {
  onProgress?: (done: number, total: number) => void;
  face?: InterfaceSettings;
  /** Ops an fp16 program keeps in fp32 (mixed precision). */
  keepInFp32?: ReadonlySet<string>;
  /** Rows a data-dependent detection output is padded to. */
  maxDetections?: number;
  /** Given how to make this variant's conversion, returns it: made by it, or one made already for other variants (see run/shared-conversions.ts). */
  shareConversion?: (convert: () => ConversionResult) => ConversionResult;
}

/**
 * A variant of a prepared model (prepared for the variant's target): one
 * preparation serves every variant of a model, and a conversion made for
 * another purpose (the run's op coverage) can be handed in as this variant's.
 */
export function buildPreparedVariant(prepared: PreparedModel, variant: VariantDefinition, requestedTarget: DeploymentTarget, build: PreparedBuild = {}): BuiltVariant {
  const { target: variantTarget, raised } = targetForVariant(variant, requestedTarget);
  const warnings = raised ? [`${variant.name} needs ${variantTarget} or later; deployment target raised from ${requestedTarget} to ${variantTarget}`] : [];
  const options = {
    target: variantTarget,
    precision: variant.precision,
    ...(build.onProgress ? { onProgress: build.onProgress } : {}),
    ...(build.keepInFp32 ? { keepInFp32: build.keepInFp32 } : {}),
    ...(build.maxDetections === undefined ? {} : { maxDetections: build.maxDetections }),
  };
  const convert = (): ConversionResult => convertPreparedModel(prepared, options);
  const converted = withInterface(build.shareConversion ? build.shareConversion(convert) : convert(), build.face);
  // A node may have needed a newer target still; the conversion then says so in its warnings.
  const target = converted.target;
  warnings.push(...converted.warnings);
  if (variant.compression) {
    // Conversion has already run the fp16 pass, so an fp16 program's weights are fp16 constants
    // and their constexpr replacements decompress to fp16, which is what the fp16 ops reading
    // them are typed against. (Compressing first would not work: the pass leaves constexpr
    // ops alone and would put fp32 weights behind casts.)
    const outputDType = variant.precision === 'fp16' ? 'float16' : 'float32';
    const stats = compressProgram(converted.model.program, variant.compression, { target, outputDType });
    if (stats.compressed === 0) warnings.push(`${variant.name}: no weight is large enough to compress; the package holds the uncompressed weights`);
    const problems = validateProgram(converted.model.program);
    if (problems.length > 0) {
      throw new ToolError('CONVERSION', `${variant.name} compression produced a program Core ML would reject: ${problems[0]}`, fileOf(prepared.source));
    }
  }
  return { ...converted, warnings, milOps: countMilOps(converted.model.program), target };
}

/** Variant names `convert --compress` accepts: every variant that compresses weights. */
export function compressionVariantNames(): string[] {
  return VARIANTS.filter((v) => v.compression !== undefined).map((v) => v.name);
}

/**
 * The variant `convert --compress NAME` builds: the named compression at the precision
 * the user asked for (fp32 compute keeps fp32 weights after decompression).
 */
export function compressionVariant(name: string, precision: 'fp16' | 'fp32'): VariantDefinition {
  const variant = findVariant(name);
  if (!variant?.compression) {
    throw new ToolError('USAGE', `unknown compression '${name}'; expected one of ${compressionVariantNames().join(', ')}`);
  }
  return { ...variant, precision };
}

function fileOf(model: OnnxModel): { file?: string } {
  return model.sourcePath === undefined ? {} : { file: model.sourcePath };
}
