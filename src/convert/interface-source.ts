import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { ModelInputError, ToolError } from '../errors.js';
import type { DetectorOptions, InterfaceOptions, SourceFacts } from '../interface/index.js';
import { labelsFromProperties, readLabelsFile } from '../interface/labels.js';
import type { OnnxModel } from '../onnx/ir.js';

/**
 * The bridge between an ONNX model and the interface module, which knows no ONNX: the
 * facts metadata defaults come from, and the class labels when they live in the model.
 */

/** SHA-256 of a file, hex, read as a stream (models can be gigabytes). */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (err) {
    throw new ModelInputError('FILE_NOT_FOUND', `cannot read the model to hash it (${(err as Error).message})`, { file: path, cause: err });
  }
  return hash.digest('hex');
}

export function sourceFactsOf(model: OnnxModel, sha256: string): SourceFacts {
  const facts: SourceFacts = { sha256, properties: Object.fromEntries(model.metadata) };
  if (model.docString) facts.docString = model.docString;
  if (model.producerName) facts.producerName = model.producerName;
  if (model.producerVersion) facts.producerVersion = model.producerVersion;
  if (model.modelVersion !== undefined) facts.modelVersion = model.modelVersion;
  return facts;
}

/** Interface options as a user gives them: class labels as a file to read. */
export interface InterfaceRequest extends Omit<InterfaceOptions, 'classifier' | 'detector'> {
  /** A .txt (one per line) or .json (array) file of class labels. */
  classLabels?: string;
  probabilitiesOutput?: string;
  /** `--nms`: a detector pipeline; the class labels then name the detector's classes. */
  nms?: Omit<DetectorOptions, 'labels' | 'labelSource'>;
}

/**
 * Reads the labels file, or takes the labels the model keeps in its metadata_props
 * (`class_labels`, `classes` or `labels`) when no file is given.
 */
export async function resolveInterface(request: InterfaceRequest, model: OnnxModel): Promise<InterfaceOptions> {
  const { classLabels, probabilitiesOutput, nms, ...rest } = request;
  const options: InterfaceOptions = { ...rest };
  if (nms) {
    if (probabilitiesOutput !== undefined) throw new ToolError('USAGE', '--probabilities-output is for classifiers; with --nms the detector outputs are read by their layout (--nms-layout)');
    options.detector = classLabels === undefined ? { ...nms } : { ...nms, labels: await readLabelsFile(classLabels), labelSource: classLabels };
    return options;
  }
  const probabilities = probabilitiesOutput === undefined ? {} : { probabilitiesOutput };
  if (classLabels !== undefined) {
    options.classifier = { labels: await readLabelsFile(classLabels), labelSource: classLabels, ...probabilities };
    return options;
  }
  const fromModel = labelsFromProperties(Object.fromEntries(model.metadata), model.sourcePath ?? 'the model');
  if (fromModel) options.classifier = { labels: fromModel.labels, labelSource: `the model's metadata_props "${fromModel.key}"`, ...probabilities };
  else if (probabilitiesOutput !== undefined) throw new ToolError('USAGE', '--probabilities-output needs class labels (--class-labels FILE, or labels in the model\'s metadata_props)');
  return options;
}
