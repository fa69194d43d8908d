import type { ArrayFeature, CoreMLModel, FeatureDescription, NonMaximumSuppressionModel } from '../coreml/model.js';
import { scalarFeature } from '../coreml/model.js';
import { ToolError } from '../errors.js';

/**
 * A detector as Vision reads it: a pipeline of the ML program, whose outputs are the raw
 * boxes' class confidences [N, C] and coordinates [N, 4] (normalized cx, cy, w, h), and
 * Core ML's NonMaximumSuppression model, whose outputs `confidence` [M, C] and
 * `coordinates` [M, 4] hold the kept boxes. The thresholds are optional double inputs
 * `iouThreshold` and `confidenceThreshold`, with the given defaults.
 */

export const NMS_NAMES = {
  rawConfidence: 'raw_confidence',
  rawCoordinates: 'raw_coordinates',
  confidence: 'confidence',
  coordinates: 'coordinates',
  iouThreshold: 'iouThreshold',
  confidenceThreshold: 'confidenceThreshold',
} as const;

export interface NmsStageOptions {
  iouThreshold: number;
  confidenceThreshold: number;
  /** Suppress only among boxes of the same class; otherwise across classes. */
  perClass: boolean;
  /** Most boxes the model returns. */
  maxDetections: number;
  labels?: string[] | number[];
}

const usage = (message: string): ToolError => new ToolError('USAGE', message);

export function checkNmsOptions(o: NmsStageOptions): void {
  if (!(o.iouThreshold >= 0 && o.iouThreshold <= 1)) throw usage(`--iou-threshold must be between 0 and 1 (got ${o.iouThreshold})`);
  if (!(o.confidenceThreshold >= 0) || !Number.isFinite(o.confidenceThreshold)) throw usage(`--confidence-threshold must be a non-negative number (got ${o.confidenceThreshold})`);
  if (!Number.isSafeInteger(o.maxDetections) || o.maxDetections < 1) throw usage(`--max-detections must be a positive integer (got ${o.maxDetections})`);
}

/**
 * Makes `model` (an ML program whose outputs are exactly the raw confidence and
 * coordinates, float32 [N, C] and [N, 4]) the first stage of a pipeline ending in
 * NonMaximumSuppression.
 */
export function withNmsStage(model: CoreMLModel, options: NmsStageOptions): CoreMLModel {
  checkNmsOptions(options);
  const find = (name: string): FeatureDescription & { type: ArrayFeature } => {
    const f = model.outputs.find((o) => o.name === name);
    if (f?.type.kind !== 'multiArray' || f.type.shape.length !== 2 || f.type.dtype !== 'float32') {
      throw new ToolError('INTERNAL', `the detector program has no float32 [N, *] output "${name}"`);
    }
    return f as FeatureDescription & { type: ArrayFeature };
  };
  const rawConfidence = find(NMS_NAMES.rawConfidence);
  const rawCoordinates = find(NMS_NAMES.rawCoordinates);
  const classes = rawConfidence.type.shape[1]!;
  if (options.labels && options.labels.length !== classes) {
    throw usage(`the detector scores ${classes} classes but there are ${options.labels.length} class labels`);
  }
  const thresholds: FeatureDescription[] = [
    { name: NMS_NAMES.iouThreshold, type: scalarFeature('double'), optional: true, shortDescription: `(optional) IoU threshold override (default: ${options.iouThreshold})` },
    {
      name: NMS_NAMES.confidenceThreshold,
      type: scalarFeature('double'),
      optional: true,
      shortDescription: `(optional) Confidence threshold override (default: ${options.confidenceThreshold})`,
    },
  ];
  // As Vision's detectors state it: rows in a range (here up to the maximum), columns fixed.
  const bounded = (columns: number): ArrayFeature => ({ kind: 'multiArray', dtype: 'float32', shape: [], shapeRange: [[0, options.maxDetections], [columns, columns]] });
  const outputs: FeatureDescription[] = [
    { name: NMS_NAMES.confidence, type: bounded(classes), shortDescription: `Boxes × class confidence (at most ${options.maxDetections} boxes)` },
    { name: NMS_NAMES.coordinates, type: bounded(4), shortDescription: 'Boxes × [x, y, width, height] (relative to image size)' },
  ];
  const spec = model.specificationVersion;
  const nms: NonMaximumSuppressionModel = {
    kind: 'nonMaximumSuppression',
    specificationVersion: spec,
    // Only the two tensors: Core ML refuses optional inputs on a NonMaximumSuppression model. The
    // threshold inputs are the pipeline's (optional there); the stage reads them by name.
    inputs: [rawConfidence, rawCoordinates],
    outputs,
    perClass: options.perClass,
    iouThreshold: options.iouThreshold,
    confidenceThreshold: options.confidenceThreshold,
    confidenceInput: rawConfidence.name,
    coordinatesInput: rawCoordinates.name,
    iouThresholdInput: NMS_NAMES.iouThreshold,
    confidenceThresholdInput: NMS_NAMES.confidenceThreshold,
    confidenceOutput: NMS_NAMES.confidence,
    coordinatesOutput: NMS_NAMES.coordinates,
    ...(options.labels ? { classLabels: options.labels } : {}),
  };
  return {
    ...model,
    inputs: [...model.inputs, ...thresholds],
    outputs,
    pipeline: { program: { specificationVersion: spec, inputs: model.inputs, outputs: model.outputs }, stages: [nms] },
  };
}
