import { readRegularFile } from '../safe-file.js';
import { decodeOnnxModel, isLfsPointer, lfsPointerError } from './decode.js';
import type { OnnxModel } from './ir.js';
import { resolveLimits, type OnnxLimits } from './limits.js';
import { validateOnnxModel } from './validate.js';

/**
 * Loads an ONNX model file: the safe opener checks it first (a regular file,
 * a symlink only when its target stays in the link's own folder, since a pull
 * request can commit a link to any file on the runner, and the size cap), then
 * Git LFS pointer detection, then decodeOnnxModel (limits, external data beside the model),
 * then graph validation (validate.ts).
 */
export async function loadOnnxModel(path: string, limits?: Partial<OnnxLimits>): Promise<OnnxModel> {
  const resolved = resolveLimits(limits);
  const bytes = await readRegularFile(path, { what: 'the model', maxBytes: resolved.maxFileBytes });
  if (isLfsPointer(bytes)) throw lfsPointerError(path, bytes);
  // The file's bytes are not kept: the model holds its weights once.
  const model = decodeOnnxModel(bytes, { path, limits: resolved, ownData: true });
  validateOnnxModel(model);
  return model;
}
