import { ToolError } from '../../src/errors.js';
import { mutate, Rng } from './mutate.js';
import type { FuzzReader } from './readers.js';

/**
 * Runs one reader on mutated seeds and counts what happened. A case is clean
 * when the reader accepts the bytes or throws a typed, non-internal error; a
 * crash is anything else (TypeError, RangeError, stack overflow, an INTERNAL
 * error); a hang is a case slower than the time limit.
 */

export interface CrashSample {
  caseNumber: number;
  seed: string;
  /** Error name and message with numbers blanked, so one class counts once. */
  kind: string;
  message: string;
}

export interface CampaignResult {
  reader: string;
  runs: number;
  /** Mutated inputs the reader accepted. */
  accepted: number;
  /** Inputs refused with a typed error. */
  cleanErrors: number;
  crashes: number;
  hangs: number;
  /** One sample per crash or hang class. */
  samples: CrashSample[];
  seconds: number;
}

export interface CampaignOptions {
  runs: number;
  seed: number;
  /** A case slower than this is a hang. */
  hangMs: number;
}

function crashKind(err: unknown): string {
  const name = err instanceof Error ? err.name : typeof err;
  const message = err instanceof Error ? err.message : String(err);
  return `${name}: ${message.replace(/\d+/g, 'N').slice(0, 120)}`;
}

function isClean(err: unknown): boolean {
  return err instanceof ToolError && err.code !== 'INTERNAL';
}

export function runCampaign(reader: FuzzReader, options: CampaignOptions): CampaignResult {
  const rng = new Rng(options.seed);
  const result: CampaignResult = { reader: reader.name, runs: 0, accepted: 0, cleanErrors: 0, crashes: 0, hangs: 0, samples: [], seconds: 0 };
  const seen = new Set<string>();
  const started = performance.now();
  for (let k = 0; k < options.runs; k++) {
    const seed = rng.pick(reader.seeds);
    const input = mutate(seed.bytes, rng, rng.pick(reader.seeds).bytes);
    const caseStarted = performance.now();
    let kind: string | undefined;
    let message = '';
    try {
      seed.read(input);
      result.accepted++;
    } catch (err) {
      if (isClean(err)) result.cleanErrors++;
      else {
        result.crashes++;
        kind = crashKind(err);
        message = err instanceof Error ? err.message.slice(0, 300) : String(err);
      }
    }
    const ms = performance.now() - caseStarted;
    if (ms > options.hangMs) {
      result.hangs++;
      kind ??= `hang: ${seed.name} took ${Math.round(ms)} ms`;
    }
    result.runs++;
    if (kind !== undefined && !seen.has(kind)) {
      seen.add(kind);
      result.samples.push({ caseNumber: k, seed: seed.name, kind, message });
    }
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}
