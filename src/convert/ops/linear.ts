import { milConst } from '../../mil/builder.js';
import { attrFloat, attrBool, type OnnxNode } from '../../onnx/ir.js';
import { isFloatDType } from '../../tensor/dtype.js';
import { makeTensor, type Tensor } from '../../tensor/tensor.js';
import { narrowConstant } from '../narrow.js';
import { LATEST_ONNX_OPSET, type ConvertContext, type ConverterTable, type OpConverter } from '../types.js';
import { floatScalar, floatTensor, floatValues, outputName, transpose2d, typeOfInput } from './nn-util.js';

/**
 * ONNX → MIL converters for Gemm and MatMul. A constant 2-D right operand
 * becomes `linear` (weight stored [N, K], as Core ML wants it), which Core ML
 * runs as a fully connected layer; anything else becomes `matmul`.
 */

function constantInput(ctx: ConvertContext, node: OnnxNode, i: number): Tensor | undefined {
  const t = ctx.constant(node, i);
  return t ? narrowConstant(t, node.inputs[i]!) : undefined;
}

function scaled(t: Tensor, factor: number): Tensor {
  if (factor === 1 || !isFloatDType(t.dtype)) return t;
  return floatTensor(t.dtype, t.shape, floatValues(t).map((v) => v * factor));
}

/** Gemm's C as a [N] bias when it broadcasts along rows only ([N], [1, N] or a scalar). */
function rowBias(c: Tensor | undefined, n: number, beta: number, dtype: Tensor['dtype']): Tensor | undefined {
  if (!c) return floatTensor(dtype, [n], new Float32Array(n));
  const count = c.shape.reduce((a, b) => a * b, 1);
  const rowShaped = c.shape.length <= 2 && c.shape.slice(0, -1).every((d) => d === 1);
  if (!rowShaped || (count !== n && count !== 1)) return undefined;
  const values = floatValues(c);
  return floatTensor(dtype, [n], Float32Array.from({ length: n }, (_, i) => beta * values[count === 1 ? 0 : i]!));
}

/** y + beta * C with C a value or a constant. */
function addScaledC(node: OnnxNode, ctx: ConvertContext, y: string, beta: number): string {
  const cConst = constantInput(ctx, node, 2);
  const dtype = typeOfInput(ctx, y).dtype;
  let c: string | Tensor;
  if (cConst) c = scaled(cConst, beta);
  else {
    c = ctx.requireInput(node, 2);
    if (beta !== 1) c = ctx.b.op1('mul', { x: c, y: floatScalar(beta, dtype) }, { name: `${outputName(node)}_beta_c` });
  }
  return ctx.b.op1('add', { x: y, y: c }, { name: outputName(node) });
}

const gemm: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['linear', 'matmul', 'mul', 'add'],
  limits: 'linear when B is constant and transA = 0; otherwise matmul with transpose flags',
  convert(node, ctx) {
    const a = ctx.requireInput(node, 0);
    const alpha = attrFloat(node, 'alpha', 1);
    const beta = attrFloat(node, 'beta', 1);
    const transA = attrBool(node, 'transA', false);
    const transB = attrBool(node, 'transB', false);
    const hasC = Boolean(node.inputs[2]);
    const bConst = constantInput(ctx, node, 1);
    const name = outputName(node);
    if (bConst && !transA && bConst.shape.length === 2) {
      const weight = scaled(transB ? bConst : transpose2d(bConst), alpha);
      const n = weight.shape[0]!;
      const bias = rowBias(hasC ? constantInput(ctx, node, 2) : undefined, n, beta, weight.dtype);
      const foldC = bias !== undefined && (!hasC || constantInput(ctx, node, 2) !== undefined);
      const zeros = floatTensor(weight.dtype, [n], new Float32Array(n));
      const y = ctx.b.op1('linear', { x: a, weight, bias: foldC ? bias! : zeros }, { name: foldC ? name : `${name}_ab` });
      ctx.setOutput(node, 0, foldC ? y : addScaledC(node, ctx, y, beta));
      return;
    }
    const dtype = typeOfInput(ctx, a).dtype;
    let y = ctx.b.op1(
      'matmul',
      { x: a, y: ctx.requireInput(node, 1), transpose_x: milConst.bool(transA), transpose_y: milConst.bool(transB) },
      { name: alpha === 1 && !hasC ? name : `${name}_ab` },
    );
    if (alpha !== 1) y = ctx.b.op1('mul', { x: y, y: floatScalar(alpha, dtype) }, { name: hasC ? `${name}_alpha_ab` : name });
    ctx.setOutput(node, 0, hasC ? addScaledC(node, ctx, y, beta) : y);
  },
};

const matmul: OpConverter = {
  opsets: [1, LATEST_ONNX_OPSET],
  milOps: ['linear', 'matmul'],
  limits: 'linear when the right operand is a constant matrix and the left rank is 1 to 3',
  convert(node, ctx) {
    const a = ctx.requireInput(node, 0);
    const aRank = typeOfInput(ctx, a).shape.length;
    const bConst = constantInput(ctx, node, 1);
    const name = outputName(node);
    if (bConst && bConst.shape.length === 2 && aRank >= 1 && aRank <= 3 && bConst.dtype === typeOfInput(ctx, a).dtype) {
      const weight = transpose2d(bConst);
      const n = weight.shape[0]!;
      const bias = isFloatDType(weight.dtype) ? floatTensor(weight.dtype, [n], new Float32Array(n)) : makeTensor('int32', [n]);
      ctx.setOutput(node, 0, ctx.b.op1('linear', { x: a, weight, bias }, { name }));
      return;
    }
    ctx.setOutput(node, 0, ctx.b.op1('matmul', { x: a, y: ctx.requireInput(node, 1) }, { name }));
  },
};

export const linearConverters: ConverterTable = { Gemm: gemm, MatMul: matmul };
