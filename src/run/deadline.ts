import { ToolError } from '../errors.js';

/**
 * A per-model time limit, enforced cooperatively: long-running work (conversion
 * node by node, the interpreter op by op) calls `check` often, and the first call
 * after the limit throws. Work that cannot be interrupted (onnxruntime's native
 * run) is raced against the remaining time instead.
 */

/** The model ran out of its time budget; names the model and the stage it was in. */
export class ModelTimeoutError extends ToolError {
  readonly stage: string;
  constructor(file: string, seconds: number, stage: string) {
    super('LIMIT_EXCEEDED', `timed out after ${seconds} s (per-model time limit) while ${stage}`, { file });
    this.name = 'ModelTimeoutError';
    this.stage = stage;
  }
}

export class Deadline {
  private readonly endsAt: number;

  /**
   * `seconds` undefined or not positive-finite means no limit. `remainingMs`, for work
   * carried on in another thread (whose clock has another origin), is what is left of
   * the limit there; by default all of it.
   */
  constructor(
    private readonly file: string,
    private readonly seconds: number | undefined,
    private readonly now: () => number = () => performance.now(),
    remainingMs?: number,
  ) {
    const limited = seconds !== undefined && Number.isFinite(seconds) && seconds > 0;
    this.endsAt = limited ? now() + Math.min(remainingMs ?? Infinity, seconds * 1000) : Infinity;
  }

  /** Milliseconds left; Infinity without a limit. */
  remainingMs(): number {
    return this.endsAt === Infinity ? Infinity : Math.max(0, this.endsAt - this.now());
  }

  /** Throws ModelTimeoutError once the limit has passed. */
  check(stage: string): void {
    if (this.now() >= this.endsAt) throw new ModelTimeoutError(this.file, this.seconds ?? 0, stage);
  }

  /** Settles with `work`, or rejects with ModelTimeoutError when the time runs out first. */
  async race<T>(work: Promise<T>, stage: string): Promise<T> {
    this.check(stage);
    const remaining = this.remainingMs();
    if (remaining === Infinity) return work;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ModelTimeoutError(this.file, this.seconds ?? 0, stage)), remaining);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
