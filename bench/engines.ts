/**
 * Reference engine benchmark: a ResNet-50-shaped network (fp32, 1×3×224×224) run by
 * onnxruntime-web's wasm build (the engine that ships in dist/ort/) and by onnxruntime-node
 * (native CPU, used when installed), both on one thread, in the same process on the same
 * input, loaded and configured the way reference outputs are computed. Runs alternate
 * between the engines so a change in machine load hits both, and each is timed in process
 * CPU time (which a busy shared machine inflates far less than wall time) and wall time;
 * the ratio is of CPU-time medians. Prints session creation times, the largest output
 * difference, the load average, and the bytes the wasm engine adds to the repository.
 *
 *   node scripts/run-ts.mjs bench/engines.ts [--runs 5]
 */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { encodeOnnxModel } from '../src/onnx/encode.js';
import { loadEngine, locateNativeEngine, locateWasmEngine, sessionOptions, type EngineLocation } from '../src/reference/engine.js';
import { buildResNet50 } from './lib/resnet50.js';
import { median, seededInput } from './lib/sampling.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Math.max(1, Number(values.runs));
const SHAPE = [1, 3, 224, 224];

interface EngineUnderTest {
  label: string;
  session: InferenceSession;
  feeds: Record<string, Tensor>;
  createSeconds: number;
  cpu: number[];
  wall: number[];
  output: Float32Array<ArrayBufferLike>;
}

async function openEngine(location: EngineLocation, onnxPath: string, data: Float32Array): Promise<EngineUnderTest> {
  const { ort, label } = await loadEngine(location);
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(onnxPath, { ...sessionOptions(1), interOpNumThreads: 1 });
  const createSeconds = (performance.now() - t0) / 1000;
  const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', data, SHAPE) };
  await session.run(feeds); // warm-up
  return { label, session, feeds, createSeconds, cpu: [], wall: [], output: new Float32Array() };
}

async function timeOneRun(engine: EngineUnderTest): Promise<void> {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const result = await engine.session.run(engine.feeds);
  const cpu = process.cpuUsage(cpu0);
  engine.wall.push((performance.now() - wall0) / 1000);
  engine.cpu.push((cpu.user + cpu.system) / 1e6);
  engine.output = result[engine.session.outputNames[0]!]!.data as Float32Array;
}

/** Bytes of the committed wasm engine: every file under dist/ort/ (npm runs scripts from the repository root). */
function shippedEngineBytes(): number | undefined {
  const dir = join(process.cwd(), 'dist', 'ort');
  try {
    return readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
  } catch {
    return undefined;
  }
}

const loadAverage = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const wasm = locateWasmEngine();
  const native = locateNativeEngine();
  if (!wasm || !native) throw new Error(`both engines are needed: ${wasm ? '' : 'onnxruntime-web '}${native ? '' : 'onnxruntime-node '}missing (npm ci)`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-engines-'));
  try {
    const onnxPath = join(dir, 'resnet50.onnx');
    writeFileSync(onnxPath, encodeOnnxModel(buildResNet50().model));
    const data = seededInput(SHAPE.reduce((a, b) => a * b, 1));
    const engines = [await openEngine(wasm, onnxPath, data), await openEngine(native, onnxPath, data)];
    const before = loadAverage();
    for (let i = 0; i < runs; i++) for (const engine of engines) await timeOneRun(engine);
    const after = loadAverage();
    const [web, node] = engines as [EngineUnderTest, EngineUnderTest];
    let maxDiff = 0;
    for (let i = 0; i < web.output.length; i++) maxDiff = Math.max(maxDiff, Math.abs(web.output[i]! - node.output[i]!));
    const pad = Math.max(web.label.length, node.label.length);
    console.log(`ResNet-50 fp32, 1×3×224×224, one thread each, median of ${runs} alternating runs after a warm-up`);
    for (const e of engines) {
      console.log(`  ${e.label.padEnd(pad)} : ${median(e.cpu).toFixed(3)} s CPU, ${median(e.wall).toFixed(3)} s wall; session creation ${e.createSeconds.toFixed(2)} s wall`);
    }
    console.log(`  ratio wasm / native (CPU time): ${(median(web.cpu) / median(node.cpu)).toFixed(2)}×   (wall: ${(median(web.wall) / median(node.wall)).toFixed(2)}×)`);
    console.log(`  max |wasm − native| on logits: ${maxDiff.toExponential(2)}`);
    console.log(`  load average (1, 5, 15 min): ${before} before, ${after} after`);
    const bytes = shippedEngineBytes();
    if (bytes !== undefined) console.log(`  dist/ort/ in the repository: ${(bytes / 1e6).toFixed(1)} MB`);
    for (const e of engines) await e.session.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
