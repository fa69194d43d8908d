import { findVariant, type VariantDefinition } from '../compress/variants.js';
import type { ModelResult, VariantResult } from '../report/schema.js';
import { WorkerPool, type TaskListener, type TaskOutcome } from '../parallel/pool.js';
import { registerTaskHandler, servePoolTask } from '../parallel/worker.js';
import type { Tensor } from '../tensor/tensor.js';
import { Deadline, ModelTimeoutError } from './deadline.js';
import {
  emptyModelResult,
  relabelError,
  relabelVariant,
  restartModel,
  runModelPipeline,
  settleModelStatus,
  variantJobOf,
  verifyWithProgress,
  type ModelJob,
  type PipelineOutcome,
} from './model.js';
import type { References } from './references.js';
import { errorSummary, needsVerifying, verifyJobOf, type VerifyJob } from './variant.js';

/**
 * The run's models in worker threads, as a schedule over the pipeline one job
 * runs (model.ts). A model's own work (reading, op coverage, reference outputs,
 * building and writing each variant's package) is one task, done once; as each
 * package is written, verifying it becomes a task of its own, handed the
 * model's references, so a model's variants are verified side by side and
 * beside other models' builds. Results are put back together in model and
 * variant order, giving the same report as one job running everything in turn.
 */

/** A model job as it crosses to a worker: plain data, variants by name. */
type PlainJob = Omit<ModelJob, 'variants' | 'progress'> & { variants: string[] };

/** A written package's verification as it crosses to a worker. */
type PlainVerify = Omit<VerifyJob, 'variant' | 'deadline' | 'rebuild'> & { variant: string };

interface VerifyInput {
  job: PlainJob;
  verify: PlainVerify;
  /** The variant's result so far, as its build left it. */
  built: VariantResult;
  /** What was left of the model's time limit when its package was written; null without a limit. */
  remainingMs: number | null;
}

/** A verify task's answer: the variant's verdict, or the model's time-out. */
type VerifyOutput = { seconds: number } & ({ variant: VariantResult } | { timedOut: { code: string; message: string } });

const BUILD = 'run-model-build';
const VERIFY = 'run-variant-verify';

function variantNamed(name: string): VariantDefinition {
  const definition = findVariant(name);
  if (!definition) throw new Error(`unknown variant '${name}'`);
  return definition;
}

function modelJobOf(plain: PlainJob, progress: (message: string) => void): ModelJob {
  return { ...plain, variants: plain.variants.map(variantNamed), progress };
}

function plainJob(job: ModelJob): PlainJob {
  const { variants, progress: _progress, ...plain } = job;
  return { ...plain, variants: variants.map((v) => v.name) };
}

registerTaskHandler<PlainJob, PipelineOutcome>(BUILD, (plain, channel) => {
  const job = modelJobOf(plain, channel.progress);
  return runModelPipeline(job, async (verify, built) => {
    if (!needsVerifying(verify, built)) return built;
    const remaining = verify.deadline.remainingMs();
    const input: VerifyInput = { job: plain, verify: plainVerify(verify), built, remainingMs: Number.isFinite(remaining) ? remaining : null };
    channel.emit(input);
    return undefined;
  });
});

registerTaskHandler<VerifyInput, VerifyOutput>(VERIFY, async (input, channel) => {
  const started = performance.now();
  const job = modelJobOf(input.job, channel.progress);
  const variant = variantNamed(input.verify.variant);
  const deadline = new Deadline(job.label, job.timeoutSeconds, undefined, input.remainingMs ?? undefined);
  const verify: VerifyJob = {
    ...input.verify,
    variant,
    deadline,
    rebuild: async () => {
      const stage = await restartModel(job, input.verify.references);
      return verifyJobOf(variantJobOf(job, stage, variant, deadline), input.built).rebuild();
    },
  };
  const seconds = (): number => (performance.now() - started) / 1000;
  try {
    const verdict = await verifyWithProgress(job, verify, input.built);
    return { variant: relabelVariant(verdict, job.onnxPath, job.label), seconds: seconds() };
  } catch (err) {
    if (!(err instanceof ModelTimeoutError)) throw err;
    return { timedOut: relabelError(errorSummary(err), job.onnxPath, job.label), seconds: seconds() };
  }
});

/** The verification's plain part, its reference tensors in buffers of their own so no bigger buffer is copied along. */
function plainVerify(job: VerifyJob): PlainVerify {
  const { variant, deadline: _deadline, rebuild: _rebuild, ...plain } = job;
  return { ...plain, variant: variant.name, references: compactReferences(plain.references) };
}

function compactReferences(references: References): References {
  const compact = (t: Tensor): Tensor => (Array.isArray(t.data) || t.data.byteLength === t.data.buffer.byteLength ? t : { ...t, data: t.data.slice() as Tensor['data'] });
  const sets = references.sets.map((set) => ({
    ...set,
    inputs: set.inputs.map((n) => ({ ...n, tensor: compact(n.tensor) })),
    outputs: set.outputs.map((n) => ({ ...n, tensor: compact(n.tensor) })),
  }));
  return { ...references, sets };
}

