import type { FeatureDescription, ModelMetadata } from '../coreml/model.js';
import { ToolError } from '../errors.js';
import type { InterfaceRecord, MetadataOptions, SourceFacts } from './types.js';

/**
 * The package's metadata: what the user set, else what the source model says. Every
 * package carries the SHA-256 of its source file and this tool's name and version, so a
 * shipped model can be traced back to the change that produced it.
 */

export const TOOL_NAME = 'onnx-coreml-action';
const KEY_PREFIX = 'com.github.onnx-coreml-action.';
export const METADATA_KEYS = {
  source: `${KEY_PREFIX}source`,
  sourceSha256: `${KEY_PREFIX}source.sha256`,
  producer: `${KEY_PREFIX}producer`,
  version: `${KEY_PREFIX}version`,
  interface: `${KEY_PREFIX}interface`,
} as const;

/** Source-model properties that fill a metadata field when the user leaves it unset. */
const FIELD_FROM_PROPERTY: Record<'author' | 'license', readonly string[]> = {
  author: ['author', 'Author'],
  license: ['license', 'License'],
};

function fromProperties(props: Record<string, string>, keys: readonly string[]): string | undefined {
  for (const k of keys) if (props[k]) return props[k];
  return undefined;
}

export function buildMetadata(options: MetadataOptions, source: SourceFacts, toolVersion: string, record: InterfaceRecord): ModelMetadata {
  const userDefined: Record<string, string> = { ...source.properties, ...(options.metadata ?? {}) };
  userDefined[METADATA_KEYS.source] = 'onnx';
  userDefined[METADATA_KEYS.sourceSha256] = source.sha256;
  userDefined[METADATA_KEYS.version] = `${TOOL_NAME} ${toolVersion}`;
  const producer = `${source.producerName ?? ''} ${source.producerVersion ?? ''}`.trim();
  if (producer) userDefined[METADATA_KEYS.producer] = producer;
  if (record.imageInputs.length + record.imageOutputs.length > 0 || record.classifier || record.detector) userDefined[METADATA_KEYS.interface] = JSON.stringify(record);
  const meta: ModelMetadata = { userDefined };
  const shortDescription = options.description ?? source.docString;
  if (shortDescription) meta.shortDescription = shortDescription;
  const version = options.version ?? (source.modelVersion === undefined ? undefined : String(source.modelVersion));
  if (version) meta.versionString = version;
  const author = options.author ?? fromProperties(source.properties, FIELD_FROM_PROPERTY.author);
  if (author) meta.author = author;
  const license = options.license ?? fromProperties(source.properties, FIELD_FROM_PROPERTY.license);
  if (license) meta.license = license;
  return meta;
}

/** Sets feature descriptions by name; a name that is no feature is a usage error. */
export function describeFeatures(features: FeatureDescription[], texts: Record<string, string> | undefined, what: 'input' | 'output'): FeatureDescription[] {
  if (!texts) return features;
  for (const name of Object.keys(texts)) {
    if (!features.some((f) => f.name === name)) {
      throw new ToolError('USAGE', `--${what}-description names "${name}", which is not an ${what} of the model (${what}s: ${features.map((f) => f.name).join(', ')})`);
    }
  }
  return features.map((f) => (texts[f.name] === undefined ? f : { ...f, shortDescription: texts[f.name]! }));
}

/** The interface record a package carries, or undefined when it has none (or not this tool's). */
export function readInterfaceRecord(metadata: ModelMetadata): InterfaceRecord | undefined {
  const text = metadata.userDefined?.[METADATA_KEYS.interface];
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<InterfaceRecord>;
    if (!Array.isArray(parsed.tensorOutputs) || !Array.isArray(parsed.imageInputs) || !Array.isArray(parsed.imageOutputs)) return undefined;
    return parsed as InterfaceRecord;
  } catch {
    return undefined;
  }
}
