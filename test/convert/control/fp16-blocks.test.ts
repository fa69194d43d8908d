import { describe, expect, it } from 'vitest';
import { convertOnnxModel } from '../../../src/convert/index.js';
import { decodeModel, encodeModel } from '../../../src/coreml/package.js';
import type { OnnxGraph } from '../../../src/onnx/ir.js';
import { runModel } from '../../../src/runtime/interpreter.js';
import { makeTensor, toNumberList } from '../../../src/tensor/tensor.js';
import { float16BitsToFloat32 } from '../../../src/tensor/fp16.js';
import { model, node, valueInfo } from '../../helpers/onnx-graph.js';

const branch = (op: string, out: string): OnnxGraph => ({
  name: op, nodes: [node(op, ['x'], [out])], inputs: [], outputs: [valueInfo(out, 'float32', [3])], initializers: new Map(), valueInfo: new Map(),
});

describe('nested blocks under fp16 compute precision', () => {
  it('a run-time If converts at fp16, survives the package encoding and runs both branches', () => {
    const m = model({
      nodes: [
        node('Greater', ['x0', 'zero'], ['positive']),
        node('If', ['positive'], ['y'], { then_branch: { type: 'graph', value: branch('Tanh', 'a') }, else_branch: { type: 'graph', value: branch('Sigmoid', 'b') } }),
      ],
      inputs: [valueInfo('x', 'float32', [3]), valueInfo('x0', 'float32', [1])],
      outputs: [valueInfo('y', 'float32', [3])],
      initializers: { zero: makeTensor('float32', [1], Float32Array.of(0)) },
    });
    const converted = convertOnnxModel(m, { target: 'iOS15', precision: 'fp16' });
    const reread = decodeModel(encodeModel(converted.model), 'if.mlmodel');
    const x = makeTensor('float32', [3], Float32Array.of(-1, 0.5, 2));
    const run = (x0: number) => {
      const out = runModel(reread, { x, x0: makeTensor('float32', [1], Float32Array.of(x0)) })[reread.outputs[0]!.name]!;
      return out.dtype === 'float16' ? Array.from(out.data as Uint16Array, float16BitsToFloat32) : toNumberList(out);
    };
    run(1).forEach((v, i) => expect(v).toBeCloseTo(Math.tanh([-1, 0.5, 2][i]!), 2));
    run(-1).forEach((v, i) => expect(v).toBeCloseTo(1 / (1 + Math.exp(-[-1, 0.5, 2][i]!)), 2));
  });
});
