/**
 * Interpreter benchmark: a ResNet-50-shaped network (fp32, 1×3×224×224) run
 * by the reference interpreter and by onnxruntime-node on one thread, in the
 * same process on the same input. Prints both times and the ratio, and the
 * largest output difference as a sanity check.
 *
 *   node scripts/run-ts.mjs bench/interpreter.ts [--runs 3]
 *
 * Target: interpreter ≤ 10× onnxruntime-node (fp32).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { convertOnnxModel } from '../src/convert/index.js';
import { encodeOnnxModel } from '../src/onnx/encode.js';
import { runProgram } from '../src/runtime/interpreter.js';
import { makeTensor } from '../src/tensor/tensor.js';
import { buildResNet50 } from './lib/resnet50.js';

const TARGET_RATIO = 10;
const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Math.max(1, Number(values.runs));

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

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-interpreter-'));
  try {
    const { model } = buildResNet50();
    const onnxPath = join(dir, 'resnet50.onnx');
    writeFileSync(onnxPath, encodeOnnxModel(model));
    const program = convertOnnxModel(model, { target: 'iOS15', precision: 'fp32' }).model.program;
    const inputName = program.functions['main']!.inputs[0]!.name;
    const outputName = program.functions['main']!.block.outputs[0]!;
    const data = seededInput(3 * 224 * 224);

    const session = await ort.InferenceSession.create(onnxPath, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', data, [1, 3, 224, 224]) };
    await session.run(feeds); // warm-up
    const ortTimes: number[] = [];
    let ortOut: Float32Array | undefined;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const r = await session.run(feeds);
      ortTimes.push((performance.now() - t0) / 1000);
      ortOut = r[session.outputNames[0]!]!.data as Float32Array;
    }
    await session.release();

    const input = makeTensor('float32', [1, 3, 224, 224], data);
    const ourTimes: number[] = [];
    let ourOut: Float32Array | undefined;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const r = runProgram(program, { [inputName]: input });
      ourTimes.push((performance.now() - t0) / 1000);
      ourOut = r[outputName]!.data as Float32Array;
    }

    let maxDiff = 0;
    for (let i = 0; i < (ourOut?.length ?? 0); i++) maxDiff = Math.max(maxDiff, Math.abs(ourOut![i]! - ortOut![i]!));
    const ours = median(ourTimes);
    const peer = median(ortTimes);
    const ratio = ours / peer;
    console.log(`ResNet-50 fp32, 1×3×224×224, median of ${runs} runs`);
    console.log(`  reference interpreter : ${ours.toFixed(3)} s`);
    console.log(`  onnxruntime-node (1T) : ${peer.toFixed(3)} s`);
    console.log(`  ratio                 : ${ratio.toFixed(2)}× (target ≤ ${TARGET_RATIO}×) ${ratio <= TARGET_RATIO ? 'OK' : 'OVER TARGET'}`);
    console.log(`  max |interpreter − onnxruntime| on logits: ${maxDiff.toExponential(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
