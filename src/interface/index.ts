import type { CoreMLModel, FeatureDescription } from '../coreml/model.js';
import { ToolError } from '../errors.js';
import { mainFunction } from '../mil/ir.js';
import { addClassifierEpilogue, classifierOutputs, pickScoresOutput } from './classifier.js';
import { addImagePrologue, checkImageInputs, describeFolded, foldNormalization, imageInputFeature } from './image-input.js';
import { addImageEpilogue, imageOutputFeature, resolveImageOutput } from './image-output.js';
import { addDetectorEpilogue } from './detector.js';
import { buildMetadata, describeFeatures } from './metadata.js';
import { NMS_NAMES, withNmsStage } from './nms-pipeline.js';
import { ProgramEditor } from './program-edit.js';
import type { DetectorOptions, InterfaceOptions, InterfaceRecord, SourceFacts } from './types.js';

export type * from './types.js';
export { readInterfaceRecord, METADATA_KEYS, TOOL_NAME } from './metadata.js';
export { NMS_NAMES } from './nms-pipeline.js';

/**
 * Applies the app-facing interface to a converted model (before compression): image
 * inputs with their preprocessing ops, image outputs with their de-normalization, a
 * classifier epilogue, descriptions and metadata. Returns the new model, the record of
 * what was applied (also stored in the package's metadata) and notes for the user.
 */

export interface AppliedInterface {
  model: CoreMLModel;
  record: InterfaceRecord;
  /** What was done, in words: folded normalization numbers, an added softmax, labels used. */
  notes: string[];
}

export function applyInterface(converted: CoreMLModel, options: InterfaceOptions, source: SourceFacts, toolVersion: string): AppliedInterface {
  const program = converted.program;
  const editor = new ProgramEditor(mainFunction(program));
  const notes: string[] = [];
  const record: InterfaceRecord = { tensorOutputs: converted.outputs.map((o) => o.name), imageInputs: [], imageOutputs: [] };

  let inputs: FeatureDescription[] = [...converted.inputs];
  const imageInputs = options.imageInputs ?? [];
  checkImageInputs(imageInputs, inputs.map((i) => i.name));
  for (const image of imageInputs) {
    const folded = foldNormalization(image.name, image.color, image);
    inputs = inputs.map((f) => (f.name === image.name ? imageInputFeature(f, image.color) : f));
    addImagePrologue(editor, image.name, folded);
    record.imageInputs.push({ ...image, folded });
    notes.push(describeFolded(image.name, image.color, folded));
  }

  let outputs: FeatureDescription[] = [...converted.outputs];
  const outputNames = outputs.map((o) => o.name);
  for (const requested of options.imageOutputs ?? []) {
    if (!outputNames.includes(requested.name)) {
      throw new ToolError('USAGE', `--image-output names "${requested.name}", which is not an output of the model (outputs: ${outputNames.join(', ')})`);
    }
    const image = resolveImageOutput(requested);
    const shape = editor.typeOf(image.name).shape;
    outputs = outputs.map((f) => (f.name === image.name ? imageOutputFeature(f, image, shape) : f));
    addImageEpilogue(editor, image.name, image);
    record.imageOutputs.push(image);
    notes.push(`image output "${image.name}" (${image.color}): pixel = clip(value·${image.scale} + [${image.bias.join(', ')}], 0, 255)`);
  }

  const detector = options.detector;
  if (detector) {
    if (options.classifier) throw new ToolError('USAGE', 'a model ends either in a classifier or in NonMaximumSuppression (--nms), not both; with --nms the class labels name the detector\'s classes');
    outputs = applyDetector(editor, detector, inputs, outputs, record, notes);
  }

  const named: Pick<CoreMLModel, 'predictedFeatureName' | 'predictedProbabilitiesName'> = {};
  if (options.classifier) {
    const imageOutputNames = new Set(record.imageOutputs.map((o) => o.name));
    const candidates = outputs.map((o) => o.name).filter((n) => !imageOutputNames.has(n));
    const scores = pickScoresOutput(editor, candidates, options.classifier);
    const classifier = addClassifierEpilogue(editor, scores, options.classifier);
    record.classifier = classifier;
    outputs = classifierOutputs(outputs, classifier);
    named.predictedFeatureName = classifier.labelOutput;
    named.predictedProbabilitiesName = classifier.probabilitiesOutput;
    notes.push(
      `classifier: ${classifier.labelCount} labels from ${options.classifier.labelSource} over output "${scores}"; ` +
        (classifier.softmaxAdded ? 'a softmax was added (the scores were not normalized)' : 'no softmax added (the scores already come from a softmax)'),
    );
  }

  const metadata = buildMetadata(options, source, toolVersion, record);
  let model: CoreMLModel = { ...converted, inputs, outputs, ...named, metadata, program };
  if (detector) model = withNmsStage(model, { ...record.detector!.nms, ...(detector.labels ? { labels: detector.labels } : {}) });
  model.inputs = describeFeatures(model.inputs, options.inputDescriptions, 'input');
  model.outputs = describeFeatures(model.outputs, options.outputDescriptions, 'output');
  return { model, record, notes };
}

