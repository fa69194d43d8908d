import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { convertOnnxModel, type ConvertOptions } from '../../../src/convert/index.js';
import { walkOperations } from '../../../src/mil/ir.js';
import { encodeOnnxModel } from '../../../src/onnx/encode.js';
import type { OnnxGraph, OnnxModel, OnnxNode, OnnxValueInfo } from '../../../src/onnx/ir.js';
import { freezeValuesFor } from '../../../src/onnx/passes/freeze.js';
import { FP32_GATE } from '../../../src/parity/gates.js';
import { evaluateOutput } from '../../../src/parity/verdict.js';
import { runModel } from '../../../src/runtime/interpreter.js';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../../helpers/onnx-graph.js';
import { seededTensor } from '../ops/ort-parity.js';

/**
 * If as exporters write it: branches nested in branches, reading values from every
 * enclosing scope, deciding on a sample rate (a value) or on a tensor's shape.
 */

function graph(name: string, nodes: OnnxNode[], outputs: OnnxValueInfo[], initializers: Record<string, Tensor> = {}): OnnxGraph {
  return { name, nodes, inputs: [], outputs, initializers: new Map(Object.entries(initializers)), valueInfo: new Map() };
}

function ifNode(name: string, cond: string, outputs: string[], then: OnnxGraph, otherwise: OnnxGraph): OnnxNode {
  return { ...node('If', [cond], outputs, { then_branch: { type: 'graph', value: then }, else_branch: { type: 'graph', value: otherwise } }), name };
}

const untyped = (name: string): OnnxValueInfo => ({ name, dtype: 'float32' });
const i64 = (...v: number[]) => makeTensor('int64', [v.length], BigInt64Array.from(v.map(BigInt)));

/**
 * A voice-activity-style model (Silero-VAD-like): the top-level If on the sample rate
 * `sr` holds the 16 kHz path, a strided Conv1d front end over the audio, and inside it
 * a second If, also on the sample rate, that pools the features over time for 16 kHz
 * and keeps them per frame otherwise — float32[?, 128] against float32[?, 128, ?], so
 * only freezing `sr` makes it convertible. Both nested branches read values from the
 * outer branch and from the graph (the conv weight, the threshold), and the inner
 * If's output has the name the exporter gives every If's first output. Opset 18, so
 * the reductions read their axes from inputs, one of them two scopes up.
 */
function vad(): OnnxModel {
  const inner = ifNode(
    'If_0',
    'is16k',
    ['If_output_0'],
    graph('pool', [node('ReduceMean', ['feat', 'time_axis'], ['mean'], { keepdims: 0 }), node('Mul', ['mean', 'pool_gain'], ['pooled'])], [valueInfo('pooled', 'float32', [null, 128])]),
    graph('frames', [node('Relu', ['feat'], ['framed'])], [valueInfo('framed', 'float32', [null, 128, null])]),
  );
  const then = graph(
    'sr16k',
    [
      node('Unsqueeze', ['x', 'one'], ['xu']),
      node('Conv', ['xu', 'w'], ['feat'], { strides: [4], kernel_shape: [4] }),
      inner,
      node('Mul', ['If_output_0', 'gain'], ['scaled']),
      node('Sigmoid', ['scaled'], ['then_out']),
    ],
    [untyped('then_out')],
    { gain: makeTensor('float32', [1], Float32Array.of(0.75)) },
  );
  const otherwise = graph('sr8k', [node('ReduceMean', ['x', 'one'], ['else_out'], { keepdims: 0 })], [untyped('else_out')]);
  return model({
    nodes: [node('Equal', ['sr', 'sr16k'], ['is16k']), ifNode('If_0', 'is16k', ['If_output_0'], then, otherwise), node('Identity', ['If_output_0'], ['prob'])],
    inputs: [valueInfo('x', 'float32', ['batch', 'samples']), valueInfo('sr', 'int64', [])],
    outputs: [untyped('prob')],
    opset: 18,
    initializers: { sr16k: makeTensor('int64', [], BigInt64Array.of(16000n)), one: i64(1), time_axis: i64(2), pool_gain: makeTensor('float32', [], Float32Array.of(1.5)), w: seededTensor([128, 1, 4], 3) },
  });
}

/**
 * A branch on the shape of the input, as exporters write `if x.shape[1] == 1: x = x.squeeze(1)`:
 * the branches return float32[?, ?] and float32[?, ?, ?].
 */
