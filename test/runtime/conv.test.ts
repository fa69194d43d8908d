import { describe, expect, it } from 'vitest';
import { runProgram } from '../../src/runtime/interpreter.js';
import { f16, f32, int, ints, op, program, runOp, str, v, values } from './build.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { seededFloats } from '../helpers/seeded.js';
import { gemm, matrix } from '../../src/runtime/gemm.js';
import { maxAbsDiff, runOnnxNode, type OnnxAttr } from './ort.js';

interface ConvCase {
  name: string;
  x: number[];
  w: number[];
  attrs: Record<string, OnnxAttr>;
  mil: Record<string, Tensor>;
}

const F = (shape: number[]) => ({ dtype: 'float32' as const, shape });
/** An fp32 output of known rank and unchecked dims. */
const anyShape = (rank: number) => ({ dtype: 'float32' as const, shape: new Array<number | null>(rank).fill(null) });

describe('conv', () => {
  it('a 2×2 valid conv with bias sums each window', () => {
    const x = f32([1, 1, 3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const weight = f32([1, 1, 2, 2], [1, 0, 0, 1]);
    const [out] = runOp('conv', { x, weight, bias: f32([1], [10]), pad_type: str('valid') }, F([1, 1, 2, 2]));
    expect(values(out!)).toEqual([16, 18, 22, 24]);
  });

  it("pad_type 'same' puts the odd extra pad at the end and same_lower at the start", () => {
    const x = f32([1, 1, 1, 4], [1, 2, 3, 4]);
    const weight = f32([1, 1, 1, 2], [1, 10]);
    const same = runOp('conv', { x, weight, pad_type: str('same') }, F([1, 1, 1, 4]))[0]!;
    expect(values(same)).toEqual([21, 32, 43, 4]);
    const lower = runOp('conv', { x, weight, pad_type: str('same_lower') }, F([1, 1, 1, 4]))[0]!;
    expect(values(lower)).toEqual([10, 21, 32, 43]);
  });

  it('custom pads, strides and dilations', () => {
    const x = f32([1, 1, 5], [1, 2, 3, 4, 5]);
    const weight = f32([1, 1, 2], [1, 1]);
    const [out] = runOp('conv', { x, weight, pad_type: str('custom'), pad: ints([1, 0]), strides: ints([2]), dilations: ints([2]) }, F([1, 1, 2]));
    // padded: [0,1,2,3,4,5]; taps at i and i+2 with stride 2: (0+2), (2+4)
    expect(values(out!)).toEqual([2, 6]);
  });

  it('a depthwise conv (groups = channels) convolves each channel with its own filter', () => {
    const x = f32([1, 2, 1, 3], [1, 2, 3, 10, 20, 30]);
    const weight = f32([2, 1, 1, 2], [1, 1, 1, -1]);
    const [out] = runOp('conv', { x, weight, groups: int(2) }, F([1, 2, 1, 2]));
    expect(values(out!)).toEqual([3, 5, -10, -10]);
  });

  it.each([
    { name: '2-D 3×3 pad 1', x: [2, 4, 9, 7], w: [6, 4, 3, 3], attrs: { pads: [1, 1, 1, 1] }, mil: { pad_type: str('custom'), pad: ints([1, 1, 1, 1]) } },
    { name: '2-D stride 2 dilation 2 groups 2', x: [1, 4, 11, 10], w: [6, 2, 3, 3], attrs: { strides: [2, 2], dilations: [2, 2], group: 2, pads: [2, 1, 0, 2] }, mil: { strides: ints([2, 2]), dilations: ints([2, 2]), groups: int(2), pad_type: str('custom'), pad: ints([2, 0, 1, 2]) } },
    { name: '1-D same padding', x: [1, 3, 17], w: [5, 3, 4], attrs: { auto_pad: 'SAME_UPPER' }, mil: { pad_type: str('same') } },
    { name: '3-D', x: [1, 2, 5, 6, 4], w: [3, 2, 2, 3, 2], attrs: { pads: [1, 0, 1, 1, 0, 1] }, mil: { pad_type: str('custom'), pad: ints([1, 1, 0, 0, 1, 1]) } },
    { name: '2-D pointwise', x: [1, 16, 5, 5], w: [8, 16, 1, 1], attrs: {}, mil: {} },
  ] as ConvCase[])('$name matches onnxruntime', async ({ x: xs, w: ws, attrs, mil }) => {
    const x = f32(xs, seededFloats(xs.reduce((p, d) => p * d), 3));
    const weight = f32(ws, seededFloats(ws.reduce((p, d) => p * d), 7));
    const bias = f32([ws[0]!], seededFloats(ws[0]!, 11));
    const ref = await runOnnxNode('Conv', { x }, { w: weight, b: bias }, attrs);
    const out = runOp('conv', { x, weight, bias, ...mil }, anyShape(xs.length))[0]!;
    expect(maxAbsDiff(values(out), ref)).toBeLessThan(1e-5);
  });

  it('a weight computed at run time is re-read on every run (no stale packed weights)', () => {
    const prog = program([v('x', 'float32', [1, 2, 4, 4]), v('w', 'float32', [8, 2, 3, 3])], [
      op('conv', { x: 'x', weight: 'w', bias: f32([8], new Float32Array(8).fill(1)), pad_type: str('same') }, [v('y', 'float32', [1, 8, 4, 4])]),
    ], ['y']);
    const x = f32([1, 2, 4, 4], new Float32Array(32).fill(1));
    const run = (scale: number) => values(runProgram(prog, { x, w: f32([8, 2, 3, 3], new Float32Array(144).fill(scale)) })['y']!);
    // The centre output sees all 18 taps: 18·scale + bias.
    expect(run(1)[5]).toBe(19);
    expect(run(2)[5]).toBe(37);
  });

  it('rejects a weight whose channels do not fit the input', () => {
    const x = f32([1, 3, 2, 2], new Float32Array(12));
    const weight = f32([1, 2, 1, 1], [1, 1]);
    expect(() => runOp('conv', { x, weight }, F([1, 1, 2, 2]))).toThrow(/x has 3 channels/);
  });

  it('an fp16 conv result is rounded to half precision', () => {
    const x = f16([1, 1, 1, 2], [1, 0.0009765625]);
    const weight = f16([1, 1, 1, 2], [1, 1]);
    const [out] = runOp('conv', { x, weight }, { dtype: 'float16', shape: [1, 1, 1, 1] });
    // 1 + 2^-10 = 1.0009765625 is exactly representable; check it survives and the dtype is fp16.
    expect(out!.dtype).toBe('float16');
    expect(values(out!)).toEqual([1.0009765625]);
  });
});

describe('conv_transpose', () => {
  it('valid stride-2 transpose scatters each input over the kernel', () => {
    const x = f32([1, 1, 2], [1, 2]);
    const weight = f32([1, 1, 3], [1, 10, 100]);
    const [out] = runOp('conv_transpose', { x, weight, strides: ints([2]) }, F([1, 1, 5]));
    expect(values(out!)).toEqual([1, 10, 102, 20, 200]);
  });

  it('output_shape adds trailing positions like ONNX output_padding', async () => {
    const x = f32([1, 2, 3, 3], seededFloats(18, 5));
    const weight = f32([2, 3, 3, 3], seededFloats(54, 9));
    const bias = f32([3], [0.1, 0.2, 0.3]);
    const ref = await runOnnxNode('ConvTranspose', { x }, { w: weight, b: bias }, { strides: [2, 2], pads: [1, 1, 1, 1], output_padding: [1, 1] });
    const [out] = runOp('conv_transpose', { x, weight, bias, strides: ints([2, 2]), pad_type: str('custom'), pad: ints([1, 1, 1, 1]), output_shape: ints([1, 3, 6, 6]) }, F([1, 3, 6, 6]));
    expect(maxAbsDiff(values(out!), ref)).toBeLessThan(1e-5);
  });

  it('groups and dilations match onnxruntime', async () => {
    const x = f32([2, 4, 4, 5], seededFloats(160, 2));
    const weight = f32([4, 3, 2, 3], seededFloats(72, 4));
    const ref = await runOnnxNode('ConvTranspose', { x }, { w: weight }, { group: 2, dilations: [2, 1], strides: [1, 2] });
    const [out] = runOp('conv_transpose', { x, weight, groups: int(2), dilations: ints([2, 1]), strides: ints([1, 2]) }, F([2, 6, 6, 11]));
    expect(maxAbsDiff(values(out!), ref)).toBeLessThan(1e-5);
  });
});

/** Explicit im2col of one image (stride 1, no dilation) and one GEMM over it: the same products summed in the same order as conv's. */
function im2colThenGemm(
  x: Float32Array, [cin, h, w]: number[], weight: Float32Array, cout: number, [kh, kw]: number[], [pt, pl, pb, pr]: number[], [sh, sw]: number[] = [1, 1],
): Float32Array {
  const oh = Math.floor((h + pt + pb - kh) / sh) + 1;
  const ow = Math.floor((w + pl + pr - kw) / sw) + 1;
  const k = cin * kh * kw;
  const col = new Float32Array(k * oh * ow);
  for (let c = 0; c < cin; c++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
    const row = (c * kh + i) * kw + j;
    for (let y = 0; y < oh; y++) for (let z = 0; z < ow; z++) {
      const iy = y * sh + i - pt;
      const iz = z * sw + j - pl;
      col[row * oh * ow + y * ow + z] = iy >= 0 && iy < h && iz >= 0 && iz < w ? x[(c * h + iy) * w + iz]! : 0;
    }
  }
  const out = new Float32Array(cout * oh * ow);
  gemm(cout, oh * ow, k, matrix(weight, 0, k), matrix(col, 0, oh * ow), out, 0, oh * ow);
  return out;
}

describe('stride-1 conv read from the padded image', () => {
  it.each([
    ['3×3 same, two K panels', [40, 9, 11], 6, [3, 3], [1, 1, 1, 1]],
    ['5×3 asymmetric pads', [3, 7, 12], 5, [5, 3], [2, 0, 1, 2]],
    ['1×7 valid over a wide row', [4, 1, 60], 16, [1, 7], [0, 0, 0, 0]],
  ] as const)('%s: bit-identical to im2col and a GEMM', (_, inShape, cout, kernel, pads) => {
    const [cin, h, w] = inShape;
    const x = seededFloats(cin * h * w, cin + h);
    const weight = seededFloats(cout * cin * kernel[0] * kernel[1], cout);
    const oh = h + pads[0] + pads[2] - kernel[0] + 1;
    const ow = w + pads[1] + pads[3] - kernel[1] + 1;
    const [out] = runOp('conv', {
      x: f32([1, cin, h, w], x), weight: f32([cout, cin, ...kernel], weight), pad_type: str('custom'), pad: ints([pads[0], pads[2], pads[1], pads[3]]),
    }, F([1, cout, oh, ow]));
    const want = im2colThenGemm(x, [...inShape], weight, cout, [...kernel], [...pads]);
    const got = out!.data as Float32Array;
    expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(want.buffer))).toBe(true);
  });
});

