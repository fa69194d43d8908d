import { describe, expect, it } from 'vitest';
import { makeTensor, toNumberList } from '../../../src/tensor/tensor.js';
import { node } from '../../helpers/onnx-graph.js';
import { convertNode, f32 } from './harness.js';
import { compareWithOrt, seededTensor } from './ort-parity.js';

const vec = (...v: number[]) => makeTensor('float32', [v.length], Float32Array.from(v));

async function expectParity(...args: Parameters<typeof compareWithOrt>): Promise<void> {
  const verdicts = await compareWithOrt(...args);
  for (const v of verdicts) expect(v.pass, `${v.reason ?? ''} max abs ${v.metrics.maxAbsError}`).toBe(true);
}

describe('GroupNormalization converter', () => {
  it('normalizes a [-1, G, C/G·spatial] view with layer_norm and applies opset-18 scale per group', () => {
    const n = node('GroupNormalization', ['x', 's', 'b'], ['y'], { num_groups: 2, epsilon: 1e-3 }, ['epsilon']);
    const r = convertNode(n, { x: f32(null, 4, 3, 3) }, { s: vec(2, 3), b: vec(0, 1) }, { opset: 18 });
    expect(r.ops.map((o) => o.type)).toEqual(['reshape', 'layer_norm', 'mul', 'add', 'reshape']);
    expect(r.paramValues(r.ops[0]!, 'shape')).toEqual([-1, 2, 18]);
    expect(r.paramValues(r.op('layer_norm'), 'axes')).toEqual([2]);
    expect(r.param(r.op('mul'), 'y')!.shape).toEqual([2, 1]);
    expect(r.outType()).toEqual(f32(null, 4, 3, 3));
  });

  it('applies opset-21 scale and bias per channel after reshaping back', () => {
    const n = node('GroupNormalization', ['x', 's', 'b'], ['y'], { num_groups: 2 });
    const r = convertNode(n, { x: f32(1, 4, 5) }, { s: vec(1, 2, 3, 4), b: vec(0, 0, 1, 1) }, { opset: 21 });
    expect(r.ops.map((o) => o.type)).toEqual(['reshape', 'layer_norm', 'reshape', 'mul', 'add']);
    expect(toNumberList(r.param(r.op('mul'), 'y')!)).toEqual([1, 2, 3, 4]);
    expect(r.param(r.op('mul'), 'y')!.shape).toEqual([4, 1]);
  });

  it('refuses a group count that does not divide the channels', () => {
    const n = node('GroupNormalization', ['x', 's', 'b'], ['y'], { num_groups: 3 });
    expect(() => convertNode(n, { x: f32(1, 4, 5) }, { s: vec(1, 2, 3), b: vec(0, 0, 1) }, { opset: 18 })).toThrow(/num_groups 3/);
  });

  it('matches onnxruntime at opset 18 with run-time scale and bias', async () => {
    const n = node('GroupNormalization', ['x', 's', 'b'], ['y'], { num_groups: 3, epsilon: 1e-2 }, ['epsilon']);
    await expectParity(n, { x: seededTensor([2, 6, 4, 3]), s: seededTensor([3], 2), b: seededTensor([3], 3) }, {}, { opset: 18 });
  });

  it('matches onnxruntime at opset 21 with constant per-channel scale', async () => {
    const n = node('GroupNormalization', ['x', 's', 'b'], ['y'], { num_groups: 2 });
    await expectParity(n, { x: seededTensor([1, 4, 7]) }, { s: seededTensor([4], 4), b: seededTensor([4], 5) }, { opset: 21 });
  });
});

describe('InstanceNormalization with run-time scale and bias', () => {
  it('emits instance_norm without gamma/beta followed by [C,1,1]-shaped mul and add', () => {
    const r = convertNode(node('InstanceNormalization', ['x', 's', 'b'], ['y']), { x: f32(1, 3, 4, 4), s: f32(3), b: f32(3) });
    expect(r.ops.map((o) => o.type)).toEqual(['instance_norm', 'reshape', 'mul', 'reshape', 'add']);
    expect(r.param(r.op('instance_norm'), 'gamma')).toBeUndefined();
    expect(r.paramValues(r.ops[1]!, 'shape')).toEqual([3, 1, 1]);
  });

  it('matches onnxruntime', async () => {
    const n = node('InstanceNormalization', ['x', 's', 'b'], ['y'], { epsilon: 1e-2 }, ['epsilon']);
    await expectParity(n, { x: seededTensor([2, 3, 4, 5]), s: seededTensor([3], 2), b: seededTensor([3], 3) });
  });
});

describe('MeanVarianceNormalization and LpNormalization converters', () => {
  it('MVN reduces over the default axes [0, 2, 3] and divides by std + 1e-9', () => {
    const r = convertNode(node('MeanVarianceNormalization', ['x'], ['y']), { x: f32(2, 3, 4, 4) }, {}, { opset: 13 });
    expect(r.ops.map((o) => o.type)).toEqual(['reduce_mean', 'sub', 'mul', 'reduce_mean', 'sqrt', 'add', 'real_div']);
    expect(r.paramValues(r.ops[0]!, 'axes')).toEqual([0, 2, 3]);
    expect(r.paramValues(r.op('add'), 'y')![0]).toBeCloseTo(1e-9, 15);
  });

  it('MVN matches onnxruntime with explicit axes', async () => {
    await expectParity(node('MeanVarianceNormalization', ['x'], ['y'], { axes: [1, -1] }), { x: seededTensor([2, 3, 5]) }, {}, { opset: 13 });
  });

  it('LpNormalization picks reduce_l1_norm for p = 1 and refuses p = 3', () => {
    const r = convertNode(node('LpNormalization', ['x'], ['y'], { p: 1, axis: 0 }), { x: f32(3, 4) });
    expect(r.ops.map((o) => o.type)).toEqual(['reduce_l1_norm', 'real_div']);
    expect(r.paramValues(r.ops[0]!, 'axes')).toEqual([0]);
    expect(() => convertNode(node('LpNormalization', ['x'], ['y'], { p: 3 }), { x: f32(3, 4) })).toThrow(/p = 3/);
  });

  it('LpNormalization matches onnxruntime for p = 1 and p = 2', async () => {
    for (const p of [1, 2]) await expectParity(node('LpNormalization', ['x'], ['y'], { p, axis: 1 }), { x: seededTensor([2, 5, 3], p) });
  });
});
