import { readRegularFile, readRegularFileRange } from '../safe-file.js';
import type { WeightReading } from '../tensor/on-demand.js';
import { decodeOnnxModel, isLfsPointer, lfsPointerError } from './decode.js';
import type { OnnxModel } from './ir.js';
import { resolveLimits, type OnnxLimits } from './limits.js';
import { validateOnnxModel } from './validate.js';

/**
 * Loads an ONNX model file (its large weights held, or with `weights:
 * 'on-demand'` each read from the file again when first used, for callers that
 * convert and write a model and then let it go): the safe opener checks it first (a regular file,
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
  const size = bytes.byteLength;
  const rawDataFrom = (offset: number, length: number): Uint8Array => readRegularFileRange(path, opener, size, offset, length);
  const onDemand = options.weights === 'on-demand' ? { rawDataFrom } : {};
  const model = decodeOnnxModel(bytes, { path, limits: resolved, ownData: true, ...onDemand });
  validateOnnxModel(model);
  return model;
}
