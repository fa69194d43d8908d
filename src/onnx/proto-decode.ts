import { ModelInputError } from '../errors.js';

/**
 * Runs a protobufjs decoder over untrusted bytes and turns every way it can
 * fail into a ModelInputError that names the file: reads past the end are a
 * truncated file, nesting beyond protobufjs' recursion limit (or a stack
 * overflow) is a limit, anything else is a malformed file.
 */
export function decodeProtoSafely<T>(decode: (bytes: Buffer) => T, bytes: Buffer, file: string, what: string): T {
  try {
    return decode(bytes);
  } catch (err) {
    throw protoDecodeError(err, file, what);
  }
}

export function protoDecodeError(err: unknown, file: string, what: string): ModelInputError {
  if (err instanceof ModelInputError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/index out of range/i.test(message)) {
    return new ModelInputError('TRUNCATED', `the ${what} ends in the middle of a field: the file is truncated or is not an ONNX ${what}`, {
      file,
      cause: err,
    });
  }
  if (isDepthError(err)) {
    return new ModelInputError('LIMIT_EXCEEDED', `the ${what} nests messages deeper than the decoder allows`, { file, cause: err });
  }
  return new ModelInputError('MALFORMED', `not a valid ONNX ${what} (${message})`, { file, cause: err });
}

/** True for protobufjs' recursion guard and for V8's own stack overflow. */
export function isDepthError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return /max depth exceeded|maximum call stack size exceeded/i.test(err.message);
}

/** A Buffer over the same memory, so protobufjs slices bytes fields as views instead of copies. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
