import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { convertOnnxModel } from '../../../src/convert/index.js';
import { encodeOnnxModel } from '../../../src/onnx/encode.js';
import type { OnnxGraph, OnnxModel } from '../../../src/onnx/ir.js';
import { runModel } from '../../../src/runtime/interpreter.js';
import { makeTensor, toNumberList, type Tensor } from '../../../src/tensor/tensor.js';
import { walkOperations } from '../../../src/mil/ir.js';
import { model, node, valueInfo } from '../../helpers/onnx-graph.js';
import { seededTensor } from '../ops/ort-parity.js';

/** Running sum with a tanh on the way out: state s ← s + x_t; scan output tanh(s). */
const body: OnnxGraph = {
  name: 'body',
  nodes: [node('Add', ['s_in', 'x_t'], ['s_out']), node('Tanh', ['s_out'], ['y_t'])],
  inputs: [valueInfo('s_in', 'float32', [2]), valueInfo('x_t', 'float32', [2])],
  outputs: [valueInfo('s_out', 'float32', [2]), valueInfo('y_t', 'float32', [2])],
  initializers: new Map(),
  valueInfo: new Map(),
};

async function expectParity(m: OnnxModel, feeds: Record<string, Tensor>): Promise<void> {
  const session = await ort.InferenceSession.create(encodeOnnxModel(m));
  const ref = await session.run(Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, new ort.Tensor('float32', t.data as Float32Array, [...t.shape])])));
  const converted = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' });
  const out = runModel(converted.model, Object.fromEntries(converted.model.inputs.map((i, k) => [i.name, Object.values(feeds)[k]!])));
  m.graph.outputs.forEach((o, k) => {
    const expected = Array.from(ref[o.name]!.data as Float32Array);
    const actual = toNumberList(out[converted.model.outputs[k]!.name]!);
    expect(ref[o.name]!.dims.map(Number)).toEqual(converted.model.outputs[k]!.type.shape);
    actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
  });
}

describe('Scan', () => {
  it('unrolls a reversed scan input along axis 1 and prepends outputs along axis 1 (opset 11)', async () => {
    const scan = node('Scan', ['s0', 'x'], ['s', 'ys'], { num_scan_inputs: 1, scan_input_axes: [1], scan_input_directions: [1], scan_output_axes: [1], scan_output_directions: [1], body: { type: 'graph', value: body } });
    const m = model({
      nodes: [scan],
      inputs: [valueInfo('s0', 'float32', [2]), valueInfo('x', 'float32', [2, 4])],
      outputs: [valueInfo('s', 'float32', [2]), valueInfo('ys', 'float32', [2, 4])],
      opset: 11,
    });
    // Body slices are [2] when the scan axis is 1 of a [2, 4] input.
    await expectParity(m, { s0: seededTensor([2], 3), x: seededTensor([2, 4], 4) });
  });

  it('unrolls opset 8 batched scans per batch row', async () => {
    const scan = node('Scan', ['', 's0', 'x'], ['s', 'ys'], { num_scan_inputs: 1, body: { type: 'graph', value: body } });
    const m = model({
      nodes: [scan],
      inputs: [valueInfo('s0', 'float32', [3, 2]), valueInfo('x', 'float32', [3, 5, 2])],
      outputs: [valueInfo('s', 'float32', [3, 2]), valueInfo('ys', 'float32', [3, 5, 2])],
      opset: 8,
    });
    await expectParity(m, { s0: seededTensor([3, 2], 5), x: seededTensor([3, 5, 2], 6) });
  });

  it('refuses a dynamic sequence length, naming the input whose shape to fix', () => {
    const scan = node('Scan', ['s0', 'x'], ['s', 'ys'], { num_scan_inputs: 1, body: { type: 'graph', value: body } });
    const m = model({
      nodes: [node('Relu', ['audio'], ['x']), scan],
      inputs: [valueInfo('s0', 'float32', [2]), valueInfo('audio', 'float32', ['t', 2])],
      outputs: [valueInfo('s', 'float32', [2]), valueInfo('ys', 'float32', ['t', 2])],
      opset: 11,
    });
    expect(() => convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' })).toThrow(/one static sequence length; the sequence length depends on the shape of input "audio": give it a static shape \(--input-shape audio=DIMS\)/);
    const fixed = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32', inputShapes: { audio: [3, 2] } });
    expect(fixed.model.outputs[1]!.type.shape).toEqual([3, 2]);
  });

  it('becomes a while_loop when the sequence length is dynamic and only states come out, agreeing with onnxruntime at two lengths', async () => {
    const sum: OnnxGraph = { ...body, nodes: [body.nodes[0]!], outputs: [body.outputs[0]!] };
    for (const reversed of [0, 1]) {
      const scan = node('Scan', ['s0', 'x'], ['s'], { num_scan_inputs: 1, scan_input_directions: [reversed], body: { type: 'graph', value: { ...sum, nodes: [node('Mul', ['s_in', 'decay'], ['kept']), node('Add', ['kept', 'x_t'], ['s_out'])] } } });
      const m = model({
        nodes: [scan],
        inputs: [valueInfo('s0', 'float32', [2]), valueInfo('x', 'float32', ['t', 2])],
        outputs: [valueInfo('s', 'float32', [2])],
        initializers: { decay: makeTensor('float32', [], Float32Array.of(0.5)) },
        opset: 11,
      });
      const converted = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' });
      expect([...walkOperations(converted.model.program.functions.main!.block)].map((o) => o.type)).toContain('while_loop');
      for (const steps of [5, 3]) await expectParity(m, { s0: seededTensor([2], 7), x: seededTensor([steps, 2], 8 + steps) });
    }
  });
});
