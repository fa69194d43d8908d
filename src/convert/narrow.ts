import { ConversionError } from '../errors.js';
import type { DType } from '../tensor/dtype.js';
import { bfloat16ArrayToFloat32 } from '../tensor/fp16.js';
import { makeTensor, type Tensor } from '../tensor/tensor.js';

/**
 * Core ML programs hold fp16, fp32, int32, bool and string tensors (iOS17 adds
 * a few small integer types, which this converter does not need). Every ONNX
 * dtype is mapped onto that set here: int64 becomes int32 (constants are range
 * checked), float64 and bfloat16 become float32, small integers widen to int32.
 */
const MIL_DTYPE_OF: Readonly<Partial<Record<DType, DType>>> = {
  float32: 'float32',
  float16: 'float16',
  float64: 'float32',
  bfloat16: 'float32',
  int64: 'int32',
  int32: 'int32',
  int16: 'int32',
  int8: 'int32',
  uint8: 'int32',
  uint16: 'int32',
  uint32: 'int32',
  uint64: 'int32',
  bool: 'bool',
  string: 'string',
};

/** The MIL dtype an ONNX dtype becomes, or undefined when Core ML has no counterpart. */
export function milDTypeFor(onnx: DType): DType | undefined {
  return MIL_DTYPE_OF[onnx];
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Converts an ONNX constant to the dtype MIL holds; `name` and `file` are for the error message. */
export function narrowConstant(t: Tensor, name: string, file?: string): Tensor {
  const target = milDTypeFor(t.dtype);
  if (target === undefined) {
    throw new ConversionError(`constant "${name}" has dtype ${t.dtype}, which Core ML cannot hold`, [], fileOption(file));
  }
  if (target === t.dtype) return t;
  if (target === 'float32') return makeTensor('float32', t.shape, toFloat32(t));
  return makeTensor('int32', t.shape, toInt32(t, name, file));
}

function toFloat32(t: Tensor): Float32Array {
  if (t.dtype === 'bfloat16') return bfloat16ArrayToFloat32(t.data as Uint16Array);
  return Float32Array.from(t.data as Float64Array);
}

function toInt32(t: Tensor, name: string, file: string | undefined): Int32Array {
  const data = t.data as ArrayLike<number | bigint>;
  const out = new Int32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i]!);
    if (v < INT32_MIN || v > INT32_MAX) {
      throw new ConversionError(
        `constant "${name}" (${t.dtype}) holds ${String(data[i])} at index ${i}, outside the int32 range Core ML supports`,
        [],
        fileOption(file),
      );
    }
    out[i] = v;
  }
  return out;
}

function fileOption(file: string | undefined): { file?: string } {
  return file === undefined ? {} : { file };
}
