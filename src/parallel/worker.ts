import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../errors.js';
import { POOL_WORKER_MARK, type WorkerReply, type WorkerRequest } from './protocol.js';

/**
 * The worker side of the pool. A bundle that may run tasks (the CLI, the
 * action) calls `servePoolTask()` at its entry when `isPoolWorker()`: the
 * thread then runs the one task it was started for and ends.
 */

export type TaskHandler = (input: never, progress: (message: string) => void) => Promise<unknown>;

const handlers = new Map<string, TaskHandler>();

/** Makes `run` available to workers under `name`; modules register their handlers when they load. */
export function registerTaskHandler<I, O>(name: string, run: (input: I, progress: (message: string) => void) => Promise<O>): void {
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
  const handler = handlers.get(req.handler);
  if (!handler) {
    post({ type: 'failure', message: `no task handler '${req.handler}' in this bundle` });
    return;
  }
  try {
    const value = await handler(req.input as never, (message) => post({ type: 'progress', message }));
    post({ type: 'result', value });
  } catch (err) {
    post({ type: 'failure', message: errorMessage(err) });
  }
}
