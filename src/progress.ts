/**
 * One updating status line on a terminal ("converting model.onnx  412/1024  40%").
 * It exists only for people watching a TTY: when the stream is not a terminal
 * (CI logs, pipes, files) every method is a no-op, so logs never fill up with
 * carriage-return noise.
 */

/** The part of a writable stream the progress line needs. */
export interface TextSink {
  write(chunk: string): unknown;
}

export interface ProgressLineOptions {
  /** Whether the sink is an interactive terminal; nothing is drawn otherwise. */
  enabled: boolean;
  /** Minimum milliseconds between redraws; terminals are slow and models have thousands of nodes. */
  intervalMs?: number;
  /** Clock in milliseconds, replaceable in tests. */
  now?: () => number;
}

/** Erase from the cursor to the end of the line (ANSI EL). */
const CLEAR_TO_END = '\x1b[K';

export class ProgressLine {
  private readonly sink: TextSink;
  private readonly enabled: boolean;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private lastDrawAt = Number.NEGATIVE_INFINITY;
  private drawn = false;

  constructor(sink: TextSink, options: ProgressLineOptions) {
    this.sink = sink;
    this.enabled = options.enabled;
    this.intervalMs = options.intervalMs ?? 100;
    this.now = options.now ?? (() => performance.now());
  }

  /**
   * Shows `label done/total pct%`. The label must already be safe for a terminal.
   * Redraws are throttled, except the final one (done === total), which always shows.
   */
  update(label: string, done: number, total: number): void {
    if (!this.enabled) return;
    const t = this.now();
    const finished = total > 0 && done >= total;
    if (!finished && t - this.lastDrawAt < this.intervalMs) return;
    this.lastDrawAt = t;
    const pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0;
    const counts = total > 0 ? `  ${done}/${total}  ${pct}%` : '';
    this.sink.write(`\r${label}${counts}${CLEAR_TO_END}`);
    this.drawn = true;
  }

  /** Removes the line so that the next message starts on a clean line. */
  clear(): void {
    if (!this.enabled || !this.drawn) return;
    this.sink.write(`\r${CLEAR_TO_END}`);
    this.drawn = false;
    this.lastDrawAt = Number.NEGATIVE_INFINITY;
  }
}
