import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../errors.js';
import { POOL_WORKER_MARK, type WorkerReply, type WorkerRequest } from './protocol.js';

/**
 * The worker side of the pool. A bundle that may run tasks (the CLI, the
 * action) calls `servePoolTask()` at its entry when `isPoolWorker()`: the
 * thread then runs the one task it was started for and ends.
 */

/** What a task can tell its submitter while it runs: lines of progress, and events (a part of its work is ready). */
export interface TaskChannel {
  progress: (message: string) => void;
  emit: (value: unknown) => void;
}

export type TaskHandler = (input: never, channel: TaskChannel) => Promise<unknown>;

const handlers = new Map<string, TaskHandler>();

/** Makes `run` available to workers under `name`; modules register their handlers when they load. */
export function registerTaskHandler<I, O>(name: string, run: (input: I, channel: TaskChannel) => Promise<O>): void {
  if (handlers.has(name)) throw new Error(`task handler '${name}' is registered twice`);
  handlers.set(name, run as TaskHandler);
}

function request(): WorkerRequest<unknown> | undefined {
  if (isMainThread || typeof workerData !== 'object' || workerData === null) return undefined;
  return (workerData as Record<string, WorkerRequest<unknown> | undefined>)[POOL_WORKER_MARK];
}

/** True in a thread the pool started. */
export function isPoolWorker(): boolean {
  return request() !== undefined;
}

/** Runs this worker's task and posts its progress and result to the pool. */
export async function servePoolTask(): Promise<void> {
  const req = request();
  const port = parentPort;
  if (!req || !port) return;
  const post = (reply: WorkerReply<unknown>): void => port.postMessage(reply);
  post(await runTaskHere(req, { progress: (message) => post({ type: 'progress', message }), emit: (value) => post({ type: 'event', value }) }));
}

/**
 * Runs a task with its registered handler in this thread: what a worker does
 * with its one task, and how tests run the tasks of a schedule without workers.
 */
export async function runTaskHere(req: WorkerRequest<unknown>, channel: TaskChannel): Promise<Extract<WorkerReply<unknown>, { type: 'result' | 'failure' }>> {
  const handler = handlers.get(req.handler);
  if (!handler) return { type: 'failure', message: `no task handler '${req.handler}' in this bundle` };
  try {
    return { type: 'result', value: await handler(req.input as never, channel) };
  } catch (err) {
    return { type: 'failure', message: errorMessage(err) };
  }
}
