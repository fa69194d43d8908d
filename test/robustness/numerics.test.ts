import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { convertOnnxModel } from '../../src/convert/index.js';
import { EXACT_GATE, FP16_GATE, FP32_GATE, LOW_BIT_GATE, type Gate } from '../../src/parity/gates.js';
import { evaluateOutput, overallPass } from '../../src/parity/verdict.js';
import { encodeOnnxModel } from '../../src/onnx/encode.js';
import type { OnnxModel } from '../../src/onnx/ir.js';
import { encodeTensorProto } from '../../src/onnx/tensor-proto.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { makeTempDir } from '../cli/fixtures.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';
import { expectGoodModelPassed, expectNoLeaks, resultFor, runWhole, writeGoodModel } from './harness.js';

/** §6 "Numerics", cases 42–48: comparisons that must not pass by accident. */

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
  writeGoodModel(temp.dir);
});
afterEach(() => temp.remove());

const GATES: readonly Gate[] = [FP32_GATE, FP16_GATE, LOW_BIT_GATE, EXACT_GATE];
const f32 = (...v: number[]): Tensor => makeTensor('float32', [v.length], Float32Array.from(v));

/** A one-input, one-output model shipped with test data, so the reference is the data, not onnxruntime. */
function writeModelWithData(name: string, m: OnnxModel, input: Tensor, expected: Tensor): string {
  const dir = join(temp.dir, name);
  mkdirSync(join(dir, 'test_data_set_0'), { recursive: true });
  writeFileSync(join(dir, 'model.onnx'), encodeOnnxModel(m));
  writeFileSync(join(dir, 'test_data_set_0', 'input_0.pb'), encodeTensorProto(m.graph.inputs[0]!.name, input));
  writeFileSync(join(dir, 'test_data_set_0', 'output_0.pb'), encodeTensorProto(m.graph.outputs[0]!.name, expected));
  return `${name}/model.onnx`;
}

const unary = (op: string, shape: number[]): OnnxModel =>
  model({ nodes: [node(op, ['x'], ['y'])], inputs: [valueInfo('x', 'float32', shape)], outputs: [valueInfo('y', 'float32', shape)] });

