import { randomUUID } from 'node:crypto';
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

/** The manifest coremltools writes: a model item and a weights item, with fresh UUID identifiers. */
export function createManifest(): Manifest {
  const modelId = randomUUID().toUpperCase();
  const weightsId = randomUUID().toUpperCase();
  return {
    fileFormatVersion: '1.0.0',
    itemInfoEntries: {
      [modelId]: {
        author: PACKAGE_AUTHOR,
        description: 'CoreML Model Specification',
        name: MODEL_ITEM_NAME,
        path: `${PACKAGE_AUTHOR}/${MODEL_ITEM_NAME}`,
      },
      [weightsId]: {
        author: PACKAGE_AUTHOR,
        description: 'CoreML Model Weights',
        name: WEIGHTS_ITEM_NAME,
        path: `${PACKAGE_AUTHOR}/${WEIGHTS_ITEM_NAME}`,
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