describe('strided conv read from the padded image split into phases', () => {
  it.each([
    ['7×7 stride 2, the ResNet stem', [3, 30, 28], 8, [7, 7], [3, 3, 3, 3], [2, 2]],
    ['1×1 stride 2, a downsampling shortcut', [300, 9, 7], 12, [1, 1], [0, 0, 0, 0], [2, 2]],
    ['3×3 stride 2 with one-sided padding, two K panels', [40, 11, 10], 6, [3, 3], [1, 0, 0, 1], [2, 2]],
    ['2×3 strides 3 and 2', [5, 13, 17], 7, [2, 3], [1, 2, 0, 1], [3, 2]],
  ] as const)('%s: bit-identical to im2col and a GEMM', (_, inShape, cout, kernel, pads, strides) => {
    const [cin, h, w] = inShape;
    const x = seededFloats(cin * h * w, cin + h);
    const weight = seededFloats(cout * cin * kernel[0] * kernel[1], cout);
    const oh = Math.floor((h + pads[0] + pads[2] - kernel[0]) / strides[0]) + 1;
    const ow = Math.floor((w + pads[1] + pads[3] - kernel[1]) / strides[1]) + 1;
    const [out] = runOp('conv', {
      x: f32([1, cin, h, w], x), weight: f32([cout, cin, ...kernel], weight), pad_type: str('custom'), pad: ints([pads[0], pads[2], pads[1], pads[3]]),
      strides: ints([...strides]),
    }, F([1, cout, oh, ow]));
    const want = im2colThenGemm(x, [...inShape], weight, cout, [...kernel], [...pads], [...strides]);
    const got = out!.data as Float32Array;
    expect(got.length).toBe(want.length);
    expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(want.buffer))).toBe(true);
  });
});
