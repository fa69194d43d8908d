import type { DType } from '../tensor/dtype.js';
import { CoreML } from '../gen/coreml.js';

/**
 * The three numeric codes Core ML files use for element types, mapped onto the
 * project's DType vocabulary: MIL `DataType` (program types), `BlobDataType`
 * (weight.bin metadata records) and `ArrayDataType` (model description I/O).
 */

const MilDataType = CoreML.Specification.MILSpec.DataType;
const ArrayDataType = CoreML.Specification.ArrayFeatureType.ArrayDataType;

const MIL_DATA_TYPE: Partial<Record<DType, number>> = {
  bool: MilDataType.BOOL,
  string: MilDataType.STRING,
  float16: MilDataType.FLOAT16,
  float32: MilDataType.FLOAT32,
  float64: MilDataType.FLOAT64,
  bfloat16: MilDataType.BFLOAT16,
  int4: MilDataType.INT4,
  int8: MilDataType.INT8,
  int16: MilDataType.INT16,
  int32: MilDataType.INT32,
  int64: MilDataType.INT64,
  uint1: MilDataType.UINT1,
  uint2: MilDataType.UINT2,
  uint3: MilDataType.UINT3,
  uint4: MilDataType.UINT4,
  uint6: MilDataType.UINT6,
  uint8: MilDataType.UINT8,
  uint16: MilDataType.UINT16,
  uint32: MilDataType.UINT32,
  uint64: MilDataType.UINT64,
};

/** BlobDataType codes of weight.bin (append-only enum in Core ML's blob storage). */
const BLOB_DATA_TYPE: Partial<Record<DType, number>> = {
  float16: 1,
  float32: 2,
  uint8: 3,
  int8: 4,
  bfloat16: 5,
  int16: 6,
  uint16: 7,
  int4: 8,
  uint1: 9,
  uint2: 10,
  uint4: 11,
  uint3: 12,
  uint6: 13,
  int32: 14,
  uint32: 15,
};

const ARRAY_DATA_TYPE: Partial<Record<DType, number>> = {
  float32: ArrayDataType.FLOAT32,
  float64: ArrayDataType.DOUBLE,
  int32: ArrayDataType.INT32,
  float16: ArrayDataType.FLOAT16,
  int8: ArrayDataType.INT8,
};

function invert(table: Partial<Record<DType, number>>): Map<number, DType> {
  return new Map(Object.entries(table).map(([dtype, code]) => [code, dtype as DType]));
}

const MIL_DTYPE_BY_CODE = invert(MIL_DATA_TYPE);
const BLOB_DTYPE_BY_CODE = invert(BLOB_DATA_TYPE);
const ARRAY_DTYPE_BY_CODE = invert(ARRAY_DATA_TYPE);

export function milDataTypeCode(dtype: DType): number | undefined {
  return MIL_DATA_TYPE[dtype];
}

export function dtypeFromMilDataType(code: number): DType | undefined {
  return MIL_DTYPE_BY_CODE.get(code);
}

export function blobDataTypeCode(dtype: DType): number | undefined {
  return BLOB_DATA_TYPE[dtype];
}

export function dtypeFromBlobDataType(code: number): DType | undefined {
  return BLOB_DTYPE_BY_CODE.get(code);
}

export function arrayDataTypeCode(dtype: DType): number | undefined {
  return ARRAY_DATA_TYPE[dtype];
}

export function dtypeFromArrayDataType(code: number): DType | undefined {
  return ARRAY_DTYPE_BY_CODE.get(code);
}

/** Lowest specification version whose model description accepts each multiarray dtype. */
const ARRAY_DTYPE_MIN_SPEC: Partial<Record<DType, number>> = {
  float32: 1,
  float64: 1,
  int32: 1,
  float16: 7,
  int8: 10,
};

export function minSpecVersionForArrayDType(dtype: DType): number | undefined {
  return ARRAY_DTYPE_MIN_SPEC[dtype];
}

/** Element widths below one byte; such data is packed LSB-first in files. */
const SUB_BYTE_BITS: Partial<Record<DType, number>> = { int4: 4, uint1: 1, uint2: 2, uint3: 3, uint4: 4, uint6: 6 };

export function subByteBits(dtype: DType): number | undefined {
  return SUB_BYTE_BITS[dtype];
}
