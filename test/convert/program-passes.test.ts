import { describe, expect, it } from 'vitest';
import { convertOnnxModel } from '../../src/convert/index.js';
import { mainFunction } from '../../src/mil/ir.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';

/** Two convs whose weights an exporter wrote twice under two names (same values), and a third with other values. */
function twiceWrittenWeights() {
  const values = Float32Array.from({ length: 4 * 4 * 3 * 3 }, (_, i) => Math.sin(i * 0.7));
  const other = Float32Array.from(values, (v) => v * 0.5);
  return model({
    nodes: [
      node('Conv', ['x', 'W1'], ['a'], { pads: [1, 1, 1, 1] }),
      node('Conv', ['a', 'W2'], ['b'], { pads: [1, 1, 1, 1] }),
      node('Conv', ['b', 'W3'], ['y'], { pads: [1, 1, 1, 1] }),
    ],
    inputs: [valueInfo('x', 'float32', [1, 4, 6, 6])],
    outputs: [valueInfo('y', 'float32', [1, 4, 6, 6])],
    initializers: { W1: makeTensor('float32', [4, 4, 3, 3], values), W2: makeTensor('float32', [4, 4, 3, 3], values.slice()), W3: makeTensor('float32', [4, 4, 3, 3], other) },
  });
}

function convWeights(precision: 'fp16' | 'fp32'): string[] {
  const fn = mainFunction(convertOnnxModel(twiceWrittenWeights(), { target: 'iOS15', precision }).model.program);
  return fn.block.operations
    .filter((op) => op.type === 'conv')
    .map((op) => {
      const binding = op.inputs['weight']![0]!;
      return binding.kind === 'name' ? binding.name : 'an inline value';
    });
}

describe('the passes every conversion runs', () => {
  it.each(['fp32', 'fp16'] as const)('store a weight written twice once at %s, and keep weights that differ apart', (precision) => {
    const [w1, w2, w3] = convWeights(precision);
    expect(w2).toBe(w1);
    expect(w3).not.toBe(w1);
  });
});
