import Long from 'long';
import { ConversionError } from '../errors.js';
import { CoreML } from '../gen/coreml.js';
import type { ArrayDType, ArrayFeature, FeatureDescription, ModelMetadata } from './model.js';
import { arrayDataTypeCode, dtypeFromArrayDataType, minSpecVersionForArrayDType } from './dtypes.js';
import { invalidProgram } from './value.js';

import S = CoreML.Specification;

/**
 * The model description (inputs, outputs, metadata) ↔ `ModelDescription`.
 * ML programs describe every tensor as an MLMultiArray.
 */

export type ModelDescriptionProto = S.ModelDescription.$Properties;

function toNumber(v: number | Long | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

function encodeArrayFeature(feature: ArrayFeature, name: string, specificationVersion: number): S.ArrayFeatureType.$Properties {
  const code = arrayDataTypeCode(feature.dtype);
  const minSpec = minSpecVersionForArrayDType(feature.dtype);
  if (code === undefined || minSpec === undefined) throw new ConversionError(`feature "${name}" has dtype ${feature.dtype}, which Core ML I/O cannot carry`);
  if (specificationVersion < minSpec) {
    throw new ConversionError(
      `feature "${name}" is ${feature.dtype}, which model I/O allows only from specification version ${minSpec} (this model: ${specificationVersion})`,
    );
  }
  const out: S.ArrayFeatureType.$Properties = { shape: [...feature.shape], dataType: code };
  if (feature.shapeRange && feature.enumeratedShapes) {
    throw new ConversionError(`feature "${name}" has both a shape range and enumerated shapes; Core ML allows one`);
  }
  if (feature.shapeRange) {
    out.shapeRange = { sizeRanges: feature.shapeRange.map(([lowerBound, upperBound]) => ({ lowerBound, upperBound })) };
  } else if (feature.enumeratedShapes) {
    out.enumeratedShapes = { shapes: feature.enumeratedShapes.map((shape) => ({ shape: [...shape] })) };
  }
  return out;
}

function encodeFeature(f: FeatureDescription, specificationVersion: number): S.FeatureDescription.$Properties {
  const out: S.FeatureDescription.$Properties = {
    name: f.name,
    type: { multiArrayType: encodeArrayFeature(f.type, f.name, specificationVersion) },
  };
  if (f.shortDescription) out.shortDescription = f.shortDescription;
  return out;
}

function encodeMetadata(m: ModelMetadata): S.Metadata.$Properties {
  return {
    shortDescription: m.shortDescription ?? '',
    versionString: m.versionString ?? '',
    author: m.author ?? '',
    license: m.license ?? '',
    userDefined: { ...(m.userDefined ?? {}) },
  };
}

/** Flexible-shape rules Core ML enforces when it loads an ML program. */
function checkFlexibleInputs(inputs: readonly FeatureDescription[], specificationVersion: number): void {
  for (const { name, type } of inputs) {
    type.shapeRange?.forEach(([lower, upper], axis) => {
      if (upper < 0) throw new ConversionError(`input "${name}" has an unbounded range on axis ${axis}; ML programs need an upper bound`);
      const dim = type.shape[axis];
      if (dim !== undefined && (dim < lower || dim > upper)) {
        throw new ConversionError(`input "${name}" has default size ${dim} on axis ${axis}, outside its range [${lower}, ${upper}]`);
      }
    });
    if (type.shapeRange && type.shapeRange.length !== type.shape.length) {
      throw new ConversionError(`input "${name}" has ${type.shapeRange.length} size ranges for a rank-${type.shape.length} shape`);
    }
  }
  const ranged = inputs.filter((f) => f.type.shapeRange).length;
  const enumerated = inputs.filter((f) => f.type.enumeratedShapes).length;
  if (ranged > 0 && enumerated > 0) throw new ConversionError('inputs mix shape ranges and enumerated shapes, which Core ML rejects');
  if (enumerated > 1 && specificationVersion < 9) {
    throw new ConversionError('more than one input has enumerated shapes, which Core ML allows only from specification version 9 (iOS18)');
  }
}

export function encodeDescription(
  inputs: readonly FeatureDescription[],
  outputs: readonly FeatureDescription[],
  metadata: ModelMetadata,
  specificationVersion: number,
): ModelDescriptionProto {
  checkFlexibleInputs(inputs, specificationVersion);
  return {
    input: inputs.map((f) => encodeFeature(f, specificationVersion)),
    output: outputs.map((f) => encodeFeature(f, specificationVersion)),
    metadata: encodeMetadata(metadata),
  };
}

function decodeFeature(f: S.FeatureDescription.$Properties, file: string): FeatureDescription {
  const name = f.name ?? '';
  const array = f.type?.multiArrayType;
  if (!array) throw invalidProgram(`feature "${name}" is not a multiarray (image, state and other feature kinds are not supported)`, file);
  const dtype = dtypeFromArrayDataType(array.dataType ?? 0);
  if (dtype === undefined) throw invalidProgram(`feature "${name}" has unknown array data type ${array.dataType}`, file);
  const type: ArrayFeature = { kind: 'multiArray', dtype: dtype as ArrayDType, shape: (array.shape ?? []).map(toNumber) };
  const ranges = array.shapeRange?.sizeRanges;
  if (ranges && ranges.length > 0) type.shapeRange = ranges.map((r) => [toNumber(r.lowerBound), toNumber(r.upperBound)]);
  const shapes = array.enumeratedShapes?.shapes;
  if (shapes && shapes.length > 0) type.enumeratedShapes = shapes.map((s) => (s.shape ?? []).map(toNumber));
  const out: FeatureDescription = { name, type };
  if (f.shortDescription) out.shortDescription = f.shortDescription;
  return out;
}

function decodeMetadata(m: S.Metadata.$Properties | null | undefined): ModelMetadata {
  const out: ModelMetadata = {};
  if (m?.shortDescription) out.shortDescription = m.shortDescription;
  if (m?.versionString) out.versionString = m.versionString;
  if (m?.author) out.author = m.author;
  if (m?.license) out.license = m.license;
  if (m?.userDefined && Object.keys(m.userDefined).length > 0) out.userDefined = { ...m.userDefined };
  return out;
}

export function decodeDescription(
  d: ModelDescriptionProto | null | undefined,
  file: string,
): { inputs: FeatureDescription[]; outputs: FeatureDescription[]; metadata: ModelMetadata } {
  return {
    inputs: (d?.input ?? []).map((f) => decodeFeature(f, file)),
    outputs: (d?.output ?? []).map((f) => decodeFeature(f, file)),
    metadata: decodeMetadata(d?.metadata),
  };
}
