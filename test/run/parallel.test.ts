import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { findVariant } from '../../src/compress/variants.js';
import * as load from '../../src/onnx/load.js';
import type { TaskOutcome } from '../../src/parallel/pool.js';
import { runTaskHere } from '../../src/parallel/worker.js';
import type { ModelResult, VariantResult } from '../../src/report/schema.js';
import { emptyModelResult, runModelJob, type ModelJob, type PipelineOutcome } from '../../src/run/model.js';
import { buildTaskBytes, mergeModelResult, runModelsInWorkers, verifyTaskBytes, type TaskRunner } from '../../src/run/parallel.js';
import * as references from '../../src/run/references.js';
import { makeTempDir } from '../cli/fixtures.js';
import { layerNormBlockBytes } from '../verify/layernorm-block.js';
import { copyFixture } from './helpers.js';

/**
 * The parallel schedule is a schedule over the one pipeline: a model's build
 * task reads it, takes its coverage and references once and writes every
 * package; each package is verified by a task of its own. Its tasks run here in
 * this thread, everything they exchange cloned as it would be between workers,
 * and the results are compared with one job running the same models in turn.
 */

vi.mock('../../src/run/references.js', async (original) => {
  const real = await original<typeof import('../../src/run/references.js')>();
  return { ...real, findReferences: vi.fn(real.findReferences) };
});
vi.mock('../../src/onnx/load.js', async (original) => {
  const real = await original<typeof import('../../src/onnx/load.js')>();
  return { ...real, loadOnnxModel: vi.fn(real.loadOnnxModel) };
});

/** Runs the registered handlers in this thread, cloning what crosses, in the order tasks are submitted. */
function inThreadRunner(log: string[], planned: number[]): TaskRunner {
  return {
    async submit<I, O>(task: { handler: string; input: I; bytes: number }, listener: { onProgress?: (m: string) => void; onEvent?: (v: unknown) => void } = {}): Promise<TaskOutcome<O>> {
      log.push(task.handler);
      planned.push(task.bytes);
      await Promise.resolve();
      const reply = await runTaskHere(
        { handler: task.handler, input: structuredClone(task.input) },
        { progress: (m) => listener.onProgress?.(m), emit: (v) => listener.onEvent?.(structuredClone(v)) },
      );
      return reply.type === 'result' ? { ok: true, value: structuredClone(reply.value) as O } : { ok: false, reason: reply.message };
    },
  };
}

function job(dir: string, onnxPath: string, label: string, variants: string[], progress: string[]): ModelJob {
  return {
    onnxPath,
    label,
    dataDir: join(onnxPath, '..'),
    stem: 'model',
    packageDir: join(dir, 'out', label.replace(/\W/g, '-')),
    packagePrefix: label.replace(/\W/g, '-'),
    variants: variants.map((name) => findVariant(name)!),
    target: 'iOS15',
    gates: { failOnUnsupported: true },
    progress: (message) => progress.push(message),
  };
}

const withoutSeconds = (results: ModelResult[]): unknown => JSON.parse(JSON.stringify(results, (key, value: unknown) => (key === 'seconds' ? undefined : value)));

let temp: ReturnType<typeof makeTempDir>;
let jobs: ModelJob[];
let inTurn: ModelResult[];
let scheduled: ModelResult[];
const tasks: string[] = [];
const plannedBytes: number[] = [];
const progress: string[] = [];
const calls = { references: 0, loads: 0 };

beforeAll(async () => {
  temp = makeTempDir();
  const cnn = copyFixture('seed_simple_cnn', temp.dir, 'cnn');
  writeFileSync(join(temp.dir, 'block.onnx'), layerNormBlockBytes(60));
  jobs = [
    job(temp.dir, cnn, 'cnn/model.onnx', ['fp32', 'fp16', 'int8'], progress),
    job(temp.dir, join(temp.dir, 'block.onnx'), 'block.onnx', ['fp32', 'fp16', 'fp16-auto'], progress),
  ];
  inTurn = [];
  for (const j of jobs) inTurn.push(await runModelJob(j));
  vi.mocked(references.findReferences).mockClear();
  vi.mocked(load.loadOnnxModel).mockClear();
  scheduled = await runModelsInWorkers(
    jobs.map((j) => ({ job: j, onnxBytes: 1000 })),
    { jobs: 2, memoryBudgetBytes: 2 ** 40, script: new URL('file:///unused.js'), runner: inThreadRunner(tasks, plannedBytes) },
  );
  calls.references = vi.mocked(references.findReferences).mock.calls.length;
  calls.loads = vi.mocked(load.loadOnnxModel).mock.calls.length;
}, 240_000);
afterAll(() => temp.remove());

