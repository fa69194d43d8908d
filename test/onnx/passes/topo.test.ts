import { describe, expect, it } from 'vitest';
import { topologicalOrder } from '../../../src/onnx/passes/topo.js';
import { model, node, valueInfo } from '../../helpers/onnx-graph.js';

describe('topologicalOrder', () => {
  it('moves consumers after their producers and otherwise keeps the exporter order', () => {
    const m = model({
      nodes: [node('Relu', ['a'], ['b']), node('Neg', ['x'], ['a']), node('Abs', ['x'], ['c'])],
      inputs: [valueInfo('x', 'float32', [1])],
      outputs: [valueInfo('b', 'float32', [1])],
    });
    expect(topologicalOrder(m.graph).map((n) => n.opType)).toEqual(['Neg', 'Relu', 'Abs']);
  });

  it('names the node that reads an undefined value', () => {
    const m = model({ nodes: [node('Relu', ['ghost'], ['y'])], inputs: [], outputs: [valueInfo('y', 'float32', [1])] });
    expect(() => topologicalOrder(m.graph, 'm.onnx')).toThrowError(/m\.onnx: node "Relu_y" \(Relu\) reads "ghost"/);
  });

  it('reports a cycle', () => {
    const m = model({ nodes: [node('Relu', ['b'], ['a']), node('Neg', ['a'], ['b'])], inputs: [], outputs: [] });
    expect(() => topologicalOrder(m.graph)).toThrowError(/cycle/);
  });
});
