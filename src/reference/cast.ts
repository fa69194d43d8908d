import { ToolError } from '../errors.js';
import { allocStorage, isFloatDType, type DType, type DTypeStorage } from '../tensor/dtype.js';
import { float32ArrayToFloat16 } from '../tensor/fp16.js';
import { makeTensor, type Tensor } from '../tensor/tensor.js';
import { tensorValues } from '../parity/values.js';

/** Inclusive value range of each integer dtype a model input can take. */
const INTEGER_RANGES: Readonly<Partial<Record<DType, readonly [number, number]>>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
  uint64: [0, Number.MAX_SAFE_INTEGER],
};

/**
 * Converts a test input to the element type a model expects: fp32 test data into an
 * fp16 Core ML input, int64 ONNX indices into an int32 Core ML input, and so on. Float to
 * float rounds (to nearest half for fp16); anything to integer must be an integer within
 * the target's range, or the cast is refused naming `what`, since silently wrapping an
 * index would compare the wrong computation.
 */
export function castTensor(tensor: Tensor, dtype: DType, what: string): Tensor {
  if (tensor.dtype === dtype) return tensor;
  if (tensor.dtype === 'string' || dtype === 'string') {
    throw new ToolError('REFERENCE', `${what}: cannot convert ${tensor.dtype} to ${dtype}`);
  }
  const values = tensorValues(tensor);
  if (dtype === 'float16') return makeTensor('float16', tensor.shape, float32ArrayToFloat16(Float32Array.from(values)));
  if (dtype === 'bool') return makeTensor('bool', tensor.shape, Uint8Array.from(values, (v) => (v !== 0 ? 1 : 0)));
  if (isFloatDType(dtype)) return makeTensor(dtype, tensor.shape, floatStorage(dtype, values));
  return makeTensor(dtype, tensor.shape, integerStorage(dtype, values, what));
}

type NumericDType = Exclude<DType, 'string'>;

function floatStorage(dtype: NumericDType, values: Float64Array): DTypeStorage[NumericDType] {
  if (dtype === 'float32') return Float32Array.from(values);
  if (dtype === 'float64') return values;
  throw new ToolError('REFERENCE', `cannot convert test data to ${dtype}`);
}

function integerStorage(dtype: NumericDType, values: Float64Array, what: string): DTypeStorage[NumericDType] {
  const range = INTEGER_RANGES[dtype];
  if (!range) throw new ToolError('REFERENCE', `${what}: cannot convert test data to ${dtype}`);
  const [low, high] = range;
  const out = allocStorage(dtype, values.length) as { [i: number]: number | bigint };
  const big = dtype === 'int64' || dtype === 'uint64';
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < low || v > high) {
      throw new ToolError('REFERENCE', `${what}: value ${v} at flat index ${i} does not fit ${dtype}`);
    }
    out[i] = big ? BigInt(v) : v;
  }
  return out as DTypeStorage[NumericDType];
}
