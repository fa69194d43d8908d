import { closeSync, realpathSync } from 'node:fs';
import { constants as bufferConstants } from 'node:buffer';
import { dirname, isAbsolute, join, sep, win32 } from 'node:path';
import { ModelInputError, type ErrorCode } from '../errors.js';
import type { onnx } from '../gen/onnx.js';
import { isLfsPointer, lfsPointerSize } from './lfs-pointer.js';
import type { ExternalDataReader } from './tensor-proto.js';
import { openRegularFile, readRangeSync } from '../safe-file.js';

/**
 * Safe resolution of ONNX external data (TensorProto.data_location = EXTERNAL).
 * Models arrive in pull requests, whose authors control the whole directory
 * tree, so a location is accepted only when it is relative, has no `..`, and
 * its real path (after every symlink) stays inside the model's folder; the file
 * must be a regular file with a single link, and only the bytes the tensor
 * needs are read.
 */

/** Keys ONNX defines for external_data; anything else is refused rather than ignored. */
const KNOWN_KEYS = new Set(['location', 'offset', 'length', 'checksum', 'basepath']);

interface ExternalLocation {
  location: string;
  offset: bigint;
  length: bigint | undefined;
}

/** A reader for the external tensors of the model at `modelPath`, resolved against the model's own folder. */
export function createExternalDataReader(modelPath: string): ExternalDataReader {
  let realFolder: string | undefined;
  const fail: Fail = (message, cause, code = 'EXTERNAL_DATA') => new ModelInputError(code, message, { file: modelPath, cause });
  const folder = (): string => {
    if (realFolder === undefined) {
      try {
        realFolder = realpathSync(dirname(modelPath));
      } catch (err) {
        throw fail('external data needs the model folder, which cannot be resolved', err);
      }
    }
    return realFolder;
  };
  return (proto, expectedBytes, what) => {
    const ext = parseExternalData(proto.externalData ?? [], what, fail);
    const real = resolveInside(folder(), ext.location, what, fail);
    return readRange(folder(), real, ext, expectedBytes, what, fail, modelPath);
  };
}

type Fail = (message: string, cause?: unknown, code?: ErrorCode) => ModelInputError;

function parseExternalData(entries: readonly onnx.IStringStringEntryProto[], what: string, fail: Fail): ExternalLocation {
  const values = new Map<string, string>();
  for (const { key, value } of entries) {
    const k = key ?? '';
    if (!KNOWN_KEYS.has(k)) throw fail(`${what} has an unknown external_data key "${k}"`);
    if (values.has(k)) throw fail(`${what} repeats the external_data key "${k}"`);
    values.set(k, value ?? '');
  }
  const location = values.get('location');
  if (!location) throw fail(`${what} is stored externally but names no location`);
  return {
    location,
    offset: parseByteCount(values.get('offset'), 'offset', what, fail) ?? 0n,
    length: parseByteCount(values.get('length'), 'length', what, fail),
  };
}

function parseByteCount(text: string | undefined, key: string, what: string, fail: Fail): bigint | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,16}$/.test(text)) throw fail(`${what} has external_data ${key} "${text}", not a non-negative integer`);
  return BigInt(text);
}

/** The real path of `location`, which must stay inside `folder` (checked after resolving every symlink). */
function resolveInside(folder: string, location: string, what: string, fail: Fail): string {
  if (location.includes('\0')) throw fail(`${what} has an external data location containing a NUL byte`);
  if (isAbsolute(location) || win32.isAbsolute(location)) {
    throw fail(`${what} has an absolute external data location "${location}"; it must be relative to the model's folder`);
  }
  if (location.split(/[\\/]+/).includes('..')) {
    throw fail(`${what} has an external data location "${location}" containing "..", which could leave the model's folder`);
  }
  let real: string;
  try {
    real = realpathSync(join(folder, location));
  } catch (err) {
    throw fail(`${what} names external data "${location}", which does not exist beside the model`, err);
  }
  if (!real.startsWith(folder + sep)) {
    throw fail(`${what} names external data "${location}", which resolves (through a symlink) outside the model's folder`);
  }
  return real;
}

function readRange(folder: string, real: string, ext: ExternalLocation, expectedBytes: number, what: string, fail: Fail, modelPath: string): Uint8Array {
  // The opener refuses FIFOs and devices without blocking, a real path swapped for a symlink since, and hard links.
  const checked = openRegularFile(real, {
    what: `${what}: external data "${ext.location}"`,
    maxBytes: Number.MAX_SAFE_INTEGER,
    within: folder,
    singleLink: true,
    code: 'EXTERNAL_DATA',
    file: modelPath,
  });
  try {
    if (checked.size < 1024) {
      const head = readRangeSync(checked, checked.size, 0, modelPath);
      if (isLfsPointer(head)) {
        const real = lfsPointerSize(head);
        throw fail(
          `${what}: external data "${ext.location}" is a Git LFS pointer${real === undefined ? '' : ` (the real file has ${real} bytes)`}; check the repository out with \`lfs: true\` (actions/checkout)`,
        );
      }
    }
    const size = BigInt(checked.size);
    const length = ext.length ?? size - ext.offset;
    if (ext.offset + length > size || length < 0n) {
      throw fail(`${what}: external data "${ext.location}" has ${size} bytes, but offset ${ext.offset} + length ${length} reaches past its end`);
    }
    if (length !== BigInt(expectedBytes)) {
      throw fail(`${what}: external data "${ext.location}" holds ${length} bytes, but its type and shape need exactly ${expectedBytes}`);
    }
    if (expectedBytes > bufferConstants.MAX_LENGTH) {
      throw fail(`${what} needs ${expectedBytes} bytes, more than one buffer can hold`, undefined, 'LIMIT_EXCEEDED');
    }
    return readRangeSync(checked, expectedBytes, Number(ext.offset), modelPath);
  } finally {
    closeSync(checked.fd);
  }
}
