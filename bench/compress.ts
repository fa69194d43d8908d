/**
 * Compression benchmark: a ResNet-50-sized program (25.5 M seeded parameters in
 * the real layer shapes, converted to an fp16 ML Program as the int8 and
 * palettize4 variants see it) compressed whole by `compressProgram`. Prints the
 * best of N runs in seconds next to two peers timed in the same run on the same
 * weights: a plain copy of the fp16 weight bytes and the fp32 → fp16 conversion
 * of every weight, so the ratios survive a faster or slower machine.
 *
 *   node scripts/run-ts.mjs bench/compress.ts            # 3 runs
 *   node scripts/run-ts.mjs bench/compress.ts --runs 5
 *
 * Targets on a 2-core CI-class machine: int8 ≤ 0.5 s, palettize4 ≤ 2 s.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { compressProgram, type CompressionSpec } from '../src/compress/apply.js';
import { findVariant } from '../src/compress/variants.js';
import { convertOnnxModel } from '../src/convert/index.js';
import { walkOperations, type MilProgram } from '../src/mil/ir.js';
import { float32ArrayToFloat16 } from '../src/tensor/fp16.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { buildResNet50 } from './lib/resnet50.js';

const TARGETS: Readonly<Record<string, number>> = { int8: 0.5, palettize4: 2.0 };

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Math.max(1, Number(args.runs));

/** The float constants of a program, by op name: restored before every timed run. */
function floatConstants(program: MilProgram): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const fn of Object.values(program.functions)) {
    for (const op of walkOperations(fn.block)) {
      const val = op.type === 'const' ? op.attributes['val'] : undefined;
      if (val && (val.dtype === 'float16' || val.dtype === 'float32')) out.set(op.name, val);
    }
  }
  return out;
}

/** A fresh structural copy of the program whose consts share the original tensors (compression never mutates them). */
function cloneProgram(program: MilProgram): MilProgram {
  const functions: MilProgram['functions'] = {};
  for (const [name, fn] of Object.entries(program.functions)) {
    functions[name] = { ...fn, block: { ...fn.block, operations: fn.block.operations.map((op) => ({ ...op })) } };
  }
  return { functions };
}

function best(times: number[]): number {
  return Math.min(...times);
}

function timeRuns(runOnce: () => void): number {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    runOnce();
    times.push((performance.now() - start) / 1000);
  }
  return best(times);
}

const { model, parameterCount } = buildResNet50();
const fp32 = convertOnnxModel(model, { target: 'iOS16', precision: 'fp32' }).model.program;
const fp16 = convertOnnxModel(model, { target: 'iOS16', precision: 'fp16' }).model.program;
const fp32Weights = [...floatConstants(fp32).values()].map((t) => t.data as Float32Array);
const fp16Weights = [...floatConstants(fp16).values()].map((t) => t.data as Uint16Array);
const halfBytes = fp16Weights.reduce((n, w) => n + w.byteLength, 0);

const copySeconds = timeRuns(() => {
  for (const w of fp16Weights) new Uint16Array(w.length).set(w);
});
const toHalfSeconds = timeRuns(() => {
  for (const w of fp32Weights) float32ArrayToFloat16(w);
});

console.log(`ResNet-50-sized program: ${(parameterCount / 1e6).toFixed(1)} M parameters, ${(halfBytes / 1e6).toFixed(1)} MB of fp16 weights; best of ${runs} runs`);
console.log(`peer  copy fp16 weight bytes      ${copySeconds.toFixed(3)} s`);
console.log(`peer  fp32 → fp16 of all weights  ${toHalfSeconds.toFixed(3)} s`);
let failed = false;
for (const name of Object.keys(TARGETS)) {
  const spec = findVariant(name)?.compression as CompressionSpec;
  let ratio = 0;
  const seconds = timeRuns(() => {
    const stats = compressProgram(cloneProgram(fp16), spec, { target: 'iOS16' });
    ratio = stats.bytesAfter / stats.bytesBefore;
  });
  const target = TARGETS[name]!;
  const verdict = seconds <= target ? 'ok' : 'SLOWER THAN TARGET';
  failed ||= seconds > target;
  console.log(
    `${name.padEnd(11)} ${seconds.toFixed(3)} s  (${(seconds / toHalfSeconds).toFixed(1)}× fp16 conversion, ${(seconds / copySeconds).toFixed(0)}× copy; ` +
      `target ≤ ${target} s: ${verdict}); compressed weights ${(ratio * 100).toFixed(1)}% of fp16`,
  );
}
process.exitCode = failed ? 1 : 0;
