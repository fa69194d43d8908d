import Long from 'long';
import { ConversionError } from '../errors.js';
import { CoreML } from '../gen/coreml.js';
import { dictionaryFeature, imageFeature, scalarFeature, type ArrayDType, type ArrayFeature, type FeatureDescription, type FeatureType, type ImageColorSpace, type ImageFeature, type ModelMetadata } from './model.js';
import { arrayDataTypeCode, dtypeFromArrayDataType, minSpecVersionForArrayDType } from './dtypes.js';
import { invalidProgram } from './value.js';

import S = CoreML.Specification;

/**
 * The model description (inputs, outputs, metadata) ↔ `ModelDescription`.
 * Tensors are MLMultiArrays or images; a classifier adds a string (or int64) label
 * and a probabilities dictionary.
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

const COLOR_SPACE_CODES: Record<ImageColorSpace, S.ImageFeatureType.ColorSpace> = {
  GRAYSCALE: S.ImageFeatureType.ColorSpace.GRAYSCALE,
  RGB: S.ImageFeatureType.ColorSpace.RGB,
  BGR: S.ImageFeatureType.ColorSpace.BGR,
  GRAYSCALE_FLOAT16: S.ImageFeatureType.ColorSpace.GRAYSCALE_FLOAT16,
};

/** GRAYSCALE_FLOAT16 exists from specification version 7 (iOS16). */
const MIN_SPEC_FOR_COLOR_SPACE: Partial<Record<ImageColorSpace, number>> = { GRAYSCALE_FLOAT16: 7 };

function encodeImageFeature(image: ImageFeature, name: string, specificationVersion: number): S.ImageFeatureType.$Properties {
  const minSpec = MIN_SPEC_FOR_COLOR_SPACE[image.colorSpace] ?? 0;
  if (specificationVersion < minSpec) {
    throw new ConversionError(`image feature "${name}" uses ${image.colorSpace}, which needs specification version ${minSpec} (this model: ${specificationVersion})`);
  }
  if (image.sizeRange && image.enumeratedSizes) throw new ConversionError(`image feature "${name}" has both a size range and enumerated sizes; Core ML allows one`);
  const out: S.ImageFeatureType.$Properties = { width: image.width, height: image.height, colorSpace: COLOR_SPACE_CODES[image.colorSpace] };
  const range = ([lowerBound, upperBound]: [number, number]): S.SizeRange.$Properties => ({ lowerBound, upperBound });
  if (image.sizeRange) out.imageSizeRange = { widthRange: range(image.sizeRange.width), heightRange: range(image.sizeRange.height) };
  if (image.enumeratedSizes) out.enumeratedSizes = { sizes: image.enumeratedSizes.map((s) => ({ width: s.width, height: s.height })) };
  return out;
}

/** One encoder per feature kind: tables beat switches. */
const ENCODE_FEATURE_TYPE: {
  [K in FeatureType['kind']]: (type: Extract<FeatureType, { kind: K }>, name: string, spec: number) => S.FeatureType.$Properties;
} = {
  multiArray: (type, name, spec) => ({ multiArrayType: encodeArrayFeature(type, name, spec) }),
  image: (type, name, spec) => ({ imageType: encodeImageFeature(type, name, spec) }),
  string: () => ({ stringType: {} }),
  int64: () => ({ int64Type: {} }),
  double: () => ({ doubleType: {} }),
  dictionary: (type) => ({ dictionaryType: type.keyType === 'string' ? { stringKeyType: {} } : { int64KeyType: {} } }),
};

function encodeFeatureType(type: FeatureType, name: string, specificationVersion: number): S.FeatureType.$Properties {
  const encode = ENCODE_FEATURE_TYPE[type.kind] as (t: FeatureType, n: string, s: number) => S.FeatureType.$Properties;
  return encode(type, name, specificationVersion);
}

