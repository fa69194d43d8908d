import { describe, expect, it } from 'vitest';
import { checkOnnxModel } from '../../src/convert/coverage.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';

describe('checkOnnxModel', () => {
  it('counts ops and names the MIL ops each converts to', () => {
    const m = model({
      nodes: [node('Transpose', ['x'], ['a']), node('Transpose', ['a'], ['b']), node('ReduceMean', ['b'], ['y'], { axes: [0] })],
      inputs: [valueInfo('x', 'float32', [2, 3])],
      outputs: [valueInfo('y', 'float32', [1, 3])],
      opset: 13,
    });
    const report = checkOnnxModel(m);
    expect(report.ops).toEqual([
      { op: 'ReduceMean', count: 1, supported: true, milOps: ['reduce_mean'] },
      { op: 'Transpose', count: 2, supported: true, milOps: ['transpose'] },
    ]);
    expect(report.unsupported).toEqual([]);
  });

  it('qualifies ops of other domains and lists each unsupported node with its reason', () => {
    const m = model({
      nodes: [{ ...node('FusedGelu', ['x'], ['a']), domain: 'com.microsoft' }, node('NoSuchOp', ['a'], ['y'])],
      inputs: [valueInfo('x', 'float32', [2])],
      outputs: [valueInfo('y', 'float32', [2])],
    });
    const report = checkOnnxModel(m);
    expect(report.ops.map((o) => [o.op, o.supported])).toEqual([['com.microsoft.FusedGelu', false], ['NoSuchOp', false]]);
    expect(report.unsupported).toEqual([
      { op: 'com.microsoft.FusedGelu', node: 'FusedGelu_a', reason: 'ops of domain "com.microsoft" are not supported' },
      { op: 'NoSuchOp', node: 'NoSuchOp_y', reason: 'no converter for NoSuchOp' },
    ]);
  });

  it('checks the opset range of a converter', () => {
    const m = model({
      nodes: [node('Reshape', ['x'], ['y'], { shape: [2] })],
      inputs: [valueInfo('x', 'float32', ['n'])],
      outputs: [valueInfo('y', 'float32', [2])],
      opset: 4,
    });
    expect(checkOnnxModel(m).unsupported[0]!.reason).toMatch(/opsets 5–\d+, the model uses opset 4/);
  });

  it('does not count ops that constant folding removes as unsupported', () => {
    // Equal on constants folds away, so whether it has a converter does not matter.
    const m = model({
      nodes: [node('Equal', ['a', 'b'], ['eq']), node('Where', ['eq', 'x', 'x'], ['y'])],
      inputs: [valueInfo('x', 'float32', [2])],
      outputs: [valueInfo('y', 'float32', [2])],
      initializers: { a: makeTensor('int64', [2], BigInt64Array.from([1n, 2n])), b: makeTensor('int64', [2], BigInt64Array.from([1n, 3n])) },
    });
    const report = checkOnnxModel(m);
    expect(report.unsupported.map((u) => u.op)).not.toContain('Equal');
  });
});
