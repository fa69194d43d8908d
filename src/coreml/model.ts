import type { DType } from '../tensor/dtype.js';
import type { MilProgram } from '../mil/ir.js';

/**
 * A Core ML model as this project holds it in memory: the parts of
 * `CoreML.Specification.Model` an ML Program uses, with the program as MIL IR.
 * `coreml/package.ts` writes it to an .mlpackage and reads it back.
 */

/** Element types an ML program may use at its inputs and outputs (MLMultiArray). */
export type ArrayDType = Extract<DType, 'float32' | 'float16' | 'int32' | 'float64' | 'int8'>;

export interface ArrayFeature {
  kind: 'multiArray';
  dtype: ArrayDType;
  /** Default (or only) shape; may be empty for outputs whose shape is not static. */
  shape: number[];
  /** Per-dimension [lower, upper] when the shape is a range (upper -1: unbounded). */
  shapeRange?: [number, number][];
  /** Alternative shapes when the input takes enumerated shapes. */
  enumeratedShapes?: number[][];
}

/** Core ML's image color spaces (ImageFeatureType.ColorSpace). */
export type ImageColorSpace = 'RGB' | 'BGR' | 'GRAYSCALE' | 'GRAYSCALE_FLOAT16';

/**
 * An image (CVPixelBuffer) feature. An ML program sees it as a [1, C, H, W] tensor
 * (C = 3 for RGB/BGR in that channel order, 1 for grayscale) holding raw pixel values.
 */
export interface ImageFeature {
  kind: 'image';
  /** The tensor the program sees: float32 (float16 for GRAYSCALE_FLOAT16) [1, C, height, width]. */
  dtype: 'float32' | 'float16';
  shape: number[];
  width: number;
  height: number;
  colorSpace: ImageColorSpace;
  /** Flexible sizes: inclusive [lower, upper] per axis (upper -1: unbounded). */
  sizeRange?: { width: [number, number]; height: [number, number] };
  enumeratedSizes?: { width: number; height: number }[];
}

/** A classifier's predicted label (string or int64) or a plain double. */
export interface ScalarFeature {
  kind: 'string' | 'int64' | 'double';
  /** The value as the program holds it: a scalar of this dtype. */
  dtype: 'string' | 'int64' | 'float64';
  shape: [];
}

/** A classifier's probabilities: class label → probability. */
export interface DictionaryFeature {
  kind: 'dictionary';
  keyType: 'string' | 'int64';
  /** The values as the program holds them: float64, one per class (shape [classes], or [] when unknown). */
  dtype: 'float64';
  shape: number[];
}

export type FeatureType = ArrayFeature | ImageFeature | ScalarFeature | DictionaryFeature;

export interface FeatureDescription<T extends FeatureType = FeatureType> {
  name: string;
  shortDescription?: string;
  type: T;
  /** An input the caller may leave out (FeatureType.isOptional): the model has a default for it. */
  optional?: boolean;
}

/** Number of channels of an image color space. */
export function imageChannels(colorSpace: ImageColorSpace): number {
  return colorSpace === 'RGB' || colorSpace === 'BGR' ? 3 : 1;
}

/** An image feature with the tensor shape its color space and size imply. */
export function imageFeature(colorSpace: ImageColorSpace, width: number, height: number): ImageFeature {
  const dtype = colorSpace === 'GRAYSCALE_FLOAT16' ? 'float16' : 'float32';
  return { kind: 'image', dtype, shape: [1, imageChannels(colorSpace), height, width], width, height, colorSpace };
}

const SCALAR_DTYPES = { string: 'string', int64: 'int64', double: 'float64' } as const;

export function scalarFeature(kind: ScalarFeature['kind']): ScalarFeature {
  return { kind, dtype: SCALAR_DTYPES[kind], shape: [] };
}

export function dictionaryFeature(keyType: DictionaryFeature['keyType'], entries?: number): DictionaryFeature {
  return { kind: 'dictionary', keyType, dtype: 'float64', shape: entries === undefined ? [] : [entries] };
}

export interface ModelMetadata {
  shortDescription?: string;
  versionString?: string;
  author?: string;
  license?: string;
  userDefined?: Record<string, string>;
}

/**
 * Core ML's NonMaximumSuppression model (PickTop): boxes as rows of `confidence` [N, C]
 * and `coordinates` [N, 4] (cx, cy, w, h), kept by descending confidence and suppressed
 * by IoU, optionally per class. Thresholds may be overridden by optional double inputs.
 */
export interface NonMaximumSuppressionModel {
  kind: 'nonMaximumSuppression';
  specificationVersion: number;
  inputs: FeatureDescription[];
  outputs: FeatureDescription[];
  /** Suppression only among boxes of the same class (the argmax of the confidence row). */
  perClass: boolean;
  iouThreshold: number;
  confidenceThreshold: number;
  classLabels?: string[] | number[];
  confidenceInput: string;
  coordinatesInput: string;
  /** Names of the optional threshold inputs, when the thresholds can be overridden. */
  iouThresholdInput?: string;
  confidenceThresholdInput?: string;
  confidenceOutput: string;
  coordinatesOutput: string;
}

/** A stage of a pipeline after its ML program. */
export type PipelineStage = NonMaximumSuppressionModel;

/**
 * A pipeline (Model.pipeline): the ML program runs first, with its own description;
 * the stages after it read its outputs. The model-level inputs and outputs are the
 * pipeline's: what an app passes and gets back.
 */
export interface PipelineLayout {
  program: { specificationVersion: number; inputs: FeatureDescription[]; outputs: FeatureDescription[] };
  stages: PipelineStage[];
}

/** `T` narrows the feature kinds: a freshly converted model has only multiarrays. */
export interface CoreMLModel<T extends FeatureType = FeatureType> {
  specificationVersion: number;
  inputs: FeatureDescription<T>[];
  outputs: FeatureDescription<T>[];
  metadata: ModelMetadata;
  /** Classifiers: the output holding the predicted label, and the one holding the probabilities dictionary. */
  predictedFeatureName?: string;
  predictedProbabilitiesName?: string;
  /** The ML program (a pipeline's first stage). */
  program: MilProgram;
  /** Set when the package is a pipeline: the program's own description and the stages after it. */
  pipeline?: PipelineLayout;
}

/** The ML program's own inputs and outputs: the model's, or its stage's in a pipeline. */
export function programDescription(model: CoreMLModel): { inputs: FeatureDescription[]; outputs: FeatureDescription[] } {
  return model.pipeline ? model.pipeline.program : { inputs: model.inputs, outputs: model.outputs };
}
