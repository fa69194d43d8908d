import { ModelInputError } from '../errors.js';

/**
 * Hard limits applied while reading an ONNX file. Models come from pull
 * requests, so every size the file declares is checked against these before
 * anything is allocated for it.
 */
export interface OnnxLimits {
  /** Largest model file accepted, checked with stat before reading. Default 2 GiB − 1 (protobuf's own message cap). */
  maxFileBytes: number;
  /** Largest element count of one tensor. Default 2^30. */
  maxTensorElements: number;
  /** Largest element count of all tensors of a model together (initializers, attribute tensors). Default 2^31. */
  maxTotalElements: number;
  /** Largest number of nodes, counted over the main graph, subgraphs and local functions. Default 1,000,000. */
  maxNodes: number;
  /** Deepest nesting of subgraphs (If/Loop/Scan bodies inside bodies). Default 16. */
  maxSubgraphDepth: number;
  /**
   * Most subgraphs in one model, all levels together. Default 1024. Depth alone does
   * not bound the work: 16 levels of If with both branches nested hold 65,535 bodies.
   */
  maxSubgraphs: number;
  /** Decoding work of the protobuf decoder, in units of about 8 bytes of heap (see proto-decode.ts). Default 2^27. */
  maxDecodeWork: number;
}

export const DEFAULT_ONNX_LIMITS: Readonly<OnnxLimits> = Object.freeze({
  maxFileBytes: 2 ** 31 - 1,
  maxTensorElements: 2 ** 30,
  maxTotalElements: 2 ** 31,
  maxNodes: 1_000_000,
  maxSubgraphDepth: 16,
  maxSubgraphs: 1024,
  maxDecodeWork: 2 ** 27,
});

/** Fills unset limits with the defaults; rejects limits that are not non-negative integers. */
export function resolveLimits(limits: Partial<OnnxLimits> = {}): OnnxLimits {
  const resolved: OnnxLimits = { ...DEFAULT_ONNX_LIMITS };
  for (const key of Object.keys(DEFAULT_ONNX_LIMITS) as (keyof OnnxLimits)[]) {
    const value = limits[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new ModelInputError('USAGE', `ONNX limit ${key} must be a non-negative integer, got ${String(value)}`);
    }
    resolved[key] = value;
  }
  return resolved;
}

/**
 * Running element count of one model, so the total cap is enforced tensor by
 * tensor before each allocation rather than after the whole model is decoded.
 */
export class ElementBudget {
  private used = 0n;
  constructor(
    private readonly limits: OnnxLimits,
    private readonly file: string,
  ) {}

  /** Checks one tensor's declared element count against both caps and charges it. */
  charge(elements: bigint, what: string): void {
    if (elements > BigInt(this.limits.maxTensorElements)) {
      throw new ModelInputError(
        'LIMIT_EXCEEDED',
        `${what} declares ${elements} elements, above the per-tensor limit of ${this.limits.maxTensorElements}`,
        { file: this.file },
      );
    }
    this.used += elements;
    if (this.used > BigInt(this.limits.maxTotalElements)) {
      throw new ModelInputError(
        'LIMIT_EXCEEDED',
        `tensors up to ${what} declare ${this.used} elements in total, above the model limit of ${this.limits.maxTotalElements}`,
        { file: this.file },
      );
    }
  }
}

/**
 * Element count of a declared shape, computed in BigInt so that no product can
 * overflow; negative dims and dims beyond Number.MAX_SAFE_INTEGER are refused.
 */
export function checkedElementCount(dims: readonly bigint[], what: string, file: string): bigint {
  let count = 1n;
  for (const d of dims) {
    if (d < 0n) throw new ModelInputError('MALFORMED', `${what} has a negative dimension ${d}`, { file });
    if (d > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new ModelInputError('LIMIT_EXCEEDED', `${what} has a dimension ${d} beyond 2^53`, { file });
    }
    count *= d;
  }
  return count;
}
