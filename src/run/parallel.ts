import { findVariant } from '../compress/variants.js';
import type { ModelResult } from '../report/schema.js';
import { runPool, type PoolTask, type TaskOutcome } from '../parallel/pool.js';
import { registerTaskHandler, servePoolTask } from '../parallel/worker.js';
import { emptyModelResult, modelStatusOf, runModelJob, type ModelJob } from './model.js';

/**
 * The run's models in worker threads: one task per (model, variant), each
 * loading its model and computing its references itself, so variants of one
 * model run side by side too. Results are put back together in model and
 * variant order, giving the same report as one job running everything in turn.
 */

/** A model job as it crosses to a worker: plain data, variants by name. */
type TaskInput = Omit<ModelJob, 'variants' | 'progress'> & { variant: string };

const HANDLER = 'run-model-variant';

registerTaskHandler<TaskInput, ModelResult>(HANDLER, async (input, progress) => {
  const { variant, ...job } = input;
  const definition = findVariant(variant);
  if (!definition) throw new Error(`unknown variant '${variant}'`);
  return runModelJob({ ...job, variants: [definition], progress });
});

/**
 * Memory a (model, variant) task is planned to need: the ONNX file's bytes
 * several times over (parsed weights, the converted program, the package,
 * the interpreter's fp32 copies and the reference engine's session) plus a
 * fixed share for the runtime itself.
 */
export const TASK_BYTES_PER_ONNX_BYTE = 6;
export const TASK_BASE_BYTES = 256 * 2 ** 20;

export interface ParallelSettings {
  jobs: number;
  memoryBudgetBytes: number;
  /** The bundle workers run (see parallel/worker.ts). */
  script: URL;
}

export interface PlannedModel {
  job: ModelJob;
  onnxBytes: number;
}

function taskInput(job: ModelJob, variant: string): TaskInput {
  const { variants: _variants, progress: _progress, ...plain } = job;
  return { ...plain, variant };
}

/** Runs every planned model's variants in workers; returns one ModelResult per model, in order. */
export async function runModelsInWorkers(models: readonly PlannedModel[], settings: ParallelSettings): Promise<ModelResult[]> {
  const owners: { model: number; variant: number }[] = [];
  const tasks: PoolTask<TaskInput>[] = [];
  models.forEach(({ job, onnxBytes }, model) => {
    job.variants.forEach((variant, v) => {
      owners.push({ model, variant: v });
      tasks.push({ input: taskInput(job, variant.name), bytes: TASK_BASE_BYTES + TASK_BYTES_PER_ONNX_BYTE * onnxBytes });
    });
  });
  const outcomes = await runPool<TaskInput, ModelResult>(tasks, {
    jobs: settings.jobs,
    memoryBudgetBytes: settings.memoryBudgetBytes,
    handler: HANDLER,
    script: settings.script,
    onProgress: (index, message) => models[owners[index]!.model]!.job.progress(message),
    onSettled: (index, outcome) => {
      const { job } = models[owners[index]!.model]!;
      const variant = job.variants[owners[index]!.variant]!.name;
      job.progress(`${job.label}: ${variant} ${outcome.ok ? outcome.value.variants[0]?.status ?? outcome.value.status : 'failed'}`);
    },
  });
  return models.map(({ job }, model) => mergeVariantResults(job.label, outcomes.filter((_, i) => owners[i]!.model === model)));
}

/**
 * One model's result from its per-variant results (in variant order). What
 * precedes the variants (reading, coverage, references) is the same in each,
 * so it is taken from the first; a worker that died fails the whole model.
 */
export function mergeVariantResults(label: string, outcomes: readonly TaskOutcome<ModelResult>[]): ModelResult {
  const died = outcomes.find((o): o is { ok: false; reason: string } => !o.ok);
  const results = outcomes.flatMap((o) => (o.ok ? [o.value] : []));
  const seconds = results.reduce((sum, r) => sum + r.seconds, 0);
  if (died) {
    return { ...emptyModelResult(label), status: 'error', seconds, error: { code: 'WORKER', message: `${label}: ${died.reason}` } };
  }
  const first = results[0];
  if (!first) return { ...emptyModelResult(label), status: 'error', error: { code: 'WORKER', message: `${label}: no variant was run` } };
  if (first.status === 'error' || first.status === 'unsupported') return { ...first, seconds };
  const variants = results.flatMap((r) => r.variants);
  return { ...first, variants, status: modelStatusOf(variants), seconds };
}

/** A worker thread's whole life: run the one task it was started for (see cli.ts and action.ts). */
export function serveRunTask(): Promise<void> {
  return servePoolTask();
}

/**
 * The bundle to start workers from: this module's own file when it is one of
 * plain JavaScript (dist/cli.js, dist/index.js or another bundle, whose entry
 * serves pool tasks in worker threads). Undefined when running from
 * TypeScript sources, where a worker could not load it: the run then stays
 * in this thread.
 */
export function bundleScript(): URL | undefined {
  const self = new URL(import.meta.url);
  return self.protocol === 'file:' && /\.m?js$/.test(self.pathname) ? self : undefined;
}
