import type { DType } from '../../tensor/dtype.js';
import { attrInt } from '../ir.js';
import type { ShapeFn, ShapeTable } from './types.js';

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

export const quantShapes: ShapeTable = { QuantizeLinear: quantize, DequantizeLinear: dequantize, DynamicQuantizeLinear: dynamicQuantize };