describe('numerics', () => {
  it('case 42: NaN in the Core ML output where the reference is finite fails under every gate, and is counted', () => {
    for (const gate of GATES) {
      const v = evaluateOutput(f32(1, 2, 3, 4), f32(1, NaN, 3, NaN), gate);
      expect(v.pass, gate.kind).toBe(false);
      expect(v.metrics.nonFiniteMismatches).toBe(2);
      expect(v.reason).toMatch(/^2 of 4 elements are NaN or infinite/);
    }
  });

  it('case 42: NaN on both sides at the same index counts as equal (the documented policy), NaN at different indices fails', () => {
    for (const gate of [FP32_GATE, FP16_GATE, EXACT_GATE]) {
      expect(evaluateOutput(f32(1, NaN, 3), f32(1, NaN, 3), gate).pass, gate.kind).toBe(true);
      expect(evaluateOutput(f32(1, NaN, 3), f32(NaN, 2, 3), gate).pass, gate.kind).toBe(false);
    }
  });

  it('case 42: end to end, a model whose interpreter output is NaN (sqrt of a negative) against finite test data fails its variant', async () => {
    const path = writeModelWithData('nan', unary('Sqrt', [1, 4]), makeTensor('float32', [1, 4], Float32Array.of(4, -1, 9, 16)), makeTensor('float32', [1, 4], Float32Array.of(2, 0, 3, 4)));
    const run = await runWhole(temp.dir, [path, 'good.onnx']);
    const r = resultFor(run, path);
    expect(r.status).toBe('failed');
    expect(r.variants[0]!.outputs[0]!.pass).toBe(false);
    expect(r.variants[0]!.outputs[0]!.reason).toMatch(/1 of 4 elements are NaN or infinite.*reference 0, actual NaN/);
    expect(run.report.passed).toBe(false);
    expectGoodModelPassed(run);
  });

  it('case 43: ±Inf of the same sign at the same place match; opposite sign, or Inf against finite, fail', () => {
    for (const gate of [FP32_GATE, FP16_GATE, EXACT_GATE]) {
      expect(evaluateOutput(f32(Infinity, 1, -Infinity), f32(Infinity, 1, -Infinity), gate).pass, gate.kind).toBe(true);
      expect(evaluateOutput(f32(Infinity, 1), f32(-Infinity, 1), gate).pass, gate.kind).toBe(false);
      expect(evaluateOutput(f32(Infinity, 1), f32(3.4e38, 1), gate).pass, gate.kind).toBe(false);
      expect(evaluateOutput(f32(5, 1), f32(Infinity, 1), gate).pass, gate.kind).toBe(false);
    }
  });

  it('case 44: fp16 conversion keeps ops with weights beyond ±65504 or mostly below fp16 normals in fp32, with counts in the warning', () => {
    const w = new Float32Array(64 * 8).fill(0.5);
    w[0] = 1e5;
    w[1] = -70000;
    const tiny = new Float32Array(64 * 8).fill(1e-9);
    const m = model({
      nodes: [node('MatMul', ['x', 'W'], ['h']), node('MatMul', ['h', 'T'], ['y'])],
      inputs: [valueInfo('x', 'float32', [1, 64])],
      outputs: [valueInfo('y', 'float32', [1, 64])],
      initializers: { W: makeTensor('float32', [64, 8], w), T: makeTensor('float32', [8, 64], tiny) },
    });
    const { warnings } = convertOnnxModel(m, { target: 'iOS16', precision: 'fp16' });
    const overflow = warnings.find((x) => x.includes('value(s) beyond ±65504'));
    expect(overflow).toMatch(/kept in fp32: .* has 2 value\(s\) beyond ±65504 and 0 of 512 non-zero value\(s\) below fp16's smallest normal/);
    expect(warnings.some((x) => /has 0 value\(s\) beyond ±65504 and 512 of 512 non-zero value\(s\) below fp16's smallest normal 6\.10e-5/.test(x))).toBe(true);
    // In fp32 nothing needs saying.
    expect(convertOnnxModel(m, { target: 'iOS16', precision: 'fp32' }).warnings.filter((x) => x.includes('65504'))).toEqual([]);
  });

  it('case 45: x² overflowing fp16 at run time (x = 300) fails the fp16 variant as a NaN/Inf mismatch attributed to fp16, not a crash; fp32 passes', async () => {
    const m = model({ nodes: [node('Mul', ['x', 'x'], ['y'])], inputs: [valueInfo('x', 'float32', [1, 4])], outputs: [valueInfo('y', 'float32', [1, 4])] });
    const x = makeTensor('float32', [1, 4], Float32Array.of(300, 2, -300, 1));
    const path = writeModelWithData('square', m, x, makeTensor('float32', [1, 4], Float32Array.of(90000, 4, 90000, 1)));
    const run = await runWhole(temp.dir, [path, 'good.onnx'], { variants: ['fp32', 'fp16'] });
    const [fp32, fp16] = resultFor(run, path).variants;
    expect(fp32!.status).toBe('passed');
    expect(fp16!.status).toBe('failed');
    expect(fp16!.error).toBeUndefined();
    expect(fp16!.outputs[0]!.reason).toMatch(/2 of 4 elements are NaN or infinite .*reference 90000, actual Infinity/);
    // Attributed to fp16, with the way out.
    expect(fp16!.warnings.join('\n')).toMatch(/"y" became NaN or infinite in fp16 compute.*beyond ±65504.*fp32 compute precision/);
    expect(fp32!.warnings.join('\n')).not.toMatch(/fp16 compute/);
    expectNoLeaks(run);
  });

  it('case 46: an all-zero reference matched exactly, and one matched within fp32 tolerance, pass with finite metrics', () => {
    const zeros = f32(0, 0, 0, 0);
    for (const gate of [FP32_GATE, FP16_GATE, EXACT_GATE]) expect(evaluateOutput(zeros, f32(0, 0, 0, 0), gate).pass, gate.kind).toBe(true);
    const v = evaluateOutput(zeros, f32(1e-7, 0, -1e-7, 0), FP32_GATE);
    expect(v.pass).toBe(true);
    for (const x of [v.metrics.maxAbsError, v.metrics.maxRelError, v.metrics.meanAbsError]) expect(Number.isFinite(x)).toBe(true);
  });

  it('case 46: a subnormal-only reference against exact zeros passes the fp32 gate, and its metrics are finite', () => {
    const sub = f32(1e-40, -2e-41, 5e-45, 0);
    const v = evaluateOutput(sub, f32(0, 0, 0, 0), FP32_GATE);
    expect(v.pass).toBe(true);
    expect(Number.isFinite(v.metrics.maxRelError)).toBe(true);
    expect(Number.isFinite(v.metrics.psnrDb)).toBe(true);
  });

  it('case 46: under the fp16 PSNR gate, an all-zero or subnormal reference against differences below fp16 resolution is no false failure', () => {
    const sub = f32(1e-40, -2e-41, 5e-45, 0);
    expect(evaluateOutput(sub, f32(0, 0, 0, 0), FP16_GATE).pass).toBe(true);
    expect(evaluateOutput(f32(0, 0, 0, 0), f32(3e-5, 0, -1e-6, 0), FP16_GATE).pass).toBe(true);
    // A real difference on an all-zero reference still fails: PSNR is −∞ and the error is far above the floor.
    const bad = evaluateOutput(f32(0, 0, 0, 0), f32(0.5, 0, 0, 0), FP16_GATE);
    expect([bad.pass, bad.reason]).toEqual([false, 'PSNR -Infinity dB is below the 40 dB gate']);
  });

  it('case 47: shape, element-count and dtype mismatches fail explicitly, under every gate', () => {
    for (const gate of GATES) {
      const shape = evaluateOutput(makeTensor('float32', [2, 2], Float32Array.of(1, 2, 3, 4)), makeTensor('float32', [4], Float32Array.of(1, 2, 3, 4)), gate);
      expect([shape.pass, shape.reason]).toEqual([false, 'shape [4] differs from the reference shape [2, 2]']);
      expect(evaluateOutput(f32(1, 2, 3), f32(1, 2), gate).pass).toBe(false);
      // An integer reference is always held to exact, whatever the gate.
      const ints = evaluateOutput(makeTensor('int32', [2], Int32Array.of(1, 2)), f32(1, 2.5), gate);
      expect([ints.pass, ints.gate.kind]).toEqual([false, 'exact']);
    }
  });

  it('case 47: integer outputs are compared exactly, and a one-off difference fails even under the loosest PSNR gate', () => {
    const ref = makeTensor('int32', [1000], Int32Array.from({ length: 1000 }, (_, i) => i));
    const act = makeTensor('int32', [1000], Int32Array.from({ length: 1000 }, (_, i) => (i === 500 ? 501 : i)));
    const v = evaluateOutput(ref, act, LOW_BIT_GATE);
    expect(v.pass).toBe(false);
    expect(v.reason).toBe('1 of 1000 elements differ (first at flat index 500: reference 500, actual 501)');
  });

  it('case 47: empty (0-element) outputs of equal shape are an explicit result with elementCount 0, and no outputs at all is not a pass', () => {
    const v = evaluateOutput(makeTensor('float32', [0, 3], new Float32Array(0)), makeTensor('float32', [0, 3], new Float32Array(0)), FP16_GATE);
    expect(v.metrics.elementCount).toBe(0);
    expect(evaluateOutput(makeTensor('float32', [0, 3], new Float32Array(0)), makeTensor('float32', [3, 0], new Float32Array(0)), FP16_GATE).pass).toBe(false);
    expect(overallPass([])).toBe(false);
  });

  it('case 47: test data with more outputs than the model has makes the variant an error, never a pass', async () => {
    const path = writeModelWithData('extra', unary('Relu', [1, 4]), makeTensor('float32', [1, 4], Float32Array.of(1, -1, 2, -2)), makeTensor('float32', [1, 4], Float32Array.of(1, 0, 2, 0)));
    writeFileSync(join(temp.dir, 'extra', 'test_data_set_0', 'output_1.pb'), encodeTensorProto('z', f32(1)));
    const run = await runWhole(temp.dir, [path, 'good.onnx']);
    const v = resultFor(run, path).variants[0]!;
    expect(v.status).not.toBe('passed');
    expect(run.report.passed).toBe(false);
  });

  it('case 48: the verdict names the engine: numbers come from the reference interpreter on Linux, never reported as Core ML\'s', async () => {
    const run = await runWhole(temp.dir, ['good.onnx']);
    expect(run.report.engine).toBe('reference interpreter');
    expect(JSON.parse(run.json).engine).toBe('reference interpreter');
    expect(run.comment).toContain('Core ML numbers computed by the **reference interpreter** (Linux; Core ML itself runs only on macOS).');
    expect(run.comment).not.toMatch(/computed by (the )?\*\*Core ML\*\*/);
  });
});
