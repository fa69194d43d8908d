import { lstat, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { findVariant, variantNames, type VariantDefinition } from '../compress/variants.js';
import { ToolError, errorMessage } from '../errors.js';
import type { DeploymentTarget } from '../mil/ir.js';
import { emptyReport } from '../report/files.js';
import type { GateSettings, ModelResult, RunReport } from '../report/schema.js';
import { readBaseFile, resolveCommit, toBaseResult } from './base.js';
import { repoRelative, uniqueSlugs } from './files.js';
import { gateFailures } from './gates.js';
import { emptyModelResult, runModelJob, stemOf, type ModelJob } from './model.js';
import { settingsFor, type SettingsFile } from '../options/settings-file.js';
import type { InterfaceRequest } from '../convert/interface-source.js';
import { defaultMemoryBudgetBytes } from '../parallel/pool.js';
import { bundleScript, runModelsInWorkers, type PlannedModel } from './parallel.js';

/**
 * The main job: every model through load → coverage → variants (convert,
 * compress, write, measure, verify), optionally the same for each model's
 * version at a base ref, then the gates. Writes the packages into the output
 * folder and returns the report; the report files are written by its caller
 * (report/files.ts). One model's failure never stops the others; it is
 * reported in that model's result.
 */

export interface RunOptions {
  /** ONNX paths, relative to `cwd` or absolute. */
  models: string[];
  /** Output folder (relative to `cwd` or absolute): packages, report.json, comment.md. */
  outDir: string;
  /** Variant names from the variant table (fp32, fp16, int8, palettize4, ...). */
  variants: string[];
  target: DeploymentTarget;
  /** Git ref to compare against; each model's file at that ref goes through the same pipeline. */
  baseRef?: string;
  gates: GateSettings;
  onProgress?: (message: string) => void;
  /** Time limit for one model (and separately for its base version); none when absent. */
  timeoutSecondsPerModel?: number;
  /** Folder model paths are relative to, and where git runs; default: the process's. */
  cwd?: string;
  /** Most ONNX bytes one run reads, over all models; models beyond it are reported, not read. Default 16 GiB. */
  maxTotalBytes?: number;
  /**
   * Input shapes by input name, applied to every model that has an input of that name
   * (others are left alone): conversion and seeded reference inputs both use them.
   */
  inputShapes?: Record<string, number[]>;
  /** Per-model settings (onnx-coreml.yml), matched against each model's repository path. */
  settings?: SettingsFile;
  /**
   * Most worker threads running models' variants at once; default the machine's available
   * parallelism. 1 runs everything in this thread, one model after the other.
   */
  jobs?: number;
  /** Planned memory of the variants running at once stays within this (bytes); default half the machine's memory. */
  memoryBudgetBytes?: number;
}

interface BaseContext {
  commit: string;
  tempDir: string;
}

export async function runModels(options: RunOptions): Promise<RunReport> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const outDir = resolve(cwd, options.outDir);
  const variants = resolveVariants(options.variants);
  const progress = options.onProgress ?? (() => undefined);
  const notes: string[] = [];
  const paths = [...new Set(options.models.map((m) => resolve(cwd, m)))];
  const labels = paths.map((p) => repoRelative(cwd, p));
  const slugs = uniqueSlugs(labels);
  if (paths.length === 0) notes.push('No ONNX models to check.');

  const base = options.baseRef === undefined ? undefined : await prepareBase(options.baseRef, cwd, notes);
  const models: ModelResult[] = [];
  const maxTotalBytes = options.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES;
  let totalBytes = 0;
  try {
    const planned: (PlannedModel | ModelResult)[] = [];
    for (const [i, onnxPath] of paths.entries()) {
      const prefix = `[${i + 1}/${paths.length}]`;
      const job = modelJob(options, { onnxPath, label: labels[i]!, slug: slugs[i]!, outDir, variants }, (message) => progress(`${prefix} ${message}`));
      const size = await lstat(onnxPath).then((info) => (info.isFile() ? info.size : 0), () => 0);
      if (totalBytes + size > maxTotalBytes) {
        planned.push(overTotalLimit(job.label, size, totalBytes, maxTotalBytes));
        continue;
      }
      totalBytes += size;
      planned.push({ job, onnxBytes: size });
    }
    const results = await runPlannedModels(planned.filter((p): p is PlannedModel => 'job' in p), options);
    for (const [i, entry] of planned.entries()) {
      if (!('job' in entry)) {
        models.push(entry);
        continue;
      }
      const result = results.shift()!;
      if (base) await compareWithBase(result, entry.job, base, cwd).catch((err: unknown) => result.warnings.push(`not compared with base: ${errorMessage(err)}`));
      progress(`[${i + 1}/${paths.length}] ${result.path}: ${result.status} (${result.seconds.toFixed(1)} s)`);
      models.push(result);
    }
  } finally {
    if (base) await rm(base.tempDir, { recursive: true, force: true });
  }

  const failures = gateFailures(models, options.gates);
  const report: RunReport = {
    ...emptyReport(variants.map((v) => v.name), options.gates),
    models,
    failures,
    passed: failures.length === 0,
    notes,
  };
  if (base) report.baseCommit = base.commit;
  return report;
}

/**
 * Below this many ONNX bytes in all, a run stays in this thread: starting a
 * worker (parsing the bundle, loading the model and its references again)
 * costs more than small models take to verify.
 */
