import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { convertOnnxModel } from '../../../src/convert/index.js';
import { decodeModel, encodeModel } from '../../../src/coreml/package.js';
import { walkOperations } from '../../../src/mil/ir.js';
import { encodeOnnxModel } from '../../../src/onnx/encode.js';
import type { OnnxGraph, OnnxModel } from '../../../src/onnx/ir.js';
import { runModel } from '../../../src/runtime/interpreter.js';
import { makeTensor, toNumberList, type Tensor } from '../../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../../helpers/onnx-graph.js';

/** acc ← (acc + iteration) · k, optionally also emitted as a scan output each iteration. */
function body(withScan: boolean): OnnxGraph {
  return {
    name: 'body',
    nodes: [
      node('Identity', ['cond_in'], ['cond_out']),
      node('Cast', ['iter'], ['iter_f'], { to: 1 }),
      node('Add', ['acc', 'iter_f'], ['acc1']),
      node('Mul', ['acc1', 'k'], ['acc_out']),
      ...(withScan ? [node('Identity', ['acc_out'], ['scan'])] : []),
    ],
    inputs: [valueInfo('iter', 'int64', []), valueInfo('cond_in', 'bool', []), valueInfo('acc', 'float32', [2])],
    outputs: [valueInfo('cond_out', 'bool', []), valueInfo('acc_out', 'float32', [2]), ...(withScan ? [valueInfo('scan', 'float32', [2])] : [])],
    initializers: new Map(),
    valueInfo: new Map(),
  };
}

function loopModel(options: { tripInput: boolean; withScan: boolean }): OnnxModel {
  const outputs = [valueInfo('final', 'float32', [2]), ...(options.withScan ? [valueInfo('all', 'float32', [3, 2])] : [])];
  return model({
    nodes: [node('Loop', ['M', '', 'x'], outputs.map((o) => o.name), { body: { type: 'graph', value: body(options.withScan) } })],
    inputs: [valueInfo('x', 'float32', [2]), ...(options.tripInput ? [valueInfo('M', 'int64', [])] : [])],
    outputs,
    initializers: { k: makeTensor('float32', [], Float32Array.of(1.5)), ...(options.tripInput ? {} : { M: makeTensor('int64', [], BigInt64Array.of(3n)) }) },
    opset: 16,
  });
}

const x = makeTensor('float32', [2], Float32Array.of(0.5, -2));

async function reference(m: OnnxModel, trips?: number): Promise<Record<string, number[]>> {
  const session = await ort.InferenceSession.create(encodeOnnxModel(m));
  const feeds: Record<string, ort.Tensor> = { x: new ort.Tensor('float32', x.data as Float32Array, [2]) };
  if (trips !== undefined) feeds.M = new ort.Tensor('int64', BigInt64Array.of(BigInt(trips)), []);
  const out = await session.run(feeds);
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Array.from(v.data as Float32Array)]));
}

function expectClose(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
}

describe('Loop', () => {
  it('unrolls a constant trip count, folding the iteration number and stacking scan outputs', async () => {
    const m = loopModel({ tripInput: false, withScan: true });
    const converted = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' });
    const ops = [...walkOperations(converted.model.program.functions.main!.block)].map((o) => o.type);
    expect(ops).not.toContain('while_loop');
    expect(ops).not.toContain('cast');
    const out = runModel(converted.model, { x });
    const ref = await reference(m);
    expectClose(toNumberList(out[converted.model.outputs[0]!.name]!), ref.final!);
    expectClose(toNumberList(out[converted.model.outputs[1]!.name]!), ref.all!);
  });

  it('becomes a while_loop when the trip count is a run-time input, and agrees with onnxruntime', async () => {
    const m = loopModel({ tripInput: true, withScan: false });
    const converted = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' });
    const ops = [...walkOperations(converted.model.program.functions.main!.block)].map((o) => o.type);
    expect(ops).toContain('while_loop');
    // Through the protobuf and back, as a written package would be read.
    const reread = decodeModel(encodeModel(converted.model), 'loop.mlmodel');
    for (const trips of [0, 4]) {
      const feeds: Record<string, Tensor> = { x, [converted.model.inputs[1]!.name]: makeTensor('int32', [1], Int32Array.of(trips)) };
      const out = runModel(reread, feeds);
      expectClose(toNumberList(out[reread.outputs[0]!.name]!), (await reference(m, trips)).final!);
    }
  });

  it('refuses scan outputs when the trip count is only known at run time', () => {
    const m = loopModel({ tripInput: true, withScan: true });
    expect(() => convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' })).toThrow(/scan outputs need a trip count known at conversion time.*the trip count or the condition depends on the value of input "M": freeze it \(--freeze M=VALUE\)/);
  });
});
