import { describe, expect, it } from 'vitest';
import { makeTensor, toNumberList } from '../../../src/tensor/tensor.js';
import { node } from '../../helpers/onnx-graph.js';
import { convertNode, f32 } from './harness.js';
import { compareWithOrt, seededTensor } from './ort-parity.js';

const vec = (...v: number[]) => makeTensor('float32', [v.length], Float32Array.from(v));
const bnInits = { s: vec(1, 2), b: vec(0, 1), m: vec(0.5, -1), v: vec(4, 0.25) };

describe('BatchNormalization converter', () => {
  it('emits batch_norm with constant statistics and the epsilon in x dtype', () => {
    const n = node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y'], { epsilon: 1e-3 }, ['epsilon']);
    const r = convertNode(n, { x: f32(1, 2, 4, 4) }, bnInits);
    const bn = r.op('batch_norm');
    expect(toNumberList(r.param(bn, 'mean')!)).toEqual([0.5, -1]);
    expect(toNumberList(r.param(bn, 'gamma')!)).toEqual([1, 2]);
    expect(r.param(bn, 'epsilon')!.dtype).toBe('float32');
    expect(r.paramValues(bn, 'epsilon')![0]).toBeCloseTo(1e-3);
    expect(r.outType()).toEqual(f32(1, 2, 4, 4));
  });

  it('folds a rank-2 input into mul and add with the normalized scale and shift', () => {
    const n = node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y'], { epsilon: 0 });
    const r = convertNode(n, { x: f32(8, 2) }, bnInits);
    expect(r.ops.map((o) => o.type)).toEqual(['mul', 'add']);
    // scale = s / sqrt(v) = [0.5, 4]; shift = b - m * scale = [-0.25, 5]
    expect(toNumberList(r.param(r.op('mul'), 'y')!)).toEqual([0.5, 4]);
    expect(toNumberList(r.param(r.op('add'), 'y')!)).toEqual([-0.25, 5]);
    expect(r.outType()).toEqual(f32(8, 2));
  });

  it('refuses training mode when the channel count is unknown', () => {
    const n = node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y'], { training_mode: 1 });
    expect(() => convertNode(n, { x: f32(1, null, 3) }, bnInits)).toThrow(/training mode needs .* static channel count/);
  });

  it('computes with a run-time mean instead of batch_norm, which needs constants', () => {
    const dyn = node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y']);
    const r = convertNode(dyn, { x: f32(1, 2, 3), m: f32(2) }, { s: bnInits.s, b: bnInits.b, v: bnInits.v });
    expect(r.ops.map((o) => o.type)).not.toContain('batch_norm');
    expect(r.outType()).toEqual(f32(1, 2, 3));
  });
});

describe('InstanceNormalization and LayerNormalization converters', () => {
  it('emits instance_norm with gamma and beta', () => {
    const r = convertNode(node('InstanceNormalization', ['x', 's', 'b'], ['y']), { x: f32(1, 2, 5, 5) }, { s: vec(1, 1), b: vec(0, 0) });
    expect(r.ops.map((o) => o.type)).toEqual(['instance_norm']);
    expect(r.outType()).toEqual(f32(1, 2, 5, 5));
  });

  it('normalizes a volumetric [N, C, D, H, W] input through a [N, C, D, H·W] view, keeping a dynamic batch', () => {
    const r = convertNode(node('InstanceNormalization', ['x', 's', 'b'], ['y']), { x: f32(null, 2, 3, 4, 5) }, { s: vec(1, 2), b: vec(0, 1) });
    expect(r.ops.map((o) => o.type)).toEqual(['reshape', 'instance_norm', 'reshape']);
    expect(r.paramValues(r.ops[0]!, 'shape')).toEqual([-1, 2, 3, 20]);
    expect(r.outType()).toEqual(f32(null, 2, 3, 4, 5));
  });

  it('refuses a volumetric input whose spatial dims are dynamic', () => {
    expect(() => convertNode(node('InstanceNormalization', ['x', 's', 'b'], ['y']), { x: f32(1, 2, null, 4, 5) }, { s: vec(1, 2), b: vec(0, 1) })).toThrow(
      /static channel and spatial dims/,
    );
  });

  it('normalizes from axis to the last dim, reshaping Scale to the normalized dims', () => {
    const scale = makeTensor('float32', [12], new Float32Array(12).fill(1));
    const r = convertNode(node('LayerNormalization', ['x', 's'], ['y'], { axis: -2, epsilon: 1e-6 }, ['epsilon']), { x: f32(2, 3, 4) }, { s: scale });
    const ln = r.op('layer_norm');
    expect(r.paramValues(ln, 'axes')).toEqual([1, 2]);
    expect(r.param(ln, 'gamma')!.shape).toEqual([3, 4]);
    expect(r.param(ln, 'beta')).toBeUndefined();
    expect(r.outType()).toEqual(f32(2, 3, 4));
  });

});

