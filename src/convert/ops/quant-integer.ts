import { milConst } from '../../mil/builder.js';
import type { OnnxNode } from '../../onnx/ir.js';
import type { DType } from '../../tensor/dtype.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type ConverterTable, type OpConverter } from '../types.js';
import { convConverters } from './conv.js';
import { floatScalar, outputName } from './nn-util.js';

/**
 * ONNX's integer convolution and matrix product (ConvInteger, MatMulInteger) and
 * their quantized-linear forms (QLinearConv, QLinearMatMul). Core ML has no integer
 * conv or matmul, and keeps 8-bit values as int32, so each operand is centred on its
 * zero point in fp32 and the product runs in fp32: the integer accumulator ONNX
 * defines, exact while its partial sums stay below 2^24. The QLinear forms then
 * requantize the accumulator (plus the int32 bias) as ONNX Runtime does:
 * y = saturate(round_half_even(acc · a_scale · b_scale / y_scale) + y_zero_point).
 * The ONNX Conv and MatMul converters do the products, so every Conv attribute holds.
 */

const SATURATION: Readonly<Partial<Record<DType, readonly [number, number]>>> = { uint8: [0, 255], int8: [-128, 127] };

/** Binds `value` to a fresh ONNX name, so another converter can read it as a node input. */
function asOnnxValue(ctx: ConvertContext, node: OnnxNode, value: string, hint: string): string {
  const name = `${node.name}/${hint}`;
  ctx.setOutput({ name, opType: 'Identity', domain: '', inputs: [], outputs: [name], attributes: new Map() }, 0, value);
  return name;
}

/** Input i as fp32, reshaped so a per-axis vector lines up with axis `axis` of a rank-`rank` operand. */
function floatInput(node: OnnxNode, ctx: ConvertContext, i: number, rank: number, axis: number): string {
  const v = ctx.requireInput(node, i);
  const { shape, dtype } = ctx.b.typeOf(v);
  const asFloat = dtype === 'float32' ? v : ctx.b.op1('cast', { x: v, dtype: milConst.str('fp32') }, { name: `${outputName(node)}_in${i}_f32` });
  const count = shape.reduce<number>((a, d) => a * (d ?? -1), 1);
  if (count === 1) return ctx.b.op1('reshape', { x: asFloat, shape: milConst.ints([]) }, { name: `${outputName(node)}_in${i}_scalar` });
  if (shape.length !== 1 || count < 0) return ctx.unsupported(node, `input ${i} must be a scalar or a 1-D tensor with a static length`);
  const along = Array.from({ length: rank }, (_, k) => (k === axis ? count : 1));
  return ctx.b.op1('reshape', { x: asFloat, shape: milConst.ints(along) }, { name: `${outputName(node)}_in${i}_axis` });
}

/** Operand i minus its zero point (input zp, when given), in fp32. */
function centred(node: OnnxNode, ctx: ConvertContext, i: number, zp: number, axisOf: (rank: number) => number): string {
  const v = ctx.requireInput(node, i);
  const rank = ctx.b.typeOf(v).shape.length;
  const value = ctx.b.op1('cast', { x: v, dtype: milConst.str('fp32') }, { name: `${outputName(node)}_operand${i}` });
  if (!node.inputs[zp]) return value;
  return ctx.b.op1('sub', { x: value, y: floatInput(node, ctx, zp, rank, axisOf(rank)) }, { name: `${outputName(node)}_centred${i}` });
}

/** The integer accumulator of the product; Conv by the Conv converter on the centred operands, so its attributes all hold. */
function accumulate(node: OnnxNode, ctx: ConvertContext, product: 'Conv' | 'MatMul', [a, b]: readonly [string, string]): string {
  if (product === 'MatMul') return ctx.b.op1('matmul', { x: a, y: b }, { name: `${outputName(node)}_accumulator` });
  const out = `${node.name}/accumulator`;
  const inner: OnnxNode = { ...node, name: `${node.name}/Conv`, opType: 'Conv', inputs: [asOnnxValue(ctx, node, a, 'x'), asOnnxValue(ctx, node, b, 'w')], outputs: [out] };
  convConverters['Conv']!.convert(inner, ctx);
  return ctx.requireInput({ ...inner, inputs: [out] }, 0);
}

