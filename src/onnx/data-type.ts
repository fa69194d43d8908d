import type { DType } from '../tensor/dtype.js';

/**
 * ONNX TensorProto.DataType codes and how each maps onto the project's DType
 * vocabulary. Types without a DType (complex, float8, float4, int2) are known by
 * name so errors can say what the model used.
 */
interface OnnxElementType {
  /** ONNX's spelling inside `tensor(...)`, e.g. `float`, `float16`. */
  readonly name: string;
  readonly dtype?: DType;
}

const ELEMENT_TYPES: Readonly<Record<number, OnnxElementType>> = {
  0: { name: 'undefined' },
  1: { name: 'float', dtype: 'float32' },
  2: { name: 'uint8', dtype: 'uint8' },
  3: { name: 'int8', dtype: 'int8' },
  4: { name: 'uint16', dtype: 'uint16' },
  5: { name: 'int16', dtype: 'int16' },
  6: { name: 'int32', dtype: 'int32' },
  7: { name: 'int64', dtype: 'int64' },
  8: { name: 'string', dtype: 'string' },
  9: { name: 'bool', dtype: 'bool' },
  10: { name: 'float16', dtype: 'float16' },
  11: { name: 'double', dtype: 'float64' },
  12: { name: 'uint32', dtype: 'uint32' },
  13: { name: 'uint64', dtype: 'uint64' },
  14: { name: 'complex64' },
  15: { name: 'complex128' },
  16: { name: 'bfloat16', dtype: 'bfloat16' },
  17: { name: 'float8e4m3fn' },
  18: { name: 'float8e4m3fnuz' },
  19: { name: 'float8e5m2' },
  20: { name: 'float8e5m2fnuz' },
  21: { name: 'uint4', dtype: 'uint4' },
  22: { name: 'int4', dtype: 'int4' },
  23: { name: 'float4e2m1' },
  24: { name: 'float8e8m0' },
  25: { name: 'uint2', dtype: 'uint2' },
  26: { name: 'int2' },
};

const CODE_OF_DTYPE: ReadonlyMap<DType, number> = new Map(
  Object.entries(ELEMENT_TYPES).flatMap(([code, t]) => (t.dtype ? [[t.dtype, Number(code)] as const] : [])),
);

/** The DType of an ONNX element type code, or undefined when the project has none for it. */
export function dtypeOfOnnxType(code: number): DType | undefined {
  return ELEMENT_TYPES[code]?.dtype;
}

/** ONNX's name of an element type code, for messages (`float`, `float8e4m3fn`, `type 99`). */
export function onnxTypeName(code: number): string {
  return ELEMENT_TYPES[code]?.name ?? `type ${code}`;
}

/** The ONNX element type code of a DType, or undefined for DTypes ONNX cannot store (uint1, uint3, uint6). */
export function onnxTypeOfDType(dtype: DType): number | undefined {
  return CODE_OF_DTYPE.get(dtype);
}

/** ONNX code of each DType that ONNX can store; used to iterate in tests and encoders. */
export const ONNX_STORABLE_DTYPES: readonly DType[] = [...CODE_OF_DTYPE.keys()];
