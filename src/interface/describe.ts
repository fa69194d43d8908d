import type { CoreMLModel, FeatureDescription, FeatureType, PipelineLayout } from '../coreml/model.js';
import { METADATA_KEYS, readInterfaceRecord } from './metadata.js';
import type { ImageInputOptions, InterfaceRecord } from './types.js';

/**
 * What an app sees of a package, as plain data: each input and output with its kind,
 * type and shape (images with their color space, size and normalization), the classifier
 * (label count, output names) and the metadata that is set. `check PACKAGE.mlpackage`
 * prints it and the pull-request comment shows it.
 */

export interface FeatureSummary {
  name: string;
  /** "image", "multiArray", "string", "int64", "double" or "dictionary". */
  kind: FeatureType['kind'];
  /** In words: `RGB image 224×224`, `float32 [1, 1000]`, `string`, `dictionary string → double`. */
  type: string;
  /** Image inputs: the normalization the app need not do itself; image outputs: how values become pixels. */
  normalization?: string;
  description?: string;
}

export interface InterfaceSummary {
  inputs: FeatureSummary[];
  outputs: FeatureSummary[];
  classifier?: { labels: number; labelOutput: string; probabilitiesOutput: string; softmaxAdded: boolean | null };
  /** A pipeline's stages in order, and its NonMaximumSuppression settings in words. */
  pipeline?: { stages: string[]; nms?: string };
  /** Metadata fields that are set (author, license, version, description), then user-defined entries. */
  metadata: Record<string, string>;
  userDefined: Record<string, string>;
}

const sizeRange = ([lo, hi]: [number, number]): string => (hi < 0 ? `${lo}+` : lo === hi ? String(lo) : `${lo}–${hi}`);

const TYPE_TEXT: { [K in FeatureType['kind']]: (t: Extract<FeatureType, { kind: K }>) => string } = {
  multiArray: (t) => `${t.dtype} [${t.shape.join(', ')}]${t.shapeRange ? ` (ranges ${t.shapeRange.map(sizeRange).join(' × ')})` : ''}${t.enumeratedShapes ? ` (${t.enumeratedShapes.length} enumerated shapes)` : ''}`,
  image: (t) =>
    `${t.colorSpace} image ${t.width}×${t.height}` +
    (t.sizeRange ? ` (width ${sizeRange(t.sizeRange.width)}, height ${sizeRange(t.sizeRange.height)})` : '') +
    (t.enumeratedSizes ? ` (sizes ${t.enumeratedSizes.map((s) => `${s.width}×${s.height}`).join(', ')})` : ''),
  string: () => 'string',
  int64: () => 'int64',
  double: () => 'double',
  dictionary: (t) => `dictionary ${t.keyType} → double`,
};

function typeText(type: FeatureType): string {
  return (TYPE_TEXT[type.kind] as (t: FeatureType) => string)(type);
}

const num = (v: number): string => String(Number(v.toPrecision(6)));

function inputNormalization(o: ImageInputOptions & { folded: InterfaceRecord['imageInputs'][number]['folded'] }): string {
  const given =
    o.mean !== undefined || o.std !== undefined || o.pixelRange !== undefined
      ? `mean [${(o.mean ?? [0]).map(num).join(', ')}], std [${(o.std ?? [1]).map(num).join(', ')}] on 0–${o.pixelRange ?? 255}`
      : `scale ${num(o.scale ?? 1)}, bias [${(o.bias ?? [0]).map(num).join(', ')}]`;
  const f = o.folded;
  const folded = `pixel·${num(f.scale)} + [${f.bias.map(num).join(', ')}]${f.channelScale ? ` then ·[${f.channelScale.map(num).join(', ')}]` : ''}`;
  return `${given} → ${folded}`;
}

function summarize(f: FeatureDescription, normalization: string | undefined): FeatureSummary {
  const out: FeatureSummary = { name: f.name, kind: f.type.kind, type: typeText(f.type) };
  if (normalization !== undefined) out.normalization = normalization;
  if (f.shortDescription) out.description = f.shortDescription;
  return out;
}

export function describeInterface(model: CoreMLModel): InterfaceSummary {
  const record = readInterfaceRecord(model.metadata);
  const inputs = model.inputs.map((f) => {
    const image = record?.imageInputs.find((o) => o.name === f.name);
    return summarize(f, image && f.type.kind === 'image' ? inputNormalization(image) : undefined);
  });
  const outputs = model.outputs.map((f) => {
    const image = record?.imageOutputs.find((o) => o.name === f.name);
    return summarize(f, image && f.type.kind === 'image' ? `pixel = clip(value·${num(image.scale)} + [${image.bias.map(num).join(', ')}], 0, 255)` : undefined);
  });
  const m = model.metadata;
  const metadata: Record<string, string> = {};
  if (m.author) metadata['author'] = m.author;
  if (m.license) metadata['license'] = m.license;
  if (m.versionString) metadata['version'] = m.versionString;
  if (m.shortDescription) metadata['description'] = m.shortDescription;
  const { [METADATA_KEYS.interface]: _record, ...userDefined } = m.userDefined ?? {};
  const summary: InterfaceSummary = { inputs, outputs, metadata, userDefined };
  if (model.pipeline) summary.pipeline = describePipeline(model.pipeline);
  const label = model.predictedFeatureName;
  const probabilities = model.predictedProbabilitiesName;
  if (label !== undefined && probabilities !== undefined) {
    summary.classifier = {
      labels: record?.classifier?.labelCount ?? classCount(model),
      labelOutput: label,
      probabilitiesOutput: probabilities,
      softmaxAdded: record?.classifier?.softmaxAdded ?? null,
    };
  }
  return summary;
}

function describePipeline(layout: PipelineLayout): NonNullable<InterfaceSummary['pipeline']> {
  const stages = ['ML program', ...layout.stages.map(() => 'NonMaximumSuppression')];
  const nms = layout.stages[0];
  if (!nms) return { stages };
  const confidence = nms.outputs.find((o) => o.name === nms.confidenceOutput)?.type;
  const most = confidence?.kind === 'multiArray' ? confidence.shapeRange?.[0]?.[1] : undefined;
  const parts = [
    `IoU ${num(nms.iouThreshold)}`,
    `confidence ${num(nms.confidenceThreshold)}`,
    nms.perClass ? 'per class' : 'class-agnostic',
    ...(most !== undefined && most >= 0 ? [`at most ${most} boxes`] : []),
    ...(nms.classLabels ? [`${nms.classLabels.length} class labels`] : []),
  ];
  return { stages, nms: parts.join(', ') };
}

/** The number of classes of a classifier's classify op (for packages without a record). */
function classCount(model: CoreMLModel): number {
  for (const fn of Object.values(model.program.functions)) {
    for (const op of fn.block.operations) if (op.type === 'const' && op.outputs[0]?.type.collection?.kind === 'list') return op.outputs[0].type.shape[0] ?? 0;
  }
  return 0;
}