function squeezeIfSingleChannel(xShape: (number | string)[]): OnnxModel {
  return model({
    nodes: [
      node('Shape', ['x'], ['x_shape']),
      node('Gather', ['x_shape', 'one_scalar'], ['channels'], { axis: 0 }),
      node('Equal', ['channels', 'one_scalar'], ['single']),
      ifNode('If_squeeze', 'single', ['picked'], graph('squeeze', [node('Squeeze', ['x', 'one'], ['sq'])], [untyped('sq')]), graph('keep', [node('Identity', ['x'], ['kept'])], [untyped('kept')])),
      node('Tanh', ['picked'], ['y']),
    ],
    inputs: [valueInfo('x', 'float32', xShape)],
    outputs: [untyped('y')],
    initializers: { one: i64(1), one_scalar: makeTensor('int64', [], BigInt64Array.of(1n)) },
  });
}

async function onnxruntime(m: OnnxModel, feeds: Record<string, Tensor>): Promise<Tensor> {
  const session = await ort.InferenceSession.create(encodeOnnxModel(m));
  const out = await session.run(Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, new ort.Tensor(t.dtype as 'float32', t.data as Float32Array, t.shape)])));
  const y = Object.values(out)[0]!;
  return makeTensor('float32', [...y.dims], Float32Array.from(y.data as Float32Array));
}

function milOps(converted: ReturnType<typeof convertOnnxModel>): string[] {
  return [...walkOperations(converted.model.program.functions.main!.block)].map((o) => o.type);
}

function refusal(m: OnnxModel, options: Partial<ConvertOptions> = {}): string {
  try {
    convertOnnxModel(m, { target: 'iOS15', precision: 'fp32', ...options });
  } catch (err) {
    return String(err);
  }
  throw new Error('expected the conversion to be refused');
}

async function expectAgreement(m: OnnxModel, converted: ReturnType<typeof convertOnnxModel>, feeds: Record<string, Tensor>, coreFeeds = feeds): Promise<void> {
  const actual = runModel(converted.model, coreFeeds)[converted.model.outputs[0]!.name]!;
  const verdict = evaluateOutput(await onnxruntime(m, feeds), actual, FP32_GATE);
  expect(verdict.pass, verdict.reason).toBe(true);
}

describe('nested If', () => {
  const audio = seededTensor([2, 64], 21);
  const sr = (v: number) => makeTensor('int64', [], BigInt64Array.of(BigInt(v)));

  for (const rate of [16000, 8000]) {
    it(`--freeze sr=${rate} inlines the outer and the inner If and agrees with onnxruntime`, async () => {
      const m = vad();
      const converted = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32', freeze: freezeValuesFor(m, { sr: [rate] }) });
      expect(milOps(converted)).not.toContain('cond');
      expect(converted.model.inputs.map((i) => i.name)).toEqual(['x']);
      const ops = milOps(converted);
      if (rate === 16000) expect(ops).toEqual(expect.arrayContaining(['conv', 'reduce_mean', 'sigmoid']));
      await expectAgreement(m, converted, { x: audio, sr: sr(rate) }, { x: audio });
    });
  }

  it('without --freeze refuses the inner If, naming the input to freeze', () => {
    const message = refusal(vad());
    expect(message).toMatch(/node "If_0" \(If\).*then \(float32\[\?, 128\]\), else \(float32\[\?, 128, \?\]\)/);
    expect(message).toMatch(/the condition depends on the value of input "sr": freeze it \(--freeze sr=VALUE\)/);
  });
});

describe('If decided by a shape', () => {
  it('refuses branches of different rank, naming the input whose shape decides', () => {
    const message = refusal(squeezeIfSingleChannel(['n', 'c', 't']));
    expect(message).toMatch(/then \(float32\[\?, \?\]\), else \(float32\[\?, \?, \?\]\)/);
    expect(message).toMatch(/depends on the shape of input "x": give it a static shape \(--input-shape x=DIMS\)/);
  });

  it('folds away once --input-shape fixes the input, and agrees with onnxruntime', async () => {
    const m = squeezeIfSingleChannel(['n', 'c', 't']);
    for (const shape of [[2, 1, 5], [2, 3, 5]]) {
      const converted = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32', inputShapes: { x: shape } });
      const ops = milOps(converted);
      expect(ops).not.toContain('cond');
      expect(ops.includes('squeeze')).toBe(shape[1] === 1);
      const x = seededTensor(shape, 5);
      await expectAgreement(m, converted, { x });
    }
  });

  it('folds away when only the dims the condition reads are static, the others staying dynamic', async () => {
    const m = squeezeIfSingleChannel(['n', 1, 't']);
    const converted = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' });
    expect(milOps(converted)).not.toContain('cond');
    expect(converted.model.outputs[0]).toBeDefined();
    await expectAgreement(m, converted, { x: seededTensor([3, 1, 7], 6) });
  });
});