describe('BatchNormalization with statistics computed at run time agrees with onnxruntime', () => {
  it('scale, B, mean and var as model inputs become (x − mean) · scale / sqrt(var + ε) + B', async () => {
    const n = node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y'], { epsilon: 1e-2 }, ['epsilon']);
    const positive = makeTensor('float32', [3], Float32Array.from([0.5, 1.5, 2]));
    const inputs = { x: seededTensor([2, 3, 4, 4]), s: seededTensor([3], 2), b: seededTensor([3], 3), m: seededTensor([3], 4), v: positive };
    for (const v of await compareWithOrt(n, inputs)) expect(v.pass, v.reason).toBe(true);
  });
  it('refuses run-time statistics when the channel count is unknown', () => {
    const n = node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y']);
    expect(() => convertNode(n, { x: f32(1, null, 4), s: f32(null), b: f32(null), m: f32(null), v: f32(null) })).toThrow(/static channel count/);
  });
});

describe('BatchNormalization in training mode normalizes with the batch statistics', () => {
  it('Y, running_mean and running_var agree with onnxruntime', async () => {
    const n = node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y', 'rm', 'rv'], { training_mode: 1, momentum: 0.8, epsilon: 1e-3 }, ['momentum', 'epsilon']);
    const inits = { s: seededTensor([3], 2), b: seededTensor([3], 3), m: seededTensor([3], 4), v: makeTensor('float32', [3], Float32Array.from([0.5, 1, 2])) };
    for (const v of await compareWithOrt(n, { x: seededTensor([2, 3, 4, 5]) }, inits, { opset: 15 })) expect(v.pass, v.reason).toBe(true);
  });
});

describe('LayerNormalization Mean and InvStdDev outputs agree with onnxruntime', () => {
  async function expectParity(...args: Parameters<typeof compareWithOrt>): Promise<void> {
    for (const v of await compareWithOrt(...args)) expect(v.pass, `${v.reason ?? ''} max abs ${v.metrics.maxAbsError}`).toBe(true);
  }
  const scaleBias = (dims: number[]) => ({ s: seededTensor(dims, 2), b: seededTensor(dims, 3) });

  it('Mean and InvStdDev over the last axis keep the normalized dim as 1', async () => {
    const n = node('LayerNormalization', ['x', 's', 'b'], ['y', 'mean', 'inv']);
    const r = convertNode(n, { x: f32(2, 3, 4) }, scaleBias([4]));
    expect(r.outType(1)).toEqual(f32(2, 3, 1));
    expect(r.outType(2)).toEqual(f32(2, 3, 1));
    expect(r.ops.map((o) => o.type)).toContain('layer_norm');
    await expectParity(n, { x: seededTensor([2, 3, 4]) }, scaleBias([4]));
  });
  it('a negative axis with epsilon and stash_type normalizes the trailing dims', async () => {
    const n = node('LayerNormalization', ['x', 's', 'b'], ['y', 'mean', 'inv'], { axis: -3, epsilon: 0.1, stash_type: 1 }, ['epsilon']);
    await expectParity(n, { x: seededTensor([2, 3, 4, 5]) }, scaleBias([3, 4, 5]));
  });
  it('Scale and B computed at run time scale the normalized x after layer_norm', async () => {
    const n = node('LayerNormalization', ['x', 's', 'b'], ['y', 'mean', 'inv'], { axis: 1 });
    const r = convertNode(n, { x: f32(2, 3, 4), s: f32(3, 4), b: f32(3, 4) });
    expect(r.ops.map((o) => o.type).slice(0, 3)).toEqual(['layer_norm', 'mul', 'add']);
    await expectParity(n, { x: seededTensor([2, 3, 4]), s: seededTensor([3, 4], 2), b: seededTensor([3, 4], 3) });
  });
  it('axis 0 reduces every dim; only InvStdDev requested', async () => {
    const n = node('LayerNormalization', ['x', 's'], ['y', '', 'inv'], { axis: 0 });
    await expectParity(n, { x: seededTensor([3, 5]) }, { s: seededTensor([3, 5], 4) });
  });
});
