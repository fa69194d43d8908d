import { describe, expect, it } from 'vitest';
import { makeTensor } from '../../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../../helpers/onnx-graph.js';
import { convertNode, f32 } from './harness.js';
import { compareModelWithOrt } from './ort-graph.js';
import { seededTensor } from './ort-parity.js';

describe('MaxPool and AveragePool converters', () => {
  it('emits max_pool with kernel, strides and explicit pads', () => {
    const n = node('MaxPool', ['x'], ['y'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
    const r = convertNode(n, { x: f32(1, 8, 32, 32) });
    const p = r.op('max_pool');
    expect(r.paramValues(p, 'kernel_sizes')).toEqual([3, 3]);
    expect(r.paramValues(p, 'pad_type')).toEqual(['custom']);
    expect(r.paramValues(p, 'pad')).toEqual([1, 1, 1, 1]);
    expect(r.outType()).toEqual(f32(1, 8, 16, 16));
  });

  it('passes ceil_mode through and matches the ONNX output size', () => {
    const n = node('MaxPool', ['x'], ['y'], { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 });
    const r = convertNode(n, { x: f32(1, 1, 7, 7) });
    expect(r.paramValues(r.op('max_pool'), 'ceil_mode')).toEqual([1]);
    expect(r.outType().shape).toEqual([1, 1, 4, 4]);
  });

  it('inverts count_include_pad into exclude_padding_from_average', () => {
    const include = node('AveragePool', ['x'], ['y'], { kernel_shape: [3], pads: [1, 1], count_include_pad: 1 });
    const r1 = convertNode(include, { x: f32(1, 2, 9) });
    expect(r1.paramValues(r1.op('avg_pool'), 'exclude_padding_from_average')).toEqual([0]);
    const exclude = node('AveragePool', ['x'], ['y'], { kernel_shape: [3], pads: [1, 1] });
    const r2 = convertNode(exclude, { x: f32(1, 2, 9) });
    expect(r2.paramValues(r2.op('avg_pool'), 'exclude_padding_from_average')).toEqual([1]);
    expect(r2.outType().shape).toEqual([1, 2, 9]);
  });

  it('turns LpPool with p = 2 into l2_pool and refuses other p, which Core ML cannot pool', () => {
    const r = convertNode(node('LpPool', ['x'], ['y'], { kernel_shape: [2, 2], strides: [2, 2], p: 2 }), { x: f32(1, 3, 8, 8) });
    expect(r.paramValues(r.op('l2_pool'), 'kernel_sizes')).toEqual([2, 2]);
    expect(r.outType()).toEqual(f32(1, 3, 4, 4));
    expect(() => convertNode(node('LpPool', ['x'], ['y'], { kernel_shape: [2, 2], p: 3 }), { x: f32(1, 3, 8, 8) })).toThrow(/p = 3: Core ML only has L2 pooling/);
  });

  it('refuses AveragePool dilations, and MaxPool Indices without static batch and channels', () => {
    expect(() => convertNode(node('AveragePool', ['x'], ['y'], { kernel_shape: [2, 2], dilations: [2, 2] }), { x: f32(1, 1, 8, 8) })).toThrow(/dilations/);
    expect(() => convertNode(node('MaxPool', ['x'], ['y', 'i'], { kernel_shape: [2, 2] }), { x: f32(null, 1, 8, 8) })).toThrow(/Indices/);
  });

  it('converts SAME_LOWER pooling to explicit pads on iOS15', () => {
    const n = node('AveragePool', ['x'], ['y'], { kernel_shape: [2, 2], auto_pad: 'SAME_LOWER' });
    const r = convertNode(n, { x: f32(1, 1, 5, 5) });
    expect(r.paramValues(r.op('avg_pool'), 'pad')).toEqual([1, 0, 1, 0]);
    expect(r.outType().shape).toEqual([1, 1, 5, 5]);
  });
});

describe('global pooling converters', () => {
  it('reduces the spatial axes with keep_dims', () => {
    const r = convertNode(node('GlobalAveragePool', ['x'], ['y']), { x: f32(1, 16, 7, 7) });
    const red = r.op('reduce_mean');
    expect(r.paramValues(red, 'axes')).toEqual([2, 3]);
    expect(r.paramValues(red, 'keep_dims')).toEqual([1]);
    expect(r.outType()).toEqual(f32(1, 16, 1, 1));
    const m = convertNode(node('GlobalMaxPool', ['x'], ['y']), { x: f32(2, 4, 3, 3, 3) });
    expect(m.paramValues(m.op('reduce_max'), 'axes')).toEqual([2, 3, 4]);
  });
});

describe('MaxPool on 8-bit integers', () => {
  it('pools uint8 as float32 and casts back, agreeing exactly with onnxruntime', async () => {
    const m = model({
      nodes: [node('MaxPool', ['x'], ['y'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] })],
      inputs: [valueInfo('x', 'uint8', [1, 2, 5, 5])],
      outputs: [{ name: 'y', dtype: 'uint8' }],
    });
    const x = makeTensor('uint8', [1, 2, 5, 5], Uint8Array.from({ length: 50 }, (_, i) => (i * 97 + 13) % 256));
    const [verdicts] = await compareModelWithOrt(m, [{ x }]);
    for (const v of verdicts!) expect(v.pass, v.reason).toBe(true);
  });

  it('refuses an integer input it cannot prove exact, instead of failing as a converter bug', () => {
    const i32 = { dtype: 'int32' as const, shape: [1, 1, 4, 4] };
    expect(() => convertNode(node('MaxPool', ['x'], ['y'], { kernel_shape: [2, 2] }), { x: i32 })).toThrow(/max_pool takes floats/);
  });
});

describe('MaxPool with dilations is the maximum over strided slices and agrees with onnxruntime', () => {
  async function expectParity(attrs: Record<string, number[] | string>, shape: number[]): Promise<void> {
    const m = model({ nodes: [node('MaxPool', ['x'], ['y'], attrs)], inputs: [valueInfo('x', 'float32', shape)], outputs: [{ name: 'y', dtype: 'float32' }] });
    const [verdicts] = await compareModelWithOrt(m, [{ x: seededTensor(shape) }]);
    for (const v of verdicts!) expect(v.pass, v.reason).toBe(true);
  }
  it('2-D kernel 2 × 2 with dilation 2', async () => {
    await expectParity({ kernel_shape: [2, 2], dilations: [2, 2] }, [1, 1, 4, 4]);
  });
  it('2-D kernel 3 × 2 with dilations, strides and pads', async () => {
    await expectParity({ kernel_shape: [3, 2], dilations: [2, 3], strides: [2, 1], pads: [1, 1, 2, 0] }, [2, 3, 9, 8]);
  });
  it('1-D with a stride that skips the last elements', async () => {
    await expectParity({ kernel_shape: [3], dilations: [3], strides: [2] }, [1, 2, 12]);
  });
  it('strides that are multiples of the dilations pool a strided subsample, for any kernel size', async () => {
    await expectParity({ kernel_shape: [6, 8], dilations: [2, 3], strides: [4, 3], pads: [2, 3, 2, 3] }, [1, 2, 21, 30]);
  });
  it('refuses ceil_mode with dilations', () => {
    expect(() => convertNode(node('MaxPool', ['x'], ['y'], { kernel_shape: [2, 2], dilations: [2, 2], ceil_mode: 1 }), { x: f32(1, 1, 8, 8) })).toThrow(/ceil_mode/);
  });
});

describe('MaxPool with the Indices output agrees with onnxruntime', () => {
  async function expectParity(attrs: Record<string, number[] | number>, shape: number[], x = seededTensor(shape)): Promise<void> {
    const m = model({
      nodes: [node('MaxPool', ['x'], ['y', 'i'], attrs)],
      inputs: [valueInfo('x', 'float32', shape)],
      outputs: [{ name: 'y', dtype: 'float32' }, { name: 'i', dtype: 'int64' }],
    });
    const [verdicts] = await compareModelWithOrt(m, [{ x }]);
    for (const v of verdicts!) expect(v.pass, v.reason).toBe(true);
  }
  it('flat indices over [N, C, H, W] with pads and strides', async () => {
    await expectParity({ kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, [2, 3, 7, 6]);
  });
  it('storage_order 1 gives column-major spatial indices', async () => {
    await expectParity({ kernel_shape: [2, 2], storage_order: 1 }, [1, 2, 4, 5]);
  });
  it('ties keep the first maximum in kernel order', async () => {
    const x = makeTensor('float32', [1, 1, 4, 4], new Float32Array(16).fill(1));
    await expectParity({ kernel_shape: [2, 2], strides: [1, 1] }, [1, 1, 4, 4], x);
  });
});
