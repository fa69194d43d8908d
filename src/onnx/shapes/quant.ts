import type { DType } from '../../tensor/dtype.js';
import { attrInt } from '../ir.js';
import { convShapes } from './conv.js';
import { linearShapes } from './linear.js';
import type { ShapeFn, ShapeInferenceInput, ShapeTable } from './types.js';

/**
 * ONNX shape inference for QuantizeLinear, DequantizeLinear and
 * DynamicQuantizeLinear: element-wise, so y keeps x's shape. QuantizeLinear's
 * y takes the zero point's dtype (or `output_dtype`, opset 21; uint8 when
 * neither is given); DequantizeLinear's y takes the scale's dtype.
 */

/** TensorProto.DataType codes of the integer types output_dtype may name. */
const DTYPE_BY_CODE: Readonly<Record<number, DType>> = { 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 21: 'uint4', 22: 'int4' };

const quantize: ShapeFn = ({ node, inputs }) => {
  const code = attrInt(node, 'output_dtype', 0);
  const dtype = inputs[2]?.dtype ?? DTYPE_BY_CODE[code] ?? 'uint8';
  return [{ dtype, ...(inputs[0]?.shape ? { shape: [...inputs[0].shape] } : {}) }];
};

const dequantize: ShapeFn = ({ inputs }) => [
  { dtype: inputs[1]?.dtype ?? 'float32', ...(inputs[0]?.shape ? { shape: [...inputs[0].shape] } : {}) },
];

const dynamicQuantize: ShapeFn = ({ inputs }) => [
  { dtype: 'uint8', ...(inputs[0]?.shape ? { shape: [...inputs[0].shape] } : {}) },
  { dtype: 'float32', shape: [] },
  { dtype: 'uint8', shape: [] },
];

/**
 * The integer products (ConvInteger, MatMulInteger, QLinearConv, QLinearMatMul) have the
 * shape of the float op over the same data operands; `picked` lists where those operands
 * sit among the node's inputs (the rest are scales and zero points).
 */
function likeFloatOp(floatOp: ShapeFn, picked: readonly number[], dtypeOf: (input: ShapeInferenceInput) => DType): ShapeFn {
  return (input) => {
    const remapped: ShapeInferenceInput = { ...input, inputs: picked.map((i) => input.inputs[i]), constant: (i) => input.constant(picked[i] ?? -1) };
    const [out] = floatOp(remapped);
    return [{ ...out, dtype: dtypeOf(input) }];
  };
}

const int32 = (): DType => 'int32';
/** A QLinear op's output takes y_zero_point's type (input 7), uint8 when it is omitted. */
const yZeroPointType = ({ inputs }: ShapeInferenceInput): DType => inputs[7]?.dtype ?? 'uint8';

export const quantShapes: ShapeTable = {
  QuantizeLinear: quantize,
  DequantizeLinear: dequantize,
  DynamicQuantizeLinear: dynamicQuantize,
  ConvInteger: likeFloatOp(convShapes['Conv']!, [0, 1], int32),
  MatMulInteger: likeFloatOp(linearShapes['MatMul']!, [0, 1], int32),
  QLinearConv: likeFloatOp(convShapes['Conv']!, [0, 3, 8], yZeroPointType),
  QLinearMatMul: likeFloatOp(linearShapes['MatMul']!, [0, 3], yZeroPointType),
};
