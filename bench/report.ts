/**
 * Whole-report benchmark: a ResNet-50-shaped and a ViT-B/16-shaped model
 * (synthetic weights) through `report --variants fp32,fp16,int8,palettize4`,
 * run by the CLI bundled from the current sources, in a child process as a
 * user would run it. Runs once with one job and once with the default job
 * count, in the same invocation, and prints for each the wall time, the CPU
 * time over all threads and the peak RSS; then the ratio of the two wall
 * times, and whether the two report.json files agree apart from timings.
 *
 *   npm run bench:report [-- --keep]
 *
 * Targets (a 2-core machine): wall ≤ 40% of the one-job run or ≤ 35 s,
 * peak RSS ≤ 1 GB, identical reports.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { encodeOnnxModel } from '../src/onnx/encode.js';
import { findRepositoryRoot, runMeasured, type ChildRun } from './lib/child.js';
import { buildResNet50 } from './lib/resnet50.js';
import { buildVitB16 } from './lib/vit.js';

const REPO = findRepositoryRoot(dirname(fileURLToPath(import.meta.url)));
const VARIANTS = 'fp32,fp16,int8,palettize4';
const TARGET_WALL_FRACTION = 0.4;
const TARGET_WALL_SECONDS = 35;
const TARGET_RSS_BYTES = 1e9;
const MB = 1e6;
const MODEL_FILES = ['resnet50.onnx', 'vit_b16.onnx'] as const;

/** The CLI bundled from the working tree's sources, inside the repository so onnxruntime-node resolves. */
function bundleCli(): string {
  const outDir = join(REPO, 'node_modules', '.cache', 'bench-report');
  const built = spawnSync(process.execPath, [join(REPO, 'scripts', 'bundle.mjs'), '--outdir', outDir, '--no-engine'], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`bundling failed:\n${built.stderr}${built.stdout}`);
  return join(outDir, 'cli.js');
}

/** report.json without what differs between runs by nature: timings. */
function withoutTimings(json: string): string {
  return JSON.stringify(JSON.parse(json), (key, value: unknown) => (key === 'seconds' ? undefined : value), 2);
}

interface Measured {
  label: string;
  run: ChildRun;
  report: string;
}

/** Runs `report` in the models' folder, on their bare file names, so both runs' reports name them alike. */
function runReport(cli: string, label: string, modelDir: string, outDir: string, extra: string[], scratch: string): Measured {
  mkdirSync(outDir, { recursive: true });
  const load = loadavg()[0]!.toFixed(2);
  const run = runMeasured(cli, ['report', ...MODEL_FILES, '--out', outDir, '--variants', VARIANTS, ...extra], scratch, modelDir);
  // Exit 1 is a failed gate (random weights need not pass palettize4's); anything else is the bench's problem.
  if (run.status !== 0 && run.status !== 1) throw new Error(`report (${label}) exited ${run.status}:\n${run.stderr}${run.stdout}`);
  console.log(`${label.padEnd(22)} wall ${run.wallSeconds.toFixed(1).padStart(6)} s   CPU ${run.cpuSeconds.toFixed(1).padStart(6)} s   peak RSS ${(run.peakRssBytes / MB).toFixed(0).padStart(5)} MB   (load average ${load} at start, exit ${run.status})`);
  return { label, run, report: withoutTimings(readFileSync(join(outDir, 'report.json'), 'utf8')) };
}

function main(): void {
  const { values } = parseArgs({ options: { keep: { type: 'boolean', default: false } } });
  const dir = mkdtempSync(join(tmpdir(), 'onnx-coreml-bench-report-'));
  try {
    const cli = bundleCli();
    const modelDir = join(dir, 'models');
    mkdirSync(modelDir, { recursive: true });
    writeFileSync(join(modelDir, MODEL_FILES[0]), encodeOnnxModel(buildResNet50().model));
    writeFileSync(join(modelDir, MODEL_FILES[1]), encodeOnnxModel(buildVitB16().model));
    console.log(`report on ResNet-50 and ViT-B/16 (synthetic weights), variants ${VARIANTS}, ${availableParallelism()} cores available`);
    const one = runReport(cli, 'one job (--jobs 1)', modelDir, join(dir, 'out-1'), ['--jobs', '1'], dir);
    const all = runReport(cli, 'default jobs', modelDir, join(dir, 'out-default'), [], dir);
    const ratio = all.run.wallSeconds / one.run.wallSeconds;
    const wallOk = ratio <= TARGET_WALL_FRACTION || all.run.wallSeconds <= TARGET_WALL_SECONDS;
    const verdict = (ok: boolean): string => (ok ? 'ok' : 'OVER TARGET');
    console.log('');
    console.log(`wall, default / one job: ${ratio.toFixed(2)}   (target ≤ ${TARGET_WALL_FRACTION} or ≤ ${TARGET_WALL_SECONDS} s: ${verdict(wallOk)})`);
    console.log(`CPU, default / one job:  ${(all.run.cpuSeconds / one.run.cpuSeconds).toFixed(2)}`);
    console.log(`peak RSS, default jobs:  ${(all.run.peakRssBytes / MB).toFixed(0)} MB   (target ≤ ${TARGET_RSS_BYTES / MB} MB: ${verdict(all.run.peakRssBytes <= TARGET_RSS_BYTES)})`);
    console.log(`report.json apart from timings: ${one.report === all.report ? 'identical' : 'DIFFERENT'}`);
    console.log(`load average now (1, 5, 15 min): ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    if (one.report !== all.report) process.exitCode = 1;
  } finally {
    if (values.keep) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main();
