import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkOnnxModel } from '../../src/convert/coverage.js';
import { loadOnnxModel } from '../../src/onnx/load.js';
import type { OnnxGraph } from '../../src/onnx/ir.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../helpers/onnx-graph.js';

const SIMPLE_CNN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'simple_cnn', 'model.onnx');

function row(report: ReturnType<typeof checkOnnxModel>, op: string) {
  const r = report.ops.find((o) => o.op === op);
  if (!r) throw new Error(`no row for ${op}`);
  return r;
}

describe('checkOnnxModel', () => {
  it('counts ops and names the MIL ops the conversion actually emitted for them, with counts', () => {
    const m = model({
      nodes: [node('Transpose', ['x'], ['a'], { perm: [1, 0] }), node('Transpose', ['a'], ['b'], { perm: [1, 0] }), node('ReduceMean', ['b'], ['y'], { axes: [0] })],
      inputs: [valueInfo('x', 'float32', [2, 3])],
      outputs: [valueInfo('y', 'float32', [1, 3])],
      opset: 13,
    });
    const report = checkOnnxModel(m);
    expect(report.ops).toEqual([
      { op: 'ReduceMean', count: 1, folded: 0, failed: 0, skipped: 0, supported: true, milOps: ['reduce_mean'], emitted: { reduce_mean: 1 } },
      { op: 'Transpose', count: 2, folded: 0, failed: 0, skipped: 0, supported: true, milOps: ['transpose'], emitted: { transpose: 2 } },
    ]);
    expect(report.unsupported).toEqual([]);
  });

  it('shows MaxPool in examples/simple_cnn as the one max_pool its program holds, not every op MaxPool may emit', async () => {
    const report = checkOnnxModel(await loadOnnxModel(SIMPLE_CNN));
    expect(row(report, 'MaxPool')).toMatchObject({ count: 1, milOps: ['max_pool'], emitted: { max_pool: 1 }, supported: true });
  });

  it('qualifies ops of other domains and lists each refused node with its reason', () => {
    const m = model({
      nodes: [{ ...node('FusedGelu', ['x'], ['a']), domain: 'com.microsoft' }, node('NoSuchOp', ['a'], ['y'])],
      inputs: [valueInfo('x', 'float32', [2])],
      outputs: [valueInfo('y', 'float32', [2])],
    });
    const report = checkOnnxModel(m);
    expect(report.ops.map((o) => [o.op, o.supported, o.failed])).toEqual([['com.microsoft.FusedGelu', false, 1], ['NoSuchOp', false, 1]]);
    expect(report.unsupported).toEqual([
      { op: 'com.microsoft.FusedGelu', node: 'FusedGelu_a', reason: 'ops of domain "com.microsoft" are not supported' },
      { op: 'NoSuchOp', node: 'NoSuchOp_y', reason: 'no converter for NoSuchOp' },
    ]);
  });

  it('fails a node its converter refuses, with the converter\'s reason, and leaves the other rows as converted', () => {
    // Conv has a converter, but this one's weight shape is known only at run time.
    const m = model({
      nodes: [node('Relu', ['x'], ['r']), node('Conv', ['r', 'w'], ['y'])],
      inputs: [valueInfo('x', 'float32', [1, 1, 4, 4]), valueInfo('w', 'float32', [1, 1, 'k', 'k'])],
      outputs: [valueInfo('y', 'float32', [1, 1, null, null])],
    });
    const report = checkOnnxModel(m);
    expect(row(report, 'Conv')).toMatchObject({ count: 1, failed: 1, supported: false, milOps: [] });
    expect(row(report, 'Relu')).toMatchObject({ count: 1, failed: 0, supported: true, milOps: ['relu'] });
    expect(report.unsupported).toEqual([{ op: 'Conv', node: 'Conv_y', reason: 'weight shape must be static' }]);
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

  it('counts ops that constant folding removes as folded, not as unsupported', () => {
    const m = model({
      nodes: [node('Equal', ['a', 'b'], ['eq']), node('Where', ['eq', 'x', 'x'], ['y'])],
      inputs: [valueInfo('x', 'float32', [2])],
      outputs: [valueInfo('y', 'float32', [2])],
      initializers: { a: makeTensor('int64', [2], BigInt64Array.from([1n, 2n])), b: makeTensor('int64', [2], BigInt64Array.from([1n, 3n])) },
    });
    const report = checkOnnxModel(m);
    expect(row(report, 'Equal')).toMatchObject({ count: 1, folded: 1, supported: true, milOps: [] });
    expect(report.unsupported).toEqual([]);
  });

  it('counts the nodes inside If branches and the ops they became', () => {
    const branch = (name: string, op: string): OnnxGraph => ({
      name, nodes: [node(op, ['x'], [`${name}_out`])], inputs: [], outputs: [valueInfo(`${name}_out`, 'float32', [2])], initializers: new Map(), valueInfo: new Map(),
    });
    const ifNode = node('If', ['c'], ['y']);
    ifNode.attributes.set('then_branch', { type: 'graph', value: branch('then', 'Relu') });
    ifNode.attributes.set('else_branch', { type: 'graph', value: branch('else', 'Sigmoid') });
    const m = model({
      nodes: [ifNode],
      inputs: [valueInfo('c', 'bool', []), valueInfo('x', 'float32', [2])],
      outputs: [valueInfo('y', 'float32', [2])],
    });
    const report = checkOnnxModel(m);
    expect(report.ops.map((o) => o.op)).toEqual(['If', 'Relu', 'Sigmoid']);
    expect(row(report, 'If').milOps).toContain('cond');
    expect(row(report, 'Relu')).toMatchObject({ count: 1, milOps: ['relu'], supported: true });
    expect(row(report, 'Sigmoid')).toMatchObject({ count: 1, milOps: ['sigmoid'], supported: true });
  });
});