describe('the parallel schedule', () => {
  it('gives the results one job running the models in turn gives, apart from timings', () => {
    expect(scheduled.map((m) => m.variants.map((v) => [v.name, v.status]))).toEqual([
      [['fp32', 'passed'], ['fp16', 'passed'], ['int8', 'passed']],
      [['fp32', 'passed'], ['fp16', 'failed'], ['fp16-auto', 'passed']],
    ]);
    expect(withoutSeconds(scheduled)).toEqual(withoutSeconds(inTurn));
  });

  it('builds each model in one task and verifies each package in a task of its own', () => {
    expect(tasks.filter((t) => t === 'run-model-build')).toHaveLength(2);
    expect(tasks.filter((t) => t === 'run-variant-verify')).toHaveLength(6);
  });

  it('plans a build by its ONNX file and a verification by its package, for the memory budget', () => {
    const packages = scheduled.flatMap((m) => m.variants.map((v) => v.sizeBytes!));
    expect(plannedBytes.filter((_, i) => tasks[i] === 'run-model-build')).toEqual([buildTaskBytes(1000), buildTaskBytes(1000)]);
    expect(plannedBytes.filter((_, i) => tasks[i] === 'run-variant-verify').sort()).toEqual(packages.map(verifyTaskBytes).sort());
  });

  it('computes each model\'s references once, and reads a model again only to trace a failing variant', () => {
    expect(calls.references).toBe(2);
    // Two builds, and the verification of block.onnx's failing fp16, which names the op where it leaves fp32.
    expect(calls.loads).toBe(3);
    expect(scheduled[1]!.variants[1]!.firstDivergence).toMatchObject({ onnxNode: 'Pow_squared' });
  });

  it('says each step in whole lines: building, verifying, and each verdict', () => {
    expect(progress).toContain('block.onnx: building fp16');
    expect(progress).toContain('block.onnx: verifying fp16');
    expect(progress).toContain('block.onnx: fp16 failed');
    expect(progress.every((line) => !line.includes('\n'))).toBe(true);
  });
});

function built(name: string): VariantResult {
  return { name, target: 'iOS15', status: 'unverified', sizeBytes: 10, package: `m/${name}.mlpackage`, gate: 'PSNR ≥ 40 dB', outputs: [], warnings: [] };
}

function buildOutcome(variants: VariantResult[]): TaskOutcome<PipelineOutcome> {
  return { ok: true, value: { result: { ...emptyModelResult('m.onnx', 10), reference: 'onnxruntime', variants, seconds: 1 } } };
}

describe('mergeModelResult', () => {
  it('gives each built variant its verdict, in variant order, and settles the model from them', () => {
    const merged = mergeModelResult('m.onnx', buildOutcome([built('fp32'), built('int8')]), new Map([
      ['int8', { ok: true, value: { variant: { ...built('int8'), status: 'failed' }, seconds: 2 } }],
      ['fp32', { ok: true, value: { variant: { ...built('fp32'), status: 'passed' }, seconds: 3 } }],
    ] as const));
    expect(merged.variants.map((v) => [v.name, v.status])).toEqual([['fp32', 'passed'], ['int8', 'failed']]);
    expect(merged.status).toBe('failed');
    expect(merged.seconds).toBe(6);
  });

  it('fails the model with the reason when one of its workers died', () => {
    const merged = mergeModelResult('m.onnx', buildOutcome([built('fp32')]), new Map([['fp32', { ok: false, reason: 'the worker ran out of memory' }]]));
    expect(merged.status).toBe('error');
    expect(merged.error).toEqual({ code: 'WORKER', message: 'm.onnx: the worker ran out of memory' });
  });

  it('ends the model at a verification that ran out of its time, keeping the variants before it', () => {
    const timedOut = { code: 'LIMIT_EXCEEDED', message: 'm.onnx: timed out after 5 s (per-model time limit) while running the Core ML model' };
    const merged = mergeModelResult('m.onnx', buildOutcome([built('fp32'), built('fp16'), built('int8')]), new Map([
      ['fp32', { ok: true, value: { variant: { ...built('fp32'), status: 'passed' }, seconds: 1 } }],
      ['fp16', { ok: true, value: { timedOut, seconds: 5 } }],
      ['int8', { ok: true, value: { variant: { ...built('int8'), status: 'passed' }, seconds: 1 } }],
    ] as const));
    expect(merged.status).toBe('error');
    expect(merged.error).toEqual(timedOut);
    expect(merged.variants.map((v) => v.name)).toEqual(['fp32']);
  });
});
