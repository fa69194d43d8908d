/**
 * Reference engine benchmark: a ResNet-50-shaped network (fp32, 1×3×224×224) run by
 * onnxruntime-web's wasm build (the engine that ships in dist/ort/) and by onnxruntime-node
 * (native CPU, used when installed), both on one thread, in the same process on the same
 * input, loaded and configured the way reference outputs are computed. Prints session
 * creation and run times, the wasm/native ratio, the largest output difference, the load
 * average, and the bytes the wasm engine adds to the repository.
 *
 *   node scripts/run-ts.mjs bench/engines.ts [--runs 3]
 */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeOnnxModel } from '../src/onnx/encode.js';
import { loadEngine, locateNativeEngine, locateWasmEngine, sessionOptions, type EngineLocation } from '../src/reference/engine.js';
import { buildResNet50 } from './lib/resnet50.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Math.max(1, Number(values.runs));
const SHAPE = [1, 3, 224, 224];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function seededInput(n: number): Float32Array {
  let state = 12345;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out[i] = state / 4294967296 - 0.5;
  }
  return out;
}

interface Timing {
  label: string;
  createSeconds: number;
  runSeconds: number;
  output: Float32Array<ArrayBufferLike>;
}

async function timeEngine(location: EngineLocation, onnxPath: string, data: Float32Array): Promise<Timing> {
  const { ort, label } = await loadEngine(location);
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(onnxPath, { ...sessionOptions(1), interOpNumThreads: 1 });
  const createSeconds = (performance.now() - t0) / 1000;
  const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', data, SHAPE) };
  await session.run(feeds); // warm-up
  const times: number[] = [];
  let output: Float32Array<ArrayBufferLike> = new Float32Array();
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const result = await session.run(feeds);
    times.push((performance.now() - started) / 1000);
    output = result[session.outputNames[0]!]!.data as Float32Array;
  }
  await session.release();
  return { label, createSeconds, runSeconds: median(times), output };
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

async function main(): Promise<void> {
  const wasm = locateWasmEngine();
  const native = locateNativeEngine();
  if (!wasm || !native) throw new Error(`both engines are needed: ${wasm ? '' : 'onnxruntime-web '}${native ? '' : 'onnxruntime-node '}missing (npm ci)`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-engines-'));
  try {
    const onnxPath = join(dir, 'resnet50.onnx');
    writeFileSync(onnxPath, encodeOnnxModel(buildResNet50().model));
    const data = seededInput(SHAPE.reduce((a, b) => a * b, 1));
    const before = loadavg()[0]!;
    const web = await timeEngine(wasm, onnxPath, data);
    const node = await timeEngine(native, onnxPath, data);
    const after = loadavg()[0]!;
    let maxDiff = 0;
    for (let i = 0; i < web.output.length; i++) maxDiff = Math.max(maxDiff, Math.abs(web.output[i]! - node.output[i]!));
    const bytes = shippedEngineBytes();
    const pad = Math.max(web.label.length, node.label.length);
    console.log(`ResNet-50 fp32, 1×3×224×224, one thread each, median of ${runs} runs after a warm-up`);
    for (const t of [web, node]) console.log(`  ${t.label.padEnd(pad)} : run ${t.runSeconds.toFixed(3)} s, session creation ${t.createSeconds.toFixed(2)} s`);
    console.log(`  ratio wasm / native   : ${(web.runSeconds / node.runSeconds).toFixed(2)}×`);
    console.log(`  max |wasm − native| on logits: ${maxDiff.toExponential(2)}`);
    console.log(`  load average (1 min)  : ${before.toFixed(2)} before, ${after.toFixed(2)} after`);
    if (bytes !== undefined) console.log(`  dist/ort/ in the repository: ${(bytes / 1e6).toFixed(1)} MB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
