import { createHash } from 'node:crypto';
import { ModelInputError } from '../errors.js';

/**
 * Manifest.json of an .mlpackage: the items (model spec, weights folder) and
 * which one is the root model. Validated the way Core ML's ModelPackage does.
 */

export interface ManifestItem {
  path: string;
  name: string;
  author: string;
  description: string;
}

export interface Manifest {
  fileFormatVersion: string;
  itemInfoEntries: Record<string, ManifestItem>;
  rootModelIdentifier: string;
}

export const MANIFEST_FILE_NAME = 'Manifest.json';
export const PACKAGE_DATA_DIR = 'Data';
export const PACKAGE_AUTHOR = 'com.apple.CoreML';
export const MODEL_ITEM_NAME = 'model.mlmodel';
export const WEIGHTS_ITEM_NAME = 'weights';
export const WEIGHTS_FILE_NAME = 'weight.bin';
const SUPPORTED_FORMAT_VERSION = [1, 0, 0] as const;

/** SHA-256 digests (hex) of the two items' contents, which name them in the manifest. */
export interface ManifestContentHashes {
  model: string;
  weights: string;
}

/**
 * An item identifier in the UUID shape Core ML's ModelPackage expects, derived
 * from the item's path and a digest of its content (an RFC 9562 version 8
 * UUID: custom bits, version and variant set). coremltools writes random
 * UUIDs; deriving them instead makes a package's bytes a function of the
 * model alone, so converting the same model twice (a re-run of a release)
 * gives identical files and checksums.
 */
export function contentItemIdentifier(itemPath: string, contentSha256: string): string {
  const bytes = createHash('sha256').update(`${itemPath}\0${contentSha256}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex').toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The manifest coremltools writes: a model item and a weights item, identified by their contents. */
export function createManifest(contents: ManifestContentHashes): Manifest {
  const modelPath = `${PACKAGE_AUTHOR}/${MODEL_ITEM_NAME}`;
  const weightsPath = `${PACKAGE_AUTHOR}/${WEIGHTS_ITEM_NAME}`;
  const modelId = contentItemIdentifier(modelPath, contents.model);
  const weightsId = contentItemIdentifier(weightsPath, contents.weights);
  return {
    fileFormatVersion: '1.0.0',
    itemInfoEntries: {
      [modelId]: {
        author: PACKAGE_AUTHOR,
        description: 'CoreML Model Specification',
        name: MODEL_ITEM_NAME,
        path: modelPath,
      },
      [weightsId]: {
        author: PACKAGE_AUTHOR,
        description: 'CoreML Model Weights',
        name: WEIGHTS_ITEM_NAME,
        path: weightsPath,
      },
    },
    rootModelIdentifier: modelId,
  };
}

/** Recursively sorts object keys, as Core ML's JSON writer emits them. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
}

export function serializeManifest(manifest: Manifest): string {
  return `${JSON.stringify(sortKeys(manifest), null, 4)}\n`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function checkFormatVersion(version: unknown, fail: (m: string) => never): void {
  if (typeof version !== 'string') fail('fileFormatVersion is missing');
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!match) fail(`fileFormatVersion "${version}" is not major.minor.patch`);
  const parts = match.slice(1).map(Number);
  for (let i = 0; i < 3; i++) {
    if (parts[i]! < SUPPORTED_FORMAT_VERSION[i]!) return;
    if (parts[i]! > SUPPORTED_FORMAT_VERSION[i]!) fail(`fileFormatVersion ${version} is newer than the supported 1.0.0`);
  }
}

/** Parses and validates Manifest.json text. Item existence on disk is checked by the package reader. */
export function parseManifest(text: string, file: string): Manifest {
  const fail = (message: string): never => {
    throw new ModelInputError('INVALID_PACKAGE', message, { file });
  };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    fail(`not valid JSON (${(err as Error).message})`);
  }
  if (!isRecord(json)) return fail('manifest is not a JSON object');
  checkFormatVersion(json['fileFormatVersion'], fail);
  const entries = json['itemInfoEntries'];
  if (!isRecord(entries)) return fail('itemInfoEntries is missing or not an object');
  // Identifiers are untrusted keys: a null-prototype object keeps "__proto__" an ordinary entry.
  const items: Record<string, ManifestItem> = Object.create(null) as Record<string, ManifestItem>;
  for (const [id, info] of Object.entries(entries)) {
    const keys = ['path', 'name', 'author', 'description'] as const;
    if (!isRecord(info) || keys.some((k) => typeof info[k] !== 'string')) {
      fail(`invalid itemInfo for identifier "${id}" (needs string path, name, author and description)`);
    }
    const entry = info as Record<(typeof keys)[number], string>;
    items[id] = { path: entry.path, name: entry.name, author: entry.author, description: entry.description };
  }
  const root = json['rootModelIdentifier'];
  if (typeof root !== 'string') return fail('rootModelIdentifier is missing');
  if (!Object.hasOwn(items, root)) fail(`root model identifier "${root}" is not among the items`);
  return { fileFormatVersion: json['fileFormatVersion'] as string, itemInfoEntries: items, rootModelIdentifier: root };
}
