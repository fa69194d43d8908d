import { ConversionError, ToolError, errorMessage, type ErrorCode, type UnsupportedNode } from '../errors.js';

/**
 * How a failure leaves the process: an exit code (public interface), a stable
 * error code for scripts, a message for people, and the unsupported nodes when
 * that is the reason.
 */

export const EXIT_OK = 0;
/** Conversion not possible, or verification failed. */
export const EXIT_FAILED = 1;
/** Usage error or unreadable input. */
export const EXIT_USAGE = 2;

export type ExitCode = typeof EXIT_OK | typeof EXIT_FAILED | typeof EXIT_USAGE;

/** Every error code maps to an exit code; the Record type makes a new code a compile error here. */
const EXIT_CODE_OF: Readonly<Record<ErrorCode, ExitCode>> = {
  USAGE: EXIT_USAGE,
  FILE_NOT_FOUND: EXIT_USAGE,
  FILE_TOO_LARGE: EXIT_USAGE,
  TRUNCATED: EXIT_USAGE,
  MALFORMED: EXIT_USAGE,
  LFS_POINTER: EXIT_USAGE,
  LIMIT_EXCEEDED: EXIT_USAGE,
  EXTERNAL_DATA: EXIT_USAGE,
  INVALID_PACKAGE: EXIT_USAGE,
  REFERENCE: EXIT_USAGE,
  UNSUPPORTED_OP: EXIT_FAILED,
  UNSUPPORTED_FEATURE: EXIT_FAILED,
  CONVERSION: EXIT_FAILED,
  RUNTIME: EXIT_FAILED,
  WORKER: EXIT_FAILED,
  INTERNAL: EXIT_FAILED,
};

/** File-system errors a user causes with a bad path; anything else from node is our bug. */
const FILE_SYSTEM_REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EEXIST: 'already exists',
  ENAMETOOLONG: 'name too long',
};

export interface Failure {
  exitCode: ExitCode;
  code: ErrorCode;
  message: string;
  unsupported?: readonly UnsupportedNode[];
  /** Whether this is a defect in the tool rather than a problem with the input. */
  internal: boolean;
}

function fileSystemFailure(err: unknown): Failure | undefined {
  const { code, path } = err as { code?: unknown; path?: unknown };
  if (typeof code !== 'string') return undefined;
  const reason = FILE_SYSTEM_REASONS[code];
  if (reason === undefined) return undefined;
  const where = typeof path === 'string' ? `${path}: ` : '';
  const errorCode: ErrorCode = code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'USAGE';
  return { exitCode: EXIT_USAGE, code: errorCode, message: `${where}${reason}`, internal: false };
}

/** Classifies anything thrown by a command. */
export function describeFailure(err: unknown): Failure {
  if (err instanceof ConversionError) {
    return { exitCode: EXIT_CODE_OF[err.code], code: err.code, message: err.message, unsupported: err.unsupported, internal: false };
  }
  if (err instanceof ToolError) {
    return { exitCode: EXIT_CODE_OF[err.code], code: err.code, message: err.message, internal: err.code === 'INTERNAL' };
  }
  return fileSystemFailure(err) ?? { exitCode: EXIT_FAILED, code: 'INTERNAL', message: `internal error: ${errorMessage(err)}`, internal: true };
}

/** The JSON object printed on stdout for a failure under --json. */
export function failureJson(failure: Failure, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const body: Record<string, unknown> = { ...extra, error: { code: failure.code, message: failure.message } };
  if (failure.unsupported && failure.unsupported.length > 0) {
    body['unsupported'] = failure.unsupported.map(({ op, node, reason }) => ({ op, node, reason }));
  }
  return body;
}
