import { milConst } from '../../mil/builder.js';
import { dtypeOfOnnxType } from '../../onnx/data-type.js';
import { attrInt, type OnnxNode } from '../../onnx/ir.js';
import type { DType, NumericTypedArray } from '../../tensor/dtype.js';
import { float32ToFloat16Bits } from '../../tensor/fp16.js';
import { makeTensor, type Tensor } from '../../tensor/tensor.js';
import { milDTypeFor } from '../narrow.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type ConverterTable, type OpConverter } from '../types.js';
import { castTo, constantAsFloat32, outName } from './elementwise.js';

/**
 * ONNX → MIL converters for ops that generate a tensor from a shape or a
 * size: EyeLike and the window functions. What is known at conversion time
 * becomes a constant; otherwise the tensor is built from range_1d.
 */

/** The stored value of 1 in each MIL dtype (fp16 as its bit pattern). */
const ONE: Readonly<Partial<Record<DType, number>>> = { float16: 0x3c00, float32: 1, int32: 1, bool: 1 };

/** The MIL dtype EyeLike produces: the `dtype` attribute, else the input's ONNX type. */
function eyeDType(node: OnnxNode, ctx: ConvertContext, x: string): DType {
  const code = attrInt(node, 'dtype');
  const onnx = code === undefined ? ctx.info(node.inputs[0]!)?.dtype ?? ctx.b.typeOf(x).dtype : dtypeOfOnnxType(code);
  const mil = onnx === undefined ? undefined : milDTypeFor(onnx);
  if (mil === undefined || ONE[mil] === undefined) return ctx.unsupported(node, `dtype ${onnx ?? code} has no Core ML counterpart`);
  return mil;
}

/** The identity pattern with its diagonal shifted by k, as a constant. */
function eyeConstant(dtype: DType, rows: number, cols: number, k: number): Tensor {
  const t = makeTensor(dtype, [rows, cols]);
  for (let r = 0; r < rows; r++) {
    const c = r + k;
    if (c >= 0 && c < cols) (t.data as NumericTypedArray)[r * cols + c] = ONE[dtype]!;
  }
  return t;
}

/** range(0, dim) for dim `axis` of x's run-time shape. */
function indexRange(ctx: ConvertContext, shape: string, axis: number): string {
  const dim = ctx.b.op1('gather', { x: shape, indices: milConst.int(axis), axis: milConst.int(0) });
  return ctx.b.op1('range_1d', { start: milConst.int(0), end: dim, step: milConst.int(1) });
}

/** row + k == column over [rows, cols], from the run-time shape. */
function eyeDynamic(ctx: ConvertContext, x: string, k: number, dtype: DType, name: string): string {
  const shape = ctx.b.op1('shape', { x });
  const rows = ctx.b.op1('expand_dims', { x: indexRange(ctx, shape, 0), axes: milConst.ints([1]) });
  const shifted = ctx.b.op1('add', { x: rows, y: milConst.int(k) });
  const onDiagonal = ctx.b.op1('equal', { x: shifted, y: indexRange(ctx, shape, 1) });
  return castTo(ctx, onDiagonal, dtype, name);
}

const eyeLike: OpConverter = {
  opsets: [9, LATEST_ONNX_OPSET],
  milOps: ['shape', 'gather', 'range_1d', 'expand_dims', 'add', 'equal', 'cast'],
  limits: 'a static input shape gives a constant; int64/float64 outputs become int32/fp32',
  convert(node, ctx) {
    const x = ctx.requireInput(node, 0);
    const shape = ctx.b.typeOf(x).shape;
    if (shape.length !== 2) return ctx.unsupported(node, `input has rank ${shape.length}; EyeLike takes a 2-D tensor`);
    const dtype = eyeDType(node, ctx, x);
    const k = attrInt(node, 'k', 0);
    const [rows, cols] = shape;
    if (rows !== null && rows !== undefined && cols !== null && cols !== undefined) {
      ctx.setConstantOutput(node, 0, eyeConstant(dtype, rows, cols, k));
      return;
    }
    ctx.setOutput(node, 0, eyeDynamic(ctx, x, k, dtype, outName(node)));
  },
};

