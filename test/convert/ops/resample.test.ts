import { describe, expect, it } from 'vitest';
import { makeTensor } from '../../../src/tensor/tensor.js';
import { model, node, valueInfo } from '../../helpers/onnx-graph.js';
import { convertNode, f32 } from './harness.js';
import { compareModelWithOrt } from './ort-graph.js';
import { seededTensor } from './ort-parity.js';
import { convertOnnxModel } from '../../../src/convert/index.js';

const i64 = (...v: number[]) => makeTensor('int64', [v.length], BigInt64Array.from(v.map(BigInt)));
const fl = (...v: number[]) => makeTensor('float32', [v.length], Float32Array.from(v));

describe('Pad converter', () => {
  it('pads from the first padded axis with before/after pairs', () => {
    const r = convertNode(node('Pad', ['x', 'p', 'v'], ['y']), { x: f32(1, 3, 4, 4) }, { p: i64(0, 0, 1, 2, 0, 0, 3, 4), v: fl(0.5) });
    const p = r.op('pad');
    expect(r.paramValues(p, 'pad')).toEqual([1, 3, 2, 4]);
    expect(r.paramValues(p, 'mode')).toEqual(['constant']);
    expect(r.paramValues(p, 'constant_val')).toEqual([0.5]);
    expect(r.outType()).toEqual(f32(1, 3, 8, 10));
  });

  it('maps edge to replicate and omits constant_val', () => {
    const r = convertNode(node('Pad', ['x', 'p'], ['y'], { mode: 'edge' }), { x: f32(1, 2, 5) }, { p: i64(0, 0, 2, 0, 0, 1) });
    const p = r.op('pad');
    expect(r.paramValues(p, 'mode')).toEqual(['replicate']);
    expect(r.param(p, 'constant_val')).toBeUndefined();
    expect(r.outType().shape).toEqual([1, 2, 8]);
  });

  it('reads the pads attribute before opset 11', () => {
    const r = convertNode(node('Pad', ['x'], ['y'], { pads: [0, 1, 0, 1], mode: 'reflect' }), { x: f32(2, 4) }, {}, { opset: 10 });
    expect(r.paramValues(r.op('pad'), 'pad')).toEqual([1, 1]);
    expect(r.outType().shape).toEqual([2, 6]);
  });

  it('refuses wrap mode, cropping outside constant mode and run-time pads outside constant mode', () => {
    expect(() => convertNode(node('Pad', ['x', 'p'], ['y'], { mode: 'wrap' }), { x: f32(3, 3) }, { p: i64(1, 1, 1, 1) }, { opset: 19 })).toThrow(/wrap/);
    expect(() => convertNode(node('Pad', ['x', 'p'], ['y'], { mode: 'edge' }), { x: f32(3, 3) }, { p: i64(-1, 0, 0, 0) })).toThrow(/negative/);
    expect(() => convertNode(node('Pad', ['x', 'p'], ['y'], { mode: 'reflect' }), { x: f32(3, 3), p: { dtype: 'int32', shape: [4] } })).toThrow(/constant mode/);
  });

  it('crops with constant negative pads: static output shape', () => {
    const r = convertNode(node('Pad', ['x', 'p'], ['y']), { x: f32(3, 5) }, { p: i64(-1, 2, 0, -2) });
    expect(r.outType()).toEqual(f32(2, 5));
  });
});

