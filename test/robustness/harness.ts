import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { encodeOnnxModel } from '../../src/onnx/encode.js';
import type { OnnxModel } from '../../src/onnx/ir.js';
import { escapeMarkdown } from '../../src/report/escape.js';
import { writeReportFiles } from '../../src/report/files.js';
import { runModels, type RunOptions } from '../../src/run/index.js';
import type { ModelResult, RunReport } from '../../src/report/schema.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';

/**
 * Shared pieces of the robustness suite: a known-good model to run beside each
 * hostile one, a whole run through runModels, and the checks every bad-input
 * case must pass (typed error, others still processed, nothing leaked).
 */

/** A value no output may ever contain: planted in the environment and in files the tests point at. */
export const SECRET = 'ghs_R0bustnessCanary0123456789abcdef';

/** y = relu(x · W): converts and verifies with every variant. */
export function goodModel(): OnnxModel {
  const weights = makeTensor('float32', [4, 3], Float32Array.from({ length: 12 }, (_, i) => ((i % 5) - 2) / 4));
  return model({
    nodes: [node('MatMul', ['x', 'W'], ['h']), node('Relu', ['h'], ['y'])],
    inputs: [valueInfo('x', 'float32', [1, 4])],
    outputs: [valueInfo('y', 'float32', [1, 3])],
    initializers: { W: weights },
  });
}

export const goodModelBytes = (): Uint8Array => encodeOnnxModel(goodModel());

export function writeGoodModel(dir: string, name = 'good.onnx'): string {
  const path = join(dir, name);
  writeFileSync(path, goodModelBytes());
  return path;
}

export interface WholeRun {
  report: RunReport;
  /** comment.md as written to the output folder. */
  comment: string;
  /** report.json as written to the output folder. */
  json: string;
  /** Everything runModels printed through onProgress. */
  log: string;
}

/** Runs `models` (relative to `dir`) through runModels with fp32 only, as the action's main job does. */
export async function runWhole(dir: string, models: string[], extra: Partial<RunOptions> = {}): Promise<WholeRun> {
  const lines: string[] = [];
  const report = await runModels({
    models,
    outDir: 'out',
    variants: ['fp32'],
    target: 'iOS15',
    gates: { failOnUnsupported: true },
    cwd: dir,
    onProgress: (m) => lines.push(m),
    ...extra,
  });
  await writeReportFiles(join(dir, 'out'), report);
  return {
    report,
    comment: readFileSync(join(dir, 'out', 'comment.md'), 'utf8'),
    json: readFileSync(join(dir, 'out', 'report.json'), 'utf8'),
    log: lines.join('\n'),
  };
}

export function resultFor(run: WholeRun, path: string): ModelResult {
  const found = run.report.models.find((m) => m.path === path);
  if (!found) throw new Error(`no result for ${path} in ${run.report.models.map((m) => m.path).join(', ')}`);
  return found;
}

/**
 * The common contract of §6: the hostile model has a typed error (not INTERNAL),
 * the good model beside it still converted and passed, the comment shows the error
 * without a stack trace, and no output carries the planted secret.
 */
export function expectIsolatedTypedError(run: WholeRun, hostile: string, code: string | RegExp, message: RegExp, goodPath = 'good.onnx'): ModelResult {
  const bad = resultFor(run, hostile);
  expect(bad.status).toBe('error');
  expect(bad.error?.code).toMatch(typeof code === 'string' ? new RegExp(`^${code}$`) : code);
  expect(bad.error?.message).toMatch(message);
  expect(bad.error?.message).not.toMatch(/internal error/i);
  expectGoodModelPassed(run, goodPath);
  expect(run.comment).toContain(`**${escapeMarkdown(bad.error!.code)}**`);
  expectNoLeaks(run);
  return bad;
}

export function expectGoodModelPassed(run: WholeRun, path = 'good.onnx'): void {
  const good = resultFor(run, path);
  expect(good.status).toBe('passed');
  expect(good.variants.map((v) => v.status)).toEqual(['passed']);
}

/** No stack frames, no secret, in any of the run's outputs. */
export function expectNoLeaks(run: WholeRun): void {
  for (const text of [run.comment, run.json, run.log]) {
    expect(text).not.toMatch(/^\s+at .+\(.*:\d+:\d+\)/m);
    expect(text).not.toMatch(/\n\s+at [\w.<>]+ /);
    expect(text).not.toContain(SECRET);
  }
}
