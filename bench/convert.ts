/**
 * Conversion benchmark: a ResNet-50-sized ONNX model (≈ 102 MB of fp32 weights)
 * converted to an fp16 ML Program by the bundled CLI in a child process, as a
 * user would run it. Prints wall time, throughput and the child's peak RSS,
 * next to a plain read-and-write copy of the same file timed in the same run.
 *
 *   npm run build && npm run bench:convert            # 3 runs
 *   npm run bench:convert -- --runs 5 --keep          # keep the temp dir
 *
 * Targets: ≤ 1.0 s conversion and ≤ 350 MB peak RSS.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { encodeOnnxModel } from '../src/onnx/encode.js';
import { findRepositoryRoot, runMeasured } from './lib/child.js';
import { buildResNet50 } from './lib/resnet50.js';

const REPO = findRepositoryRoot(dirname(fileURLToPath(import.meta.url)));
const CLI = join(REPO, 'dist', 'cli.js');
const TARGET_SECONDS = 1.0;
const TARGET_RSS_MB = 350;
const MB = 1e6;

interface StageSeconds {
  load: number;
  check: number;
  convert: number;
  write: number;
}

interface RunResult {
  wallSeconds: number;
  pipelineSeconds: number;
  stages: StageSeconds;
  peakRssBytes: number;
  packageBytes: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function convertInChild(onnxPath: string, outPath: string, scratch: string): RunResult {
  const child = runMeasured(CLI, ['convert', onnxPath, '-o', outPath, '--precision', 'fp16', '--json'], scratch);
  if (child.status !== 0) throw new Error(`convert exited ${child.status}:\n${child.stderr}${child.stdout}`);
  const report = JSON.parse(child.stdout) as { seconds: number; sizeBytes: number; timings: StageSeconds };
  return { wallSeconds: child.wallSeconds, pipelineSeconds: report.seconds, stages: report.timings, peakRssBytes: child.peakRssBytes, packageBytes: report.sizeBytes };
}

/** The floor any converter must pay: read every byte of the model and write a file of that size. */
function plainCopySeconds(from: string, to: string): number {
  const started = performance.now();
  writeFileSync(to, readFileSync(from));
  return (performance.now() - started) / 1000;
}

function main(): void {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, keep: { type: 'boolean', default: false } } });
  const runs = Math.max(1, Number.parseInt(values.runs ?? '3', 10) || 3);
  if (!existsSync(CLI)) {
    console.error('dist/cli.js is missing: run `npm run build` first');
    process.exitCode = 2;
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'onnx-coreml-bench-'));
  try {
    const built = buildResNet50();
    const onnxPath = join(dir, 'resnet50.onnx');
    const bytes = encodeOnnxModel(built.model);
    writeFileSync(onnxPath, bytes);
    console.log(`model: ResNet-50, ${built.convCount} Conv, ${(built.parameterCount / 1e6).toFixed(2)} M params, ${(bytes.length / MB).toFixed(1)} MB`);

    const results: RunResult[] = [];
    const copies: number[] = [];
    for (let i = 0; i < runs; i++) {
      copies.push(plainCopySeconds(onnxPath, join(dir, 'copy.onnx')));
      results.push(convertInChild(onnxPath, join(dir, `out${i}.mlpackage`), dir));
      const r = results.at(-1)!;
      const stages = Object.entries(r.stages).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ');
      console.log(`run ${i + 1}: convert ${r.pipelineSeconds.toFixed(3)} s (${stages}; process ${r.wallSeconds.toFixed(3)} s), peak RSS ${(r.peakRssBytes / MB).toFixed(0)} MB, copy ${copies.at(-1)!.toFixed(3)} s`);
    }
    report(bytes.length, results, copies);
  } finally {
    if (values.keep) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

function report(onnxBytes: number, results: RunResult[], copies: number[]): void {
  const convert = median(results.map((r) => r.pipelineSeconds));
  const wall = median(results.map((r) => r.wallSeconds));
  // The worst run decides the memory verdict: a CI runner does not get to pick its best run.
  const rss = Math.max(...results.map((r) => r.peakRssBytes)) / MB;
  const rssMedian = median(results.map((r) => r.peakRssBytes)) / MB;
  const copy = median(copies);
  const verdict = (ok: boolean): string => (ok ? 'ok' : 'OVER TARGET');
  console.log('');
  console.log(`median of ${results.length} run(s), input ${(onnxBytes / MB).toFixed(1)} MB → package ${(results[0]!.packageBytes / MB).toFixed(1)} MB (fp16)`);
  console.log(`convert (in process)   ${convert.toFixed(3)} s   ${(onnxBytes / MB / convert).toFixed(0)} MB/s   target ≤ ${TARGET_SECONDS} s: ${verdict(convert <= TARGET_SECONDS)}`);
  console.log(`convert (whole process) ${wall.toFixed(3)} s   ${(onnxBytes / MB / wall).toFixed(0)} MB/s`);
  console.log(`peak RSS of the child   ${rss.toFixed(0)} MB (median ${rssMedian.toFixed(0)} MB)   target ≤ ${TARGET_RSS_MB} MB: ${verdict(rss <= TARGET_RSS_MB)}`);
  console.log(`plain copy (read+write) ${copy.toFixed(3)} s   ${(onnxBytes / MB / copy).toFixed(0)} MB/s`);
  console.log(`ratio convert / copy    ${(convert / copy).toFixed(1)}×`);
}

main();