describe('Pad agrees with onnxruntime where MIL pad alone differs', () => {
  const graph = (pads: ReturnType<typeof i64> | undefined, shape: number[]) =>
    model({
      nodes: [node('Pad', ['x', 'p', 'v'], ['y'])],
      inputs: [valueInfo('x', 'float32', shape), ...(pads ? [] : [valueInfo('p', 'int64', [2 * shape.length])])],
      outputs: [{ name: 'y', dtype: 'float32' }],
      initializers: { v: fl(0.25), ...(pads ? { p: pads } : {}) },
    });

  it('negative constant pads crop while positive ones pad', async () => {
    const [verdicts] = await compareModelWithOrt(graph(i64(0, -1, 2, 1, 0, -2), [2, 5, 4]), [{ x: seededTensor([2, 5, 4]) }]);
    for (const v of verdicts!) expect(v.pass, v.reason).toBe(true);
  });

  it('a constant_value computed at run time fills the padding, with constant or run-time pads', async () => {
    const withValue = (pads?: ReturnType<typeof i64>) =>
      model({
        nodes: [node('Pad', ['x', 'p', 'v'], ['y'])],
        inputs: [valueInfo('x', 'float32', [2, 3]), valueInfo('v', 'float32', []), ...(pads ? [] : [valueInfo('p', 'int64', [4])])],
        outputs: [{ name: 'y', dtype: 'float32' }],
        initializers: pads ? { p: pads } : {},
      });
    const v = makeTensor('float32', [], Float32Array.from([-3.5]));
    const [fixed] = await compareModelWithOrt(withValue(i64(1, 0, 0, 2)), [{ x: seededTensor([2, 3]), v }]);
    const [computed] = await compareModelWithOrt(withValue(), [{ x: seededTensor([2, 3]), v, p: i64(0, 2, 1, -1) }]);
    for (const r of [...fixed!, ...computed!]) expect(r.pass, r.reason).toBe(true);
  });

  it('pads computed at run time, of either sign, at two settings', async () => {
    const results = await compareModelWithOrt(graph(undefined, [2, 5, 4]), [
      { x: seededTensor([2, 5, 4]), p: i64(0, 1, 2, 0, 3, 1) },
      { x: seededTensor([2, 5, 4], 9), p: i64(1, -2, 0, 0, 1, -1) },
    ]);
    for (const verdicts of results) for (const v of verdicts) expect(v.pass, v.reason).toBe(true);
  });
});

describe('Pad as gathers (integer tensors, run-time pads in edge and reflect mode)', () => {
  const ints = (shape: number[]) => makeTensor('int64', shape, BigInt64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => BigInt((i * 7) % 23 - 11)));
  it.each(['edge', 'reflect'])('pads an int64 tensor in %s mode with constant pads like onnxruntime', async (mode) => {
    const m = model({
      nodes: [node('Pad', ['x', 'p'], ['y'], { mode })],
      inputs: [valueInfo('x', 'int64', [2, 4, 5])],
      outputs: [{ name: 'y', dtype: 'int64' }],
      initializers: { p: i64(0, 2, 3, 1, 1, 0) },
    });
    const [verdicts] = await compareModelWithOrt(m, [{ x: ints([2, 4, 5]) }]);
    expect(verdicts!.map((v) => v.reason ?? 'pass')).toEqual(['pass']);
  });

  it.each(['edge', 'reflect'])('pads a float tensor in %s mode with run-time pads and a declared output shape like onnxruntime', async (mode) => {
    const m = model({
      nodes: [node('Pad', ['x', 'p'], ['y'], { mode })],
      inputs: [valueInfo('x', 'float32', [1, 3, 4, 5]), valueInfo('p', 'int64', [8])],
      outputs: [valueInfo('y', 'float32', [1, 3, 7, 8])],
    });
    const [verdicts] = await compareModelWithOrt(m, [{ x: seededTensor([1, 3, 4, 5], 2), p: i64(0, 0, 2, 3, 0, 0, 1, 0) }]);
    expect(verdicts!.map((v) => v.reason ?? 'pass')).toEqual(['pass']);
  });
});