/**
 * Memory a task is planned to need, as measured on ResNet-50 and ViT-B/16
 * (resident memory at the task's peak, over its worker's own runtime). A
 * build reads the ONNX file whole once (its bytes are let go of after
 * decoding, the weights read again from the file as each conversion needs
 * them) and then holds one conversion's fp16 weights: ViT-B/16's whole
 * one-job report, verification included, peaked at 1.1 times its ONNX file
 * over the process's own, ResNet-50's at 2.4 times; twice the file is planned.
 * A verification reads its package's weights one layer at a time, but tracing
 * a failing variant rebuilds it in memory: a little over the package.
 */
export const BUILD_BYTES_PER_ONNX_BYTE = 2;
export const VERIFY_BYTES_PER_PACKAGE_BYTE = 1.25;
export const TASK_BASE_BYTES = 64 * 2 ** 20;

export function buildTaskBytes(onnxBytes: number): number {
  return TASK_BASE_BYTES + BUILD_BYTES_PER_ONNX_BYTE * onnxBytes;
}

export function verifyTaskBytes(packageBytes: number): number {
  return TASK_BASE_BYTES + Math.ceil(VERIFY_BYTES_PER_PACKAGE_BYTE * packageBytes);
}

/** Runs tasks: the worker pool, or in tests anything that runs the registered handlers. */
export interface TaskRunner {
  submit<I, O>(task: { handler: string; input: I; bytes: number; priority?: number }, listener?: TaskListener): Promise<TaskOutcome<O>>;
}

export interface ParallelSettings {
  jobs: number;
  memoryBudgetBytes: number;
  /** The bundle workers run (see parallel/worker.ts). */
  script: URL;
  /** Test seam: what runs the tasks instead of a worker pool. */
  runner?: TaskRunner;
}

export interface PlannedModel {
  job: ModelJob;
  onnxBytes: number;
}

/** Waiting verifications start before waiting builds: a model under way is finished before the next one is read. */
const VERIFY_PRIORITY = 0;
const BUILD_PRIORITY = 1;

/** Runs every planned model in workers; returns one ModelResult per model, in order. */
export function runModelsInWorkers(models: readonly PlannedModel[], settings: ParallelSettings): Promise<ModelResult[]> {
  const runner = settings.runner ?? new WorkerPool({ jobs: settings.jobs, memoryBudgetBytes: settings.memoryBudgetBytes, script: settings.script });
  return Promise.all(models.map((model) => runModelInWorkers(model, runner)));
}

async function runModelInWorkers({ job, onnxBytes }: PlannedModel, runner: TaskRunner): Promise<ModelResult> {
  const verdicts = new Map<string, Promise<TaskOutcome<VerifyOutput>>>();
  const onEvent = (value: unknown): void => {
    const input = value as VerifyInput;
    const name = input.verify.variant;
    const bytes = verifyTaskBytes(input.built.sizeBytes ?? onnxBytes);
    const verdict = runner.submit<VerifyInput, VerifyOutput>({ handler: VERIFY, input, bytes, priority: VERIFY_PRIORITY }, { onProgress: job.progress });
    verdicts.set(
      name,
      verdict.then((outcome) => {
        const status = outcome.ok ? ('variant' in outcome.value ? outcome.value.variant.status : 'timed out') : 'failed';
        job.progress(`${job.label}: ${name} ${status}`);
        return outcome;
      }),
    );
  };
  const build = await runner.submit<PlainJob, PipelineOutcome>(
    { handler: BUILD, input: plainJob(job), bytes: buildTaskBytes(onnxBytes), priority: BUILD_PRIORITY },
    { onProgress: job.progress, onEvent },
  );
  const names = [...verdicts.keys()];
  const settled = await Promise.all(names.map((name) => verdicts.get(name)!));
  return mergeModelResult(job.label, build, new Map(names.map((name, i) => [name, settled[i]!])));
}

/**
 * One model's result from its build task and the verdicts of its verify tasks:
 * each variant the build wrote takes its verdict, in variant order. A worker
 * that died fails the whole model; a verification that ran out of the model's
 * time ends it there, as it would in turn.
 */
export function mergeModelResult(label: string, build: TaskOutcome<PipelineOutcome>, verdicts: ReadonlyMap<string, TaskOutcome<VerifyOutput>>): ModelResult {
  const verifySeconds = [...verdicts.values()].reduce((sum, o) => sum + (o.ok ? o.value.seconds : 0), 0);
  const died = [build, ...verdicts.values()].find((o): o is { ok: false; reason: string } => !o.ok);
  if (died || !build.ok) {
    const reason = died?.reason ?? 'no result';
    return { ...emptyModelResult(label), status: 'error', seconds: verifySeconds, error: { code: 'WORKER', message: `${label}: ${reason}` } };
  }
  const { result } = build.value;
  const merged: ModelResult = { ...result, variants: [], seconds: result.seconds + verifySeconds };
  for (const built of result.variants) {
    const verdict = verdicts.get(built.name);
    const value = verdict?.ok ? verdict.value : undefined;
    if (value && 'timedOut' in value) return { ...merged, status: 'error', error: value.timedOut };
    merged.variants.push(value ? value.variant : built);
  }
  if (result.status === 'error' || result.status === 'unsupported') return merged;
  settleModelStatus({ result: merged, ...(build.value.unverifiedReason === undefined ? {} : { unverifiedReason: build.value.unverifiedReason }) });
  return merged;
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