export const PARALLEL_MIN_ONNX_BYTES = 16 * 2 ** 20;

/**
 * Every planned model's result, in order: in worker threads when more than one
 * job may run, there is more than one variant to run and the models are big
 * enough to pay for workers; else in this thread.
 */
async function runPlannedModels(planned: PlannedModel[], options: RunOptions): Promise<ModelResult[]> {
  const jobs = options.jobs ?? availableParallelism();
  const script = bundleScript();
  const tasks = planned.reduce((n, p) => n + p.job.variants.length, 0);
  const onnxBytes = planned.reduce((n, p) => n + p.onnxBytes, 0);
  if (jobs > 1 && tasks > 1 && onnxBytes >= PARALLEL_MIN_ONNX_BYTES && script) {
    return runModelsInWorkers(planned, { jobs, memoryBudgetBytes: options.memoryBudgetBytes ?? defaultMemoryBudgetBytes(), script });
  }
  const results: ModelResult[] = [];
  for (const { job } of planned) results.push(await runModelJob(job));
  return results;
}

/** The job for one model of the run: where it is read from, shown as, and written to. */
function modelJob(
  options: RunOptions,
  where: { onnxPath: string; label: string; slug: string; outDir: string; variants: readonly VariantDefinition[] },
  progress: (message: string) => void,
): ModelJob {
  const { onnxPath, label, slug, outDir, variants } = where;
  const own = settingsFor(options.settings, label);
  const inputShapes = own.inputShapes || options.inputShapes ? { ...options.inputShapes, ...own.inputShapes } : undefined;
  return {
    onnxPath,
    label,
    dataDir: dirname(onnxPath),
    stem: stemOf(onnxPath),
    packageDir: join(outDir, slug),
    packagePrefix: slug,
    variants: own.variants ? resolveVariants(own.variants) : variants,
    target: own.target ?? options.target,
    gates: { ...options.gates, ...own.gates },
    ...(options.timeoutSecondsPerModel === undefined ? {} : { timeoutSeconds: options.timeoutSecondsPerModel }),
    ...(inputShapes === undefined ? {} : { inputShapes }),
    ...(own.freeze === undefined ? {} : { freeze: own.freeze }),
    ...(own.maxDetections === undefined ? {} : { maxDetections: own.maxDetections }),
    ...(own.ranges === undefined ? {} : { ranges: own.ranges }),
    ...(own.enumeratedShapes === undefined ? {} : { enumeratedShapes: own.enumeratedShapes }),
    ...(own.interface === undefined ? {} : { interface: withRepoPaths(own.interface, options.cwd ?? process.cwd()) }),
    progress,
  };
}

/** A labels file in the settings is a repository path. */
function withRepoPaths(face: InterfaceRequest, cwd: string): InterfaceRequest {
  return face.classLabels === undefined ? face : { ...face, classLabels: resolve(cwd, face.classLabels) };
}

/** A pull request may add any number of 2 GiB files; the run stops reading new ones past this total. */
export const DEFAULT_MAX_TOTAL_BYTES = 16 * 2 ** 30;

function overTotalLimit(path: string, size: number, total: number, limit: number): ModelResult {
  return {
    ...emptyModelResult(path, size),
    status: 'error',
    error: {
      code: 'LIMIT_EXCEEDED',
      message: `${path}: not read: with its ${size} bytes the models of this run would add up to ${total + size} bytes, above the limit of ${limit}`,
    },
  };
}

function resolveVariants(names: readonly string[]): VariantDefinition[] {
  if (names.length === 0) throw new ToolError('USAGE', `no variants given (known: ${variantNames().join(', ')})`);
  return [...new Set(names)].map((name) => {
    const variant = findVariant(name);
    if (!variant) throw new ToolError('USAGE', `unknown variant "${name}" (known: ${variantNames().join(', ')})`);
    return variant;
  });
}

/** A base ref git cannot resolve (shallow clone, typo) is a note, not a failure: the head results still count. */
async function prepareBase(ref: string, cwd: string, notes: string[]): Promise<BaseContext | undefined> {
  const commit = await resolveCommit(ref, cwd);
  if (!commit) {
    notes.push(`Base ref "${ref}" cannot be resolved by git here (for a shallow clone, fetch it first); no base comparison.`);
    return undefined;
  }
  return { commit, tempDir: await mkdtemp(join(tmpdir(), 'onnx-coreml-base-run-')) };
}

async function compareWithBase(result: ModelResult, job: ModelJob, base: BaseContext, cwd: string): Promise<void> {
  const file = await readBaseFile(base.commit, job.label, cwd);
  if (file.kind === 'missing') {
    result.base = null;
    return;
  }
  if (file.kind === 'unavailable') {
    result.warnings.push(`not compared with base: ${file.reason}`);
    return;
  }
  try {
    job.progress(`${job.label}: base version`);
    const baseResult = await runModelJob({
      ...job,
      onnxPath: file.path,
      // The base is judged against the test data it had at the base ref, copied beside it.
      dataDir: dirname(file.path),
      packageDir: join(base.tempDir, job.packagePrefix),
      progress: (message) => job.progress(`base: ${message}`),
    });
    result.base = toBaseResult(baseResult);
  } finally {
    await file.cleanup();
  }
}
