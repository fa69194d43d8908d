import { compressProgram } from '../compress/apply.js';
import { VARIANTS, findVariant, targetForVariant, type VariantDefinition } from '../compress/variants.js';
import { countMilOps } from '../convert/finish.js';
import { convertOnnxModel, type ConversionResult } from '../convert/index.js';
import type { InputShapeOptions } from '../convert/input-shapes.js';
import { ToolError } from '../errors.js';
import type { DeploymentTarget } from '../mil/ir.js';
import { validateProgram } from '../mil/validate.js';
import type { OnnxModel } from '../onnx/ir.js';

/**
 * Builds the Core ML model of one variant in memory: conversion at the variant's
 * precision, then weight compression. Shared by the multi-model run and
 * `convert --compress`; it neither writes nor verifies, so it stays light to load.
 */

export interface BuiltVariant extends ConversionResult {
  target: DeploymentTarget;
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
): BuiltVariant {
  const { target, raised } = targetForVariant(variant, requestedTarget);
  const warnings = raised ? [`${variant.name} needs ${target} or later; deployment target raised from ${requestedTarget} to ${target}`] : [];
  const converted = convertOnnxModel(model, { target, precision: variant.precision, onProgress, ...shapes });
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
      throw new ToolError('CONVERSION', `${variant.name} compression produced a program Core ML would reject: ${problems[0]}`, fileOf(model));
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
