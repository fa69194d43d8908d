import { lstat, open, realpath, stat } from 'node:fs/promises';
import { dirname, sep } from 'node:path';
import { ModelInputError } from '../errors.js';
import { decodeOnnxModel, isLfsPointer, lfsPointerError } from './decode.js';
import type { OnnxModel } from './ir.js';
import { resolveLimits, type OnnxLimits } from './limits.js';

/**
 * Checks the model path before reading: it must be a regular file (a symlink
 * only when its target stays in the link's own folder, since a pull request can
 * commit a link to any file on the runner) and no larger than the size cap.
 */
async function checkModelFile(path: string, limits: OnnxLimits): Promise<number> {
  let info;
  try {
    info = await lstat(path);
  } catch (err) {
    throw new ModelInputError('FILE_NOT_FOUND', 'cannot find the model file', { file: path, cause: err });
  }
  if (info.isSymbolicLink()) {
    const [real, folder] = await Promise.all([realpath(path).catch(() => ''), realpath(dirname(path))]);
    if (!real.startsWith(folder + sep)) {
      throw new ModelInputError('MALFORMED', "the model is a symlink that leads outside its own folder; refusing to read it", { file: path });
    }
  }
  const target = await stat(path);
  if (!target.isFile()) throw new ModelInputError('MALFORMED', 'the model path is not a regular file', { file: path });
  if (target.size > limits.maxFileBytes) {
    throw new ModelInputError('FILE_TOO_LARGE', `the model has ${target.size} bytes, above the limit of ${limits.maxFileBytes}`, { file: path });
  }
  return target.size;
}

/** Reads exactly `size` bytes into a fresh buffer whose offset 0 is aligned for every typed array. */
async function readWhole(path: string, size: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    // Unpooled, so the buffer starts at offset 0 of its own memory; every byte is overwritten below.
    const bytes = Buffer.allocUnsafeSlow(size);
    let done = 0;
    while (done < size) {
      const { bytesRead } = await handle.read(bytes, done, size - done, done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done === size ? bytes : bytes.subarray(0, done);
  } finally {
    await handle.close();
  }
}

/**
 * Loads an ONNX model file: size cap before reading, Git LFS pointer
 * detection, then decodeOnnxModel (limits, external data beside the model).
 */
export async function loadOnnxModel(path: string, limits?: Partial<OnnxLimits>): Promise<OnnxModel> {
  const resolved = resolveLimits(limits);
  const size = await checkModelFile(path, resolved);
  const bytes = await readWhole(path, size);
  if (isLfsPointer(bytes)) throw lfsPointerError(path, bytes);
  return decodeOnnxModel(bytes, { path, limits: resolved });
}
