/** Messages between the pool (pool.ts) and its workers (worker.ts). */

/** Key of the workerData entry that marks a thread as a pool worker. */
export const POOL_WORKER_MARK = 'onnx-coreml-pool-task';

export interface WorkerRequest<I> {
  handler: string;
  input: I;
}

export type WorkerReply<O> =
  | { type: 'progress'; message: string }
  | { type: 'result'; value: O }
  | { type: 'failure'; message: string };