function toInt32(ctx: ConvertContext, x: string, name: string): string {
  return ctx.b.op1('cast', { x: ctx.b.op1('round', { x }, { name: `${name}_rounded` }), dtype: milConst.str('int32') }, { name });
}

/** Per-axis parameters of each operand: the conv weight's output channels, a matrix's rows (left) and columns (right). */
const CONV_AXES = [() => 1, () => 0] as const;
const MATMUL_AXES = [(rank: number) => rank - 2, (rank: number) => rank - 1] as const;

function integerProduct(product: 'Conv' | 'MatMul'): OpConverter {
  const axes = product === 'Conv' ? CONV_AXES : MATMUL_AXES;
  return {
    opsets: [10, LATEST_ONNX_OPSET],
    milOps: ['cast', 'reshape', 'sub', product === 'Conv' ? 'conv' : 'matmul', 'round'],
    limits: 'exact while the accumulator\'s partial sums stay below 2^24 in magnitude (fp32 products)',
    convert(node, ctx) {
      const acc = accumulate(node, ctx, product, [centred(node, ctx, 0, 2, axes[0]), centred(node, ctx, 1, 3, axes[1])]);
      ctx.setOutput(node, 0, toInt32(ctx, acc, outputName(node)));
    },
  };
}

/** QLinearConv: x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp[, B]; QLinearMatMul: a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp. */
function quantizedProduct(product: 'Conv' | 'MatMul'): OpConverter {
  const axes = product === 'Conv' ? CONV_AXES : MATMUL_AXES;
  return {
    opsets: [10, LATEST_ONNX_OPSET],
    milOps: ['cast', 'reshape', 'sub', product === 'Conv' ? 'conv' : 'matmul', 'add', 'mul', 'real_div', 'round', 'clip'],
    limits: 'uint8 and int8 outputs; exact accumulator while its partial sums stay below 2^24 in magnitude',
    convert(node, ctx) {
      const name = outputName(node);
      const outType = ctx.info(node.inputs[7] ?? '')?.dtype ?? 'uint8';
      const range = SATURATION[outType];
      if (!range) return ctx.unsupported(node, `output type ${outType} is not supported (uint8 and int8 are)`);
      let acc = accumulate(node, ctx, product, [centred(node, ctx, 0, 2, axes[0]), centred(node, ctx, 3, 5, axes[1])]);
      const yRank = ctx.b.typeOf(acc).shape.length;
      // Parameters of the output: channels on axis 1 for conv, columns for matmul.
      const outAxis = product === 'Conv' ? 1 : yRank - 1;
      if (product === 'Conv' && node.inputs[8]) acc = ctx.b.op1('add', { x: acc, y: floatInput(node, ctx, 8, yRank, 1) }, { name: `${name}_biased` });
      const aScale = floatInput(node, ctx, 1, yRank, product === 'Conv' ? 1 : yRank - 2);
      const bScale = floatInput(node, ctx, 4, yRank, outAxis);
      const multiplier = ctx.b.op1('real_div', { x: ctx.b.op1('mul', { x: aScale, y: bScale }, { name: `${name}_ab_scale` }), y: floatInput(node, ctx, 6, yRank, outAxis) }, { name: `${name}_multiplier` });
      const scaled = ctx.b.op1('round', { x: ctx.b.op1('mul', { x: acc, y: multiplier }, { name: `${name}_scaled` }) }, { name: `${name}_rounded` });
      const shifted = ctx.b.op1('add', { x: scaled, y: floatInput(node, ctx, 7, yRank, outAxis) }, { name: `${name}_shifted` });
      const clipped = ctx.b.op1('clip', { x: shifted, alpha: floatScalar(range[0], 'float32'), beta: floatScalar(range[1], 'float32') }, { name: `${name}_saturated` });
      ctx.setOutput(node, 0, ctx.b.op1('cast', { x: clipped, dtype: milConst.str('int32') }, { name }));
    },
  };
}

export const quantIntegerConverters: ConverterTable = {
  ConvInteger: integerProduct('Conv'),
  MatMulInteger: integerProduct('MatMul'),
  QLinearConv: quantizedProduct('Conv'),
  QLinearMatMul: quantizedProduct('MatMul'),
};
