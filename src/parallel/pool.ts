import { totalmem } from 'node:os';
import { Worker } from 'node:worker_threads';
import { errorMessage } from '../errors.js';
import { POOL_WORKER_MARK, type WorkerReply, type WorkerRequest } from './protocol.js';

/**
 * Runs tasks in worker threads, at most `jobs` at a time and, past the first,
 * only while the tasks running fit in a memory budget. Outcomes come back in
 * the order of the tasks, whatever order they finish in, so callers build the
 * same result for any number of workers. A worker that dies (out of memory, a
 * crash, an exit without an answer) fails only its own task, with the reason.
 * Each task gets a fresh worker, so everything it allocated is gone when it
 * ends.
 */

export interface PoolTask<I> {
  input: I;
  /** What the task is expected to hold at its peak, in bytes, for the memory budget. */
  bytes: number;
}

export type TaskOutcome<O> = { ok: true; value: O } | { ok: false; reason: string };

export interface PoolOptions<I, O> {
  /** Most workers at once (≥ 1). */
  jobs: number;
  /** A worker does not start while the running tasks' bytes plus its own would exceed this (one task always runs). */
  memoryBudgetBytes: number;
  /** Name the worker looks its handler up by (see serveWorker). */
  handler: string;
  /** Module each worker runs: the running bundle, whose entry calls serveWorker in a worker thread. */
  script: URL;
  /** A line of progress from task `index` (each message is one whole line). */
  onProgress?: (index: number, message: string) => void;
  /** Called as each task settles, in the order they finish. */
  onSettled?: (index: number, outcome: TaskOutcome<O>) => void;
  /** Test seam: the worker constructor. */
  spawn?: (script: URL, request: WorkerRequest<I>) => Worker;
}

/** The share of the machine's memory the workers may plan to use by default. */
export const DEFAULT_MEMORY_SHARE = 0.5;

export function defaultMemoryBudgetBytes(): number {
  return Math.floor(totalmem() * DEFAULT_MEMORY_SHARE);
}

function spawnWorker<I>(script: URL, request: WorkerRequest<I>): Worker {
  return new Worker(script, { workerData: { [POOL_WORKER_MARK]: request } });
}

/** Why a worker died, in words for a report. */
function deathReason(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') return 'the worker ran out of memory';
  return `the worker crashed: ${errorMessage(err)}`;
}

/** Runs one task in its own worker; never rejects. */
function runInWorker<I, O>(index: number, input: I, options: PoolOptions<I, O>): Promise<TaskOutcome<O>> {
  return new Promise((resolve) => {
    let outcome: TaskOutcome<O> | undefined;
    let worker: Worker;
    try {
      worker = (options.spawn ?? spawnWorker)(options.script, { handler: options.handler, input });
    } catch (err) {
      resolve({ ok: false, reason: `the worker could not start: ${errorMessage(err)}` });
      return;
    }
    worker.on('message', (reply: WorkerReply<O>) => {
      if (reply.type === 'progress') options.onProgress?.(index, reply.message);
      else if (reply.type === 'result') outcome = { ok: true, value: reply.value };
      else outcome = { ok: false, reason: reply.message };
    });
    worker.on('error', (err) => {
      outcome ??= { ok: false, reason: deathReason(err) };
    });
    worker.on('exit', (code) => {
      resolve(outcome ?? { ok: false, reason: `the worker exited with code ${code} before it answered` });
    });
  });
}

export async function runPool<I, O>(tasks: readonly PoolTask<I>[], options: PoolOptions<I, O>): Promise<TaskOutcome<O>[]> {
  const jobs = Math.max(1, Math.floor(options.jobs));
  const outcomes = new Array<TaskOutcome<O>>(tasks.length);
  let next = 0;
  let running = 0;
  let bytesInUse = 0;
  return new Promise((resolve) => {
    const fits = (bytes: number): boolean => running === 0 || bytesInUse + bytes <= options.memoryBudgetBytes;
    const startMore = (): void => {
      while (next < tasks.length && running < jobs && fits(tasks[next]!.bytes)) {
        const index = next++;
        const task = tasks[index]!;
        running++;
        bytesInUse += task.bytes;
        void runInWorker(index, task.input, options).then((outcome) => {
          running--;
          bytesInUse -= task.bytes;
          outcomes[index] = outcome;
          options.onSettled?.(index, outcome);
          startMore();
        });
      }
      if (next === tasks.length && running === 0) resolve(outcomes);
    };
    startMore();
  });
}