describe('Resize converter', () => {
  const resize = (attrs: Record<string, string | number>, inputs: string[]) => node('Resize', ['x', ...inputs], ['y'], attrs);

  it('uses upsample_nearest_neighbor for integer nearest scales that sample floor(i / s)', () => {
    const r = convertNode(resize({ mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, ['', 's']), { x: f32(1, 3, 4, 4) }, { s: fl(1, 1, 2, 3) });
    const up = r.op('upsample_nearest_neighbor');
    expect(r.paramValues(up, 'scale_factor_height')).toEqual([2]);
    expect(r.paramValues(up, 'scale_factor_width')).toEqual([3]);
    expect(r.outType().shape).toEqual([1, 3, 8, 12]);
  });

  it('accepts the ONNX defaults (half_pixel, round_prefer_floor) at any integer scale', () => {
    const r = convertNode(resize({ mode: 'nearest' }, ['', 's']), { x: f32(1, 1, 2, 2) }, { s: fl(1, 1, 3, 3) });
    expect(r.ops.map((o) => o.type)).toEqual(['upsample_nearest_neighbor']);
  });

  it('resizes by matrices where no Core ML op samples the grid (asymmetric round_prefer_floor at scale 3 rounds 2/3 up)', () => {
    const n = resize({ mode: 'nearest', coordinate_transformation_mode: 'asymmetric' }, ['', 's']);
    const r = convertNode(n, { x: f32(1, 1, 2, 2) }, { s: fl(1, 1, 3, 3) });
    expect(r.ops.map((o) => o.type)).toEqual(['matmul', 'matmul']);
    expect(r.outType().shape).toEqual([1, 1, 6, 6]);
  });

  it('maps align_corners to upsample_bilinear(align_corners=true) and half_pixel to align_corners=false', () => {
    const ac = convertNode(resize({ mode: 'linear', coordinate_transformation_mode: 'align_corners' }, ['', 's']), { x: f32(1, 1, 4, 4) }, { s: fl(1, 1, 2, 2) });
    expect(ac.paramValues(ac.op('upsample_bilinear'), 'align_corners')).toEqual([1]);
    const hp = convertNode(resize({ mode: 'linear' }, ['', 's']), { x: f32(1, 1, 4, 4) }, { s: fl(1, 1, 2, 2) });
    expect(hp.paramValues(hp.op('upsample_bilinear'), 'align_corners')).toEqual([0]);
    expect(hp.outType().shape).toEqual([1, 1, 8, 8]);
  });

  it('uses resize_bilinear with the matching sampling mode for non-integer sizes', () => {
    const cases: [string, string][] = [['half_pixel', 'UNALIGN_CORNERS'], ['align_corners', 'STRICT_ALIGN_CORNERS'], ['asymmetric', 'DEFAULT']];
    for (const [ctm, sampling] of cases) {
      const r = convertNode(resize({ mode: 'linear', coordinate_transformation_mode: ctm }, ['', '', 'sz']), { x: f32(1, 2, 4, 6) }, { sz: i64(1, 2, 6, 9) });
      const op = r.op('resize_bilinear');
      expect(r.paramValues(op, 'sampling_mode')).toEqual([sampling]);
      expect(r.paramValues(op, 'target_size_height')).toEqual([6]);
      expect(r.outType().shape).toEqual([1, 2, 6, 9]);
    }
  });

  it('resizes by matrices when the scale differs from out / in, and refuses resizing the channel dim', () => {
    const n = resize({ mode: 'linear' }, ['', 's']);
    expect(convertNode(n, { x: f32(1, 1, 5, 5) }, { s: fl(1, 1, 1.5, 1.5) }).outType().shape).toEqual([1, 1, 7, 7]);
    expect(() => convertNode(n, { x: f32(1, 2, 4, 4) }, { s: fl(1, 2, 2, 2) })).toThrow(/last two dims/);
  });

  it('resizes a tensor with a dynamic batch when the scales leave the batch alone', () => {
    const r = convertNode(resize({ mode: 'linear', coordinate_transformation_mode: 'align_corners' }, ['', 's']), { x: f32(null, 8, 4, 4) }, { s: fl(1, 1, 2, 2) });
    expect(r.paramValues(r.op('upsample_bilinear'), 'scale_factor_height')).toEqual([2]);
    expect(r.outType().shape).toEqual([null, 8, 8, 8]);
  });

  it('refuses resizing a dynamic leading dim', () => {
    const n = resize({ mode: 'nearest' }, ['', 's']);
    expect(() => convertNode(n, { x: f32(null, 1, 4, 4) }, { s: fl(2, 1, 2, 2) })).toThrow(/last two dims/);
  });

  it('upsamples a dynamic height by a constant integer factor, which holds at every size', () => {
    const r = convertNode(resize({ mode: 'nearest' }, ['', 's']), { x: f32(1, 1, null, 4) }, { s: fl(1, 1, 2, 2) });
    expect(r.ops.map((o) => o.type)).toEqual(['upsample_nearest_neighbor']);
    expect(r.outType().shape).toEqual([1, 1, null, 8]);
  });

  it('refuses a fractional constant scale on a dynamic width, naming the scales', () => {
    expect(() => convertNode(resize({ mode: 'linear' }, ['', 's']), { x: f32(1, 1, 4, null) }, { s: fl(1, 1, 1, 0.5) })).toThrow(/dynamic.*\(1, 0\.5\)/);
  });

  it('refuses modes it does not know and antialiased downsampling by matrices, with a reason', () => {
    expect(() => convertNode(resize({ mode: 'lanczos' }, ['', 's']), { x: f32(1, 1, 4, 4) }, { s: fl(1, 1, 2, 2) })).toThrow(/mode lanczos/);
    expect(() => convertNode(resize({ mode: 'cubic', antialias: 1 }, ['', 's']), { x: f32(1, 1, 8, 8) }, { s: fl(1, 1, 0.5, 0.5) })).toThrow(/antialiased/);
  });

  it('takes a run-time sizes input from the output shape the model declares', () => {
    const m = model({
      nodes: [resize({ mode: 'cubic' }, ['', '', 'sz'])],
      inputs: [valueInfo('x', 'float32', [1, 1, 4, 5]), valueInfo('sz', 'int64', [4])],
      outputs: [valueInfo('y', 'float32', [1, 1, 7, 3])],
    });
    const converted = convertOnnxModel(m, { target: 'iOS15', precision: 'fp32' });
    expect(converted.model.outputs[0]!.type.shape).toEqual([1, 1, 7, 3]);
  });

  // The matrices follow ONNX's definition; onnxruntime is the independent check of each sampling.
  const samplings: [string, Record<string, string | number>, number[], number[]][] = [
    ['cubic half_pixel upsampling', { mode: 'cubic' }, [1, 2, 5, 7], [1, 1, 2, 1.5]],
    ['cubic align_corners downsampling', { mode: 'cubic', coordinate_transformation_mode: 'align_corners' }, [1, 1, 8, 9], [1, 1, 0.5, 1 / 3]],
    ['cubic, A = −0.5, exclude_outside', { mode: 'cubic', cubic_coeff_a: -0.5, exclude_outside: 1 }, [1, 1, 8, 9], [1, 1, 0.5, 2]],
    ['linear half_pixel at a scale other than out / in', { mode: 'linear' }, [2, 3, 5, 4], [1, 1, 0.6, 1.7]],
    ['linear pytorch_half_pixel', { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }, [1, 1, 6, 6], [1, 1, 0.5, 1.5]],
    ['nearest asymmetric round_prefer_ceil', { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'round_prefer_ceil' }, [1, 2, 4, 5], [1, 1, 3, 2.5]],
    ['nearest asymmetric ceil', { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'ceil' }, [1, 1, 7, 5], [1, 1, 0.7, 1.6]],
  ];
  it.each(samplings)('matches onnxruntime by matrices: %s', async (_title, attrs, shape, scales) => {
    const m = model({
      nodes: [resize(attrs, ['', 's'])],
      inputs: [valueInfo('x', 'float32', shape)],
      outputs: [{ name: 'y', dtype: 'float32' }],
      initializers: { s: fl(...scales) },
    });
    const [verdicts] = await compareModelWithOrt(m, [{ x: seededTensor(shape, 5) }]);
    expect(verdicts!.map((v) => v.reason ?? 'pass')).toEqual(['pass']);
  });

  // Scales as a graph input: the matrices are computed in the program from the scale it is given.
  const runtimeSamplings: [string, Record<string, string | number>, number[], number[], number[]][] = [
    ['cubic half_pixel', { mode: 'cubic' }, [1, 2, 5, 4], [1, 1, 0.6, 1.7], [1, 2, 3, 6]],
    ['cubic align_corners, A = −0.5, exclude_outside', { mode: 'cubic', coordinate_transformation_mode: 'align_corners', cubic_coeff_a: -0.5, exclude_outside: 1 }, [1, 1, 6, 6], [1, 1, 2, 0.5], [1, 1, 12, 3]],
    ['linear asymmetric', { mode: 'linear', coordinate_transformation_mode: 'asymmetric' }, [1, 1, 4, 6], [1, 1, 2.5, 0.7], [1, 1, 10, 4]],
    ['nearest half_pixel round_prefer_ceil', { mode: 'nearest', nearest_mode: 'round_prefer_ceil' }, [1, 1, 5, 5], [1, 1, 1.5, 0.8], [1, 1, 7, 4]],
  ];
  it.each(runtimeSamplings)('matches onnxruntime with run-time scales: %s', async (_title, attrs, shape, scales, outShape) => {
    const m = model({
      nodes: [resize(attrs, ['', 's'])],
      inputs: [valueInfo('x', 'float32', shape), valueInfo('s', 'float32', [4])],
      outputs: [valueInfo('y', 'float32', outShape)],
    });
    const [verdicts] = await compareModelWithOrt(m, [{ x: seededTensor(shape, 3), s: fl(...scales) }]);
    expect(verdicts!.map((v) => v.reason ?? 'pass')).toEqual(['pass']);
  });

  it('refuses run-time scales without a declared static output shape', () => {
    expect(() => convertNode(resize({ mode: 'linear' }, ['', 's']), { x: f32(1, 1, 4, 4), s: { dtype: 'float32', shape: [4] } })).toThrow(/declared static output shape/);
  });

  it('matches onnxruntime by matrices for tf_crop_and_resize with an extrapolation value', async () => {
    const m = model({
      nodes: [resize({ mode: 'linear', coordinate_transformation_mode: 'tf_crop_and_resize', extrapolation_value: 3.5 }, ['roi', '', 'sz'])],
      inputs: [valueInfo('x', 'float32', [1, 1, 6, 6])],
      outputs: [{ name: 'y', dtype: 'float32' }],
      initializers: { roi: fl(0, 0, -0.2, 0.3, 1, 1, 0.7, 1.4), sz: i64(1, 1, 5, 4) },
    });
    const [verdicts] = await compareModelWithOrt(m, [{ x: seededTensor([1, 1, 6, 6], 9) }]);
    expect(verdicts!.map((v) => v.reason ?? 'pass')).toEqual(['pass']);
  });
});

describe('Upsample converter', () => {
  it('upsamples a dynamic height and width by constant integer scales (opset 9), leaving the sizes to run time', () => {
    const r = convertNode(node('Upsample', ['x', 's'], ['y']), { x: f32(1, 3, null, null) }, { s: fl(1, 1, 2, 3) }, { opset: 9 });
    expect(r.ops.map((o) => o.type)).toEqual(['upsample_nearest_neighbor']);
    expect(r.paramValues(r.op('upsample_nearest_neighbor'), 'scale_factor_width')).toEqual([3]);
    expect(r.outType().shape).toEqual([1, 3, null, null]);
  });

  it('reads opset-9 scales from the input and emits nearest upsampling', () => {
    const r = convertNode(node('Upsample', ['x', 's'], ['y']), { x: f32(1, 3, 5, 5) }, { s: fl(1, 1, 2, 2) }, { opset: 9 });
    expect(r.ops.map((o) => o.type)).toEqual(['upsample_nearest_neighbor']);
    expect(r.outType().shape).toEqual([1, 3, 10, 10]);
  });

  it('treats linear Upsample as asymmetric bilinear', () => {
    const n = node('Upsample', ['x'], ['y'], { mode: 'linear', scales: [1, 1, 2, 2] }, ['scales']);
    const r = convertNode(n, { x: f32(1, 1, 3, 3) }, {}, { opset: 7 });
    expect(r.paramValues(r.op('resize_bilinear'), 'sampling_mode')).toEqual(['DEFAULT']);
  });
});