/** The detector epilogue on every non-image output; returns the program's two outputs, raw confidence and coordinates. */
function applyDetector(
  editor: ProgramEditor,
  detector: DetectorOptions,
  inputs: readonly FeatureDescription[],
  outputs: readonly FeatureDescription[],
  record: InterfaceRecord,
  notes: string[],
): FeatureDescription[] {
  const imageOutputNames = new Set(record.imageOutputs.map((o) => o.name));
  const sources = outputs.map((o) => o.name).filter((n) => !imageOutputNames.has(n));
  const imageSize = detector.boxUnits === 'pixels' ? boxImageSize(inputs) : undefined;
  const applied = addDetectorEpilogue(editor, sources, { layout: detector.layout, boxFormat: detector.boxFormat, ...(imageSize ? { imageSize } : {}) });
  const { iouThreshold, confidenceThreshold, perClass, maxDetections } = detector;
  record.detector = { ...applied, nms: { iouThreshold, confidenceThreshold, perClass, maxDetections } };
  notes.push(detectorNote(detector, applied.layout, applied.outputs, applied.classes, imageSize));
  const rows = (name: string, columns: number): FeatureDescription => ({ name, type: { kind: 'multiArray', dtype: 'float32', shape: [applied.boxes, columns] } });
  return [rows(NMS_NAMES.rawConfidence, applied.classes), rows(NMS_NAMES.rawCoordinates, 4)];
}

/** The width and height pixel boxes are divided by: the image input's, else the first [1, C, H, W] input's. */
function boxImageSize(inputs: readonly FeatureDescription[]): { width: number; height: number } {
  const image = inputs.find((f) => f.type.kind === 'image');
  if (image?.type.kind === 'image') {
    if (image.type.sizeRange || image.type.enumeratedSizes) throw new ToolError('USAGE', `--box-units pixels needs a fixed image size; image input "${image.name}" has flexible sizes (boxes could not be normalized)`);
    return { width: image.type.width, height: image.type.height };
  }
  const planar = inputs.find((f) => f.type.kind === 'multiArray' && f.type.shape.length === 4 && !f.type.shapeRange && !f.type.enumeratedShapes);
  if (planar) return { width: planar.type.shape[3]!, height: planar.type.shape[2]! };
  throw new ToolError('USAGE', '--box-units pixels needs an image input (or a fixed [1, C, H, W] input) to normalize the boxes by; give --box-units normalized when the boxes already are');
}

function detectorNote(o: DetectorOptions, layout: string, sources: readonly string[], classes: number, imageSize: { width: number; height: number } | undefined): string {
  const units = imageSize ? `${o.boxFormat} in pixels of ${imageSize.width}×${imageSize.height}` : `${o.boxFormat}, normalized`;
  const labels = o.labels ? `, ${o.labels.length} labels from ${o.labelSource ?? 'the options'}` : '';
  return (
    `detector (${layout}: ${sources.map((s) => `"${s}"`).join(', ')}; ${classes} classes, boxes ${units}${labels}) → NonMaximumSuppression ` +
    `(IoU ${o.iouThreshold}, confidence ${o.confidenceThreshold}, ${o.perClass ? 'per class' : 'class-agnostic'}, at most ${o.maxDetections} boxes)`
  );
}