/** Cosine-sum window coefficients: w[n] = a0 − a1·cos(2πn/N) + a2·cos(4πn/N). */
const WINDOWS: Readonly<Record<string, readonly [a0: number, a1: number, a2: number]>> = {
  HannWindow: [0.5, 0.5, 0],
  HammingWindow: [25 / 46, 21 / 46, 0],
  BlackmanWindow: [0.42, 0.5, 0.08],
};

/** The window as a constant when the size is known (N = size when periodic, size − 1 when symmetric). */
function windowConstant(coefficients: readonly number[], size: number, periodic: boolean): Tensor {
  const [a0, a1, a2] = coefficients as [number, number, number];
  const n = periodic ? size : size - 1;
  const values = Float32Array.from({ length: size }, (_, i) => a0 - a1 * Math.cos((2 * Math.PI * i) / n) + a2 * Math.cos((4 * Math.PI * i) / n));
  return makeTensor('float32', [size], values);
}

/** The window from a run-time size: positions from range_1d, scaled by 2π/N, through cos. */
function windowDynamic(ctx: ConvertContext, size: string, coefficients: readonly number[], periodic: boolean): string {
  const [a0, a1, a2] = coefficients as [number, number, number];
  const count = castTo(ctx, size, 'int32');
  const positions = castTo(ctx, ctx.b.op1('range_1d', { start: milConst.int(0), end: count, step: milConst.int(1) }), 'float32');
  const sizeF = castTo(ctx, count, 'float32');
  const n = periodic ? sizeF : ctx.b.op1('sub', { x: sizeF, y: milConst.float(1) });
  const angle = ctx.b.op1('real_div', { x: ctx.b.op1('mul', { x: positions, y: milConst.float(2 * Math.PI) }), y: n });
  const term = (a: number, multiple: number): string =>
    ctx.b.op1('mul', { x: ctx.b.op1('cos', { x: multiple === 1 ? angle : ctx.b.op1('mul', { x: angle, y: milConst.float(multiple) }) }), y: milConst.float(a) });
  const first = ctx.b.op1('sub', { x: milConst.float(a0), y: term(a1, 1) });
  return a2 === 0 ? first : ctx.b.op1('add', { x: first, y: term(a2, 2) });
}

function windowConverter(coefficients: readonly number[]): OpConverter {
  return {
    opsets: [17, LATEST_ONNX_OPSET],
    milOps: ['range_1d', 'cast', 'sub', 'mul', 'real_div', 'cos', 'add'],
    limits: 'output_datatype float64 becomes fp32',
    convert(node, ctx) {
      const code = attrInt(node, 'output_datatype', 1);
      const onnx = dtypeOfOnnxType(code);
      const dtype = onnx === undefined ? undefined : milDTypeFor(onnx);
      if (dtype === undefined || dtype === 'string' || dtype === 'bool') return ctx.unsupported(node, `output_datatype ${onnx ?? code} has no Core ML counterpart`);
      const periodic = attrInt(node, 'periodic', 1) !== 0;
      const sizeConstant = ctx.constant(node, 0);
      if (sizeConstant) {
        const size = constantAsFloat32(sizeConstant)[0]!;
        if (!(size >= 0)) return ctx.unsupported(node, `size ${size} is negative`);
        const window = windowConstant(coefficients, size, periodic);
        ctx.setConstantOutput(node, 0, dtype === 'float32' ? window : castWindow(window, dtype));
        return;
      }
      const window = windowDynamic(ctx, ctx.requireInput(node, 0), coefficients, periodic);
      ctx.setOutput(node, 0, castTo(ctx, window, dtype, outName(node)));
    },
  };
}

/** A float32 window constant in another MIL dtype (integers truncate toward zero, as a cast does). */
function castWindow(window: Tensor, dtype: DType): Tensor {
  const values = window.data as Float32Array;
  if (dtype === 'int32') return makeTensor('int32', window.shape, Int32Array.from(values, (v) => Math.trunc(v)));
  return makeTensor('float16', window.shape, Uint16Array.from(values, (v) => float32ToFloat16Bits(v)));
}

export const generatorConverters: ConverterTable = {
  EyeLike: eyeLike,
  ...Object.fromEntries(Object.entries(WINDOWS).map(([op, c]) => [op, windowConverter(c)])),
};
