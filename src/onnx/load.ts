import { closeSync } from 'node:fs';
import { ModelInputError } from '../errors.js';
import { openRegularFile, readRangeSync, readRegularFile, type SafeFileOptions } from '../safe-file.js';
import { decodeOnnxModel, isLfsPointer, lfsPointerError } from './decode.js';
import type { OnnxModel } from './ir.js';
import { resolveLimits, type OnnxLimits } from './limits.js';
import { validateOnnxModel } from './validate.js';

/**
 * How a loaded model holds its large weights: all of them, read with the file
 * (the default), or none, each read from the file again when first used, for
 * callers that convert and write a model and then let it go (the report).
 */
export type WeightReading = 'whole' | 'on-demand';

/**
 * Reads ranges of the model file again, opening it with the same checks each
 * time; a file whose size changed since it was decoded is an input error, not
 * weights from another model.
 */
function fileRangeReader(path: string, options: SafeFileOptions, size: number): (offset: number, length: number) => Uint8Array {
  return (offset, length) => {
    const file = openRegularFile(path, options);
    try {
      if (file.size !== size) throw new ModelInputError('MALFORMED', `the model changed on disk while it was being converted (${size} bytes, now ${file.size})`, { file: path });
      return readRangeSync(file, length, offset, path);
    } finally {
      closeSync(file.fd);
    }
  };
}

/**
 * Loads an ONNX model file: the safe opener checks it first (a regular file,
 * a symlink only when its target stays in the link's own folder, since a pull
 * request can commit a link to any file on the runner, and the size cap), then
 * Git LFS pointer detection, then decodeOnnxModel (limits, external data beside the model),
 * then graph validation (validate.ts).
 */
export async function loadOnnxModel(path: string, limits?: Partial<OnnxLimits>, options: { weights?: WeightReading } = {}): Promise<OnnxModel> {
  const resolved = resolveLimits(limits);
  const opener = { what: 'the model', maxBytes: resolved.maxFileBytes };
  const bytes = await readRegularFile(path, opener);
  if (isLfsPointer(bytes)) throw lfsPointerError(path, bytes);
  // The file's bytes are not kept: the model holds its weights once, or reads them again when used.
  const onDemand = options.weights === 'on-demand' ? { rawDataFrom: fileRangeReader(path, opener, bytes.byteLength) } : {};
  const model = decodeOnnxModel(bytes, { path, limits: resolved, ownData: true, ...onDemand });
  validateOnnxModel(model);
  return model;
}
