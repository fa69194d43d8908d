/** Messages between the pool (pool.ts) and its workers (worker.ts). */

/** Key of the workerData entry that marks a thread as a pool worker. */
export const POOL_WORKER_MARK = 'onnx-coreml-pool-task';

export interface WorkerRequest<I> {
  handler: string;
  input: I;
}

export type WorkerReply<O> =
  | { type: 'progress'; message: string }
  /** Something the task tells its submitter while it runs (a part of its work is ready). */
  | { type: 'event'; value: unknown }
  | { type: 'result'; value: O }
  | { type: 'failure'; message: string };