function encodeFeature(f: FeatureDescription, specificationVersion: number): S.FeatureDescription.$Properties {
  const out: S.FeatureDescription.$Properties = {
    name: f.name,
    type: { ...encodeFeatureType(f.type, f.name, specificationVersion), ...(f.optional ? { isOptional: true } : {}) },
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
function checkFlexibleInputs(features: readonly FeatureDescription[], specificationVersion: number): void {
  const inputs = features.filter((f): f is FeatureDescription & { type: ArrayFeature } => f.type.kind === 'multiArray');
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
  const images = features.flatMap((f) => (f.type.kind === 'image' ? [f.type] : []));
  const ranged = inputs.filter((f) => f.type.shapeRange).length + images.filter((t) => t.sizeRange).length;
  const enumerated = inputs.filter((f) => f.type.enumeratedShapes).length + images.filter((t) => t.enumeratedSizes).length;
  if (ranged > 0 && enumerated > 0) throw new ConversionError('inputs mix shape ranges and enumerated shapes, which Core ML rejects');
  if (enumerated > 1 && specificationVersion < 9) {
    throw new ConversionError('more than one input has enumerated shapes, which Core ML allows only from specification version 9 (iOS18)');
  }
}

/** What a description holds besides inputs and outputs. */
export interface DescriptionExtras {
  predictedFeatureName?: string;
  predictedProbabilitiesName?: string;
}

function checkClassifierNames(outputs: readonly FeatureDescription[], extras: DescriptionExtras): void {
  for (const key of ['predictedFeatureName', 'predictedProbabilitiesName'] as const) {
    const name = extras[key];
    if (name !== undefined && !outputs.some((o) => o.name === name)) throw new ConversionError(`${key} "${name}" is not one of the model's outputs`);
  }
}

export function encodeDescription(
  inputs: readonly FeatureDescription[],
  outputs: readonly FeatureDescription[],
  metadata: ModelMetadata,
  specificationVersion: number,
  extras: DescriptionExtras = {},
): ModelDescriptionProto {
  checkFlexibleInputs(inputs, specificationVersion);
  checkClassifierNames(outputs, extras);
  const out: ModelDescriptionProto = {
    input: inputs.map((f) => encodeFeature(f, specificationVersion)),
    output: outputs.map((f) => encodeFeature(f, specificationVersion)),
    metadata: encodeMetadata(metadata),
  };
  if (extras.predictedFeatureName) out.predictedFeatureName = extras.predictedFeatureName;
  if (extras.predictedProbabilitiesName) out.predictedProbabilitiesName = extras.predictedProbabilitiesName;
  return out;
}

const COLOR_SPACE_NAMES = new Map<number, ImageColorSpace>(Object.entries(COLOR_SPACE_CODES).map(([k, v]) => [v as number, k as ImageColorSpace]));

function decodeImageFeature(image: S.ImageFeatureType.$Properties, name: string, file: string): ImageFeature {
  const colorSpace = COLOR_SPACE_NAMES.get(image.colorSpace ?? 0);
  if (colorSpace === undefined) throw invalidProgram(`image feature "${name}" has unknown color space ${image.colorSpace}`, file);
  const out = imageFeature(colorSpace, toNumber(image.width), toNumber(image.height));
  const range = image.imageSizeRange;
  if (range) {
    const pair = (r: S.SizeRange.$Properties | null | undefined): [number, number] => [toNumber(r?.lowerBound), toNumber(r?.upperBound)];
    out.sizeRange = { width: pair(range.widthRange), height: pair(range.heightRange) };
  }
  const sizes = image.enumeratedSizes?.sizes;
  if (sizes && sizes.length > 0) out.enumeratedSizes = sizes.map((s) => ({ width: toNumber(s.width), height: toNumber(s.height) }));
  return out;
}

function decodeFeatureType(t: S.FeatureType.$Properties | null | undefined, name: string, file: string): FeatureType {
  if (t?.imageType) return decodeImageFeature(t.imageType, name, file);
  if (t?.stringType) return scalarFeature('string');
  if (t?.int64Type) return scalarFeature('int64');
  if (t?.doubleType) return scalarFeature('double');
  if (t?.dictionaryType) return dictionaryFeature(t.dictionaryType.int64KeyType ? 'int64' : 'string');
  const array = t?.multiArrayType;
  if (!array) throw invalidProgram(`feature "${name}" is of a kind this tool does not read (state, sequence or missing)`, file);
  return decodeArrayFeature(array, name, file);
}

function decodeFeature(f: S.FeatureDescription.$Properties, file: string): FeatureDescription {
  const name = f.name ?? '';
  const out: FeatureDescription = { name, type: decodeFeatureType(f.type, name, file) };
  if (f.shortDescription) out.shortDescription = f.shortDescription;
  if (f.type?.isOptional) out.optional = true;
  return out;
}

function decodeArrayFeature(array: S.ArrayFeatureType.$Properties, name: string, file: string): ArrayFeature {
  const dtype = dtypeFromArrayDataType(array.dataType ?? 0);
  if (dtype === undefined) throw invalidProgram(`feature "${name}" has unknown array data type ${array.dataType}`, file);
  const type: ArrayFeature = { kind: 'multiArray', dtype: dtype as ArrayDType, shape: (array.shape ?? []).map(toNumber) };
  const ranges = array.shapeRange?.sizeRanges;
  if (ranges && ranges.length > 0) type.shapeRange = ranges.map((r) => [toNumber(r.lowerBound), toNumber(r.upperBound)]);
  const shapes = array.enumeratedShapes?.shapes;
  if (shapes && shapes.length > 0) type.enumeratedShapes = shapes.map((s) => (s.shape ?? []).map(toNumber));
  return type;
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
): { inputs: FeatureDescription[]; outputs: FeatureDescription[]; metadata: ModelMetadata } & DescriptionExtras {
  const out: { inputs: FeatureDescription[]; outputs: FeatureDescription[]; metadata: ModelMetadata } & DescriptionExtras = {
    inputs: (d?.input ?? []).map((f) => decodeFeature(f, file)),
    outputs: (d?.output ?? []).map((f) => decodeFeature(f, file)),
    metadata: decodeMetadata(d?.metadata),
  };
  if (d?.predictedFeatureName) out.predictedFeatureName = d.predictedFeatureName;
  if (d?.predictedProbabilitiesName) out.predictedProbabilitiesName = d.predictedProbabilitiesName;
  return out;
}
