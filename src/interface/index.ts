import type { CoreMLModel, FeatureDescription } from '../coreml/model.js';
import { ToolError } from '../errors.js';
import { mainFunction } from '../mil/ir.js';
import { addClassifierEpilogue, classifierOutputs, pickScoresOutput } from './classifier.js';
import { addImagePrologue, checkImageInputs, describeFolded, foldNormalization, imageInputFeature } from './image-input.js';
import { addImageEpilogue, imageOutputFeature, resolveImageOutput } from './image-output.js';
import { buildMetadata, describeFeatures } from './metadata.js';
import { ProgramEditor } from './program-edit.js';
import type { InterfaceOptions, InterfaceRecord, SourceFacts } from './types.js';

export type * from './types.js';
export { readInterfaceRecord, METADATA_KEYS, TOOL_NAME } from './metadata.js';

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

  inputs = describeFeatures(inputs, options.inputDescriptions, 'input');
  outputs = describeFeatures(outputs, options.outputDescriptions, 'output');
  return {
    model: { ...converted, inputs, outputs, ...named, metadata: buildMetadata(options, source, toolVersion, record), program },
    record,
    notes,
  };
}
