import { capEchoed, capName } from './report/escape.js';
import type { CoverageReport } from './convert/outcomes.js';

/**
 * Typed errors. Every error a user can cause names the file and the problem;
 * `code` is stable and scriptable, `message` is for people.
 */
export type ErrorCode =
  | 'USAGE'
  | 'FILE_NOT_FOUND'
  | 'FILE_TOO_LARGE'
  | 'TRUNCATED'
  | 'MALFORMED'
  | 'LFS_POINTER'
  | 'LIMIT_EXCEEDED'
  | 'EXTERNAL_DATA'
  | 'UNSUPPORTED_OP'
  | 'UNSUPPORTED_FEATURE'
  | 'CONVERSION'
  | 'INVALID_PACKAGE'
  | 'RUNTIME'
  | 'REFERENCE'
  /** A worker thread running part of the job died (out of memory, a crash). */
  | 'WORKER'
  | 'INTERNAL';

export class ToolError extends Error {
  readonly code: ErrorCode;
  /** The file the error is about, when there is one. */
  readonly file: string | undefined;

  constructor(code: ErrorCode, message: string, options: { file?: string; cause?: unknown } = {}) {
    // Messages quote names from the model: capped here, so no error can echo a 100,000-character op type.
    super(capEchoed(options.file ? `${options.file}: ${message}` : message), { cause: options.cause });
    this.name = 'ToolError';
    this.code = code;
    this.file = options.file;
  }
}

/** Input a user gave that cannot be read as a model (limits, corruption, unsafe paths). */
export class ModelInputError extends ToolError {
  constructor(code: ErrorCode, message: string, options: { file?: string; cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'ModelInputError';
  }
}

/** One unsupported node: op type, node name and why. */
export interface UnsupportedNode {
  op: string;
  node: string;
  reason: string;
}

export type NodeStatus = 'converted' | 'folded' | 'failed' | 'skipped';

/** What one conversion attempt did with one ONNX node; `reason` says why a node failed or was skipped. */
export interface NodeOutcome {
  op: string;
  node: string;
  status: NodeStatus;
  reason?: string;
}

/** The model is readable but cannot be expressed in Core ML (yet). */
export class ConversionError extends ToolError {
  readonly unsupported: readonly UnsupportedNode[];
  /** The op-coverage table of the attempt that failed, when the conversion got that far. */
  coverage?: CoverageReport;
  constructor(message: string, unsupported: readonly UnsupportedNode[] = [], options: { file?: string; cause?: unknown } = {}) {
    super(unsupported.length > 0 ? 'UNSUPPORTED_OP' : 'CONVERSION', message, options);
    this.name = 'ConversionError';
    this.unsupported = unsupported.map(({ op, node, reason }) => ({ op: capName(op), node: capName(node), reason: capEchoed(reason) }));
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
