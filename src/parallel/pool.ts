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

/** What a running task tells its submitter besides its outcome. */
export interface TaskListener {
  /** A line of progress (each message is one whole line). */
  onProgress?: (message: string) => void;
  /** A value the task posts before it ends (see worker.ts's `emit`). */
  onEvent?: (value: unknown) => void;
}

/** Runs one task in its own worker; never rejects. */
function runInWorker<I, O>(handler: string, input: I, listener: TaskListener, spawn: (script: URL, request: WorkerRequest<I>) => Worker, script: URL): Promise<TaskOutcome<O>> {
  return new Promise((resolve) => {
    let outcome: TaskOutcome<O> | undefined;
    let worker: Worker;
    try {
      worker = spawn(script, { handler, input });
    } catch (err) {
      resolve({ ok: false, reason: `the worker could not start: ${errorMessage(err)}` });
      return;
    }
    worker.on('message', (reply: WorkerReply<O>) => {
      if (reply.type === 'progress') listener.onProgress?.(reply.message);
      else if (reply.type === 'event') listener.onEvent?.(reply.value);
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

export interface WorkerPoolOptions {
  /** Most workers at once (≥ 1). */
  jobs: number;
  /** A worker does not start while the running tasks' bytes plus its own would exceed this (one task always runs). */
  memoryBudgetBytes: number;
  /** Module each worker runs: the running bundle, whose entry calls servePoolTask in a worker thread. */
  script: URL;
  /** Test seam: the worker constructor. */
  spawn?: (script: URL, request: WorkerRequest<unknown>) => Worker;
}

interface Queued {
  handler: string;
  input: unknown;
  bytes: number;
  priority: number;
  order: number;
  listener: TaskListener;
  settle: (outcome: TaskOutcome<unknown>) => void;
}

/**
 * Workers for tasks submitted at any time, even by the listener of a running
 * task. Waiting tasks start by priority (lower first), then in the order they
 * were submitted; the first waiting task that does not fit the budget holds the
 * others back, so a big task is not starved by small ones.
 */
export class WorkerPool {
  private readonly waiting: Queued[] = [];
  private running = 0;
  private bytesInUse = 0;
  private submitted = 0;

  constructor(private readonly options: WorkerPoolOptions) {}

  /** Runs `input` with the worker handler named `handler`; never rejects. */
  submit<I, O>(task: { handler: string; input: I; bytes: number; priority?: number }, listener: TaskListener = {}): Promise<TaskOutcome<O>> {
    return new Promise((settle) => {
      this.waiting.push({ ...task, priority: task.priority ?? 0, order: this.submitted++, listener, settle: settle as (o: TaskOutcome<unknown>) => void });
      this.waiting.sort((a, b) => a.priority - b.priority || a.order - b.order);
      this.startMore();
    });
  }

  private fits(bytes: number): boolean {
    return this.running === 0 || this.bytesInUse + bytes <= this.options.memoryBudgetBytes;
  }

  private startMore(): void {
    const jobs = Math.max(1, Math.floor(this.options.jobs));
    while (this.waiting.length > 0 && this.running < jobs && this.fits(this.waiting[0]!.bytes)) {
      const task = this.waiting.shift()!;
      this.running++;
      this.bytesInUse += task.bytes;
      const spawn = this.options.spawn ?? spawnWorker;
      void runInWorker(task.handler, task.input, task.listener, spawn, this.options.script).then((outcome) => {
        this.running--;
        this.bytesInUse -= task.bytes;
        task.settle(outcome);
        this.startMore();
      });
    }
  }
}

/** Runs a fixed list of tasks with one handler; outcomes come back in task order. */
export async function runPool<I, O>(tasks: readonly PoolTask<I>[], options: PoolOptions<I, O>): Promise<TaskOutcome<O>[]> {
  const pool = new WorkerPool({
    jobs: options.jobs,
    memoryBudgetBytes: options.memoryBudgetBytes,
    script: options.script,
    ...(options.spawn ? { spawn: options.spawn as (script: URL, request: WorkerRequest<unknown>) => Worker } : {}),
  });
  return Promise.all(
    tasks.map(async (task, index) => {
      const listener = options.onProgress ? { onProgress: (message: string) => options.onProgress!(index, message) } : {};
      const outcome = await pool.submit<I, O>({ handler: options.handler, input: task.input, bytes: task.bytes }, listener);
      options.onSettled?.(index, outcome);
      return outcome;
    }),
  );
}
