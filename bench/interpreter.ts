/**
 * Interpreter benchmark: a ResNet-50-shaped and a ViT-B/16-shaped network
 * (fp32, 1×3×224×224, synthetic weights) run by the reference interpreter and
 * by onnxruntime-node on one thread, in the same process on the same input.
 * Runs alternate between the two engines so a change in machine load hits
 * both. Each run is timed in process CPU time (user + system), which a busy
 * shared machine inflates far less than wall time, and in wall time; the
 * ratio is of CPU-time medians. Prints the load average while measuring and
 * the largest output difference as a sanity check.
 *
 *   node scripts/run-ts.mjs bench/interpreter.ts [--runs 5] [--model resnet50|vit_b16]
 *
 * Target: interpreter ≤ 4× onnxruntime-node (fp32, one thread) for each model.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { convertOnnxModel } from '../src/convert/index.js';
import { encodeOnnxModel } from '../src/onnx/encode.js';
import { runProgram } from '../src/runtime/interpreter.js';
import { makeTensor } from '../src/tensor/tensor.js';
import type { BenchModel } from './lib/graph.js';
import { buildResNet50 } from './lib/resnet50.js';
import { median, seededInput } from './lib/sampling.js';
import { buildVitB16 } from './lib/vit.js';

const TARGET_RATIO = 4;
const MODELS: Record<string, { label: string; build: () => BenchModel }> = {
  resnet50: { label: 'ResNet-50', build: buildResNet50 },
  vit_b16: { label: 'ViT-B/16', build: buildVitB16 },
};
const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, model: { type: 'string', multiple: true } } });
const runs = Math.max(1, Number(values.runs));
const selected = values.model ?? Object.keys(MODELS);

function loadAverage(): string {
  return loadavg().map((l) => l.toFixed(2)).join(' ');
}

interface Timing {
  cpu: number;
  wall: number;
}

async function timed(f: () => unknown): Promise<Timing> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1e6, wall };
}

function describe(times: Timing[]): string {
  const cpu = times.map((t) => t.cpu);
  const wall = times.map((t) => t.wall);
  return `${median(cpu).toFixed(3)} s CPU, ${median(wall).toFixed(3)} s wall  (CPU runs ${cpu.map((t) => t.toFixed(3)).join(' ')})`;
}

async function benchModel(key: string, dir: string): Promise<number> {
  const { label, build } = MODELS[key]!;
  const { model } = build();
  const onnxPath = join(dir, `${key}.onnx`);
  writeFileSync(onnxPath, encodeOnnxModel(model));
  const program = convertOnnxModel(model, { target: 'iOS15', precision: 'fp32' }).model.program;
  const inputName = program.functions['main']!.inputs[0]!.name;
  const outputName = program.functions['main']!.block.outputs[0]!;
  const data = seededInput(3 * 224 * 224);
  const input = makeTensor('float32', [1, 3, 224, 224], data);

  const session = await ort.InferenceSession.create(onnxPath, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', data, [1, 3, 224, 224]) };
  let ortOut = (await session.run(feeds))[session.outputNames[0]!]!.data as Float32Array; // warm-up
  let ourOut: Float32Array = new Float32Array(0);
  // The warm-up packs every weight once; a report's verification runs a program once and pays for that each time.
  const firstRun = await timed(() => {
    ourOut = runProgram(program, { [inputName]: input })[outputName]!.data as Float32Array;
  });
  const loadBefore = loadAverage();
  const ortTimes: Timing[] = [];
  const ourTimes: Timing[] = [];
  for (let i = 0; i < runs; i++) {
    ortTimes.push(await timed(async () => {
      ortOut = (await session.run(feeds))[session.outputNames[0]!]!.data as Float32Array;
    }));
    ourTimes.push(await timed(() => {
      ourOut = runProgram(program, { [inputName]: input })[outputName]!.data as Float32Array;
    }));
  }
  const loadAfter = loadAverage();
  await session.release();

  let maxDiff = 0;
  for (let i = 0; i < ourOut.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ourOut[i]! - ortOut[i]!));
  const ratio = median(ourTimes.map((t) => t.cpu)) / median(ortTimes.map((t) => t.cpu));
  console.log(`${label} fp32, 1×3×224×224, median of ${runs} alternating runs`);
  console.log(`  reference interpreter : ${describe(ourTimes)}`);
  console.log(`  onnxruntime-node (1T) : ${describe(ortTimes)}`);
  console.log(`  interpreter first run : ${firstRun.cpu.toFixed(3)} s CPU, ${firstRun.wall.toFixed(3)} s wall (packs the weights it caches)`);
  console.log(`  ratio (CPU time)      : ${ratio.toFixed(2)}× (target ≤ ${TARGET_RATIO}×) ${ratio <= TARGET_RATIO ? 'OK' : 'OVER TARGET'}`);
  console.log(`  load average (1, 5, 15 min): ${loadBefore} before, ${loadAfter} after`);
  console.log(`  max |interpreter − onnxruntime| on logits: ${maxDiff.toExponential(2)}`);
  return ratio;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-interpreter-'));
  try {
    for (const key of selected) {
      if (!MODELS[key]) throw new Error(`unknown model '${key}' (have: ${Object.keys(MODELS).join(', ')})`);
      await benchModel(key, dir);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
