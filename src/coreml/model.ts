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

export interface FeatureDescription {
  name: string;
  shortDescription?: string;
  type: ArrayFeature;
}

export interface ModelMetadata {
  shortDescription?: string;
  versionString?: string;
  author?: string;
  license?: string;
  userDefined?: Record<string, string>;
}

export interface CoreMLModel {
  specificationVersion: number;
  inputs: FeatureDescription[];
  outputs: FeatureDescription[];
  metadata: ModelMetadata;
  program: MilProgram;
}
