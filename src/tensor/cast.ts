import { allocStorage, type DType } from './dtype.js';
import { bfloat16ArrayToFloat32, float16ArrayToFloat32, float32ArrayToFloat16 } from './fp16.js';
import { makeTensor, numberAt, type Tensor } from './tensor.js';

/**
 * Converts a tensor's element type at a boundary (test data into model inputs,
 * outputs into reports). Floats to integers truncate toward zero; int64 values
 * outside int32 are a RangeError rather than a silent wrap.
 */
export function castTensor(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  if (t.dtype === 'string' || dtype === 'string') throw new TypeError(`cannot cast ${t.dtype} to ${dtype}`);
  const values = toFloat64(t);
  const n = values.length;
  if (dtype === 'float16') return makeTensor('float16', t.shape, float32ArrayToFloat16(Float32Array.from(values)));
  const out = allocStorage(dtype, n);
  if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
    for (let i = 0; i < n; i++) out[i] = BigInt(Math.trunc(values[i]!));
  } else if (dtype === 'bool') {
    for (let i = 0; i < n; i++) (out as Uint8Array)[i] = values[i] !== 0 ? 1 : 0;
  } else if (dtype === 'float32' || dtype === 'float64') {
    (out as Float32Array | Float64Array).set(values);
  } else {
    const info = INT_RANGES[dtype];
    if (!info) throw new TypeError(`cannot cast ${t.dtype} to ${dtype}`);
    for (let i = 0; i < n; i++) {
      const v = Math.trunc(values[i]!);
      if (!(v >= info[0] && v <= info[1])) throw new RangeError(`value ${values[i]} does not fit ${dtype}`);
      (out as Int32Array)[i] = v;
    }
  }
  return makeTensor(dtype, t.shape, out as never);
}

const INT_RANGES: Partial<Record<DType, [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
  int4: [-8, 7],
  uint1: [0, 1],
  uint2: [0, 3],
  uint3: [0, 7],
  uint4: [0, 15],
  uint6: [0, 63],
};

/**
 * Every element as a float64, whatever the storage: fp16 and bf16 bit patterns
 * are decoded, int64 goes through Number (exact up to 2^53), bool becomes 0/1.
 */
export function toFloat64(t: Tensor): Float64Array {
  if (t.dtype === 'string') throw new TypeError('string tensors have no numeric values');
  if (t.dtype === 'float16') return Float64Array.from(float16ArrayToFloat32(t.data as Uint16Array));
  if (t.dtype === 'bfloat16') return Float64Array.from(bfloat16ArrayToFloat32(t.data as Uint16Array));
  const out = new Float64Array(t.data.length);
  for (let i = 0; i < out.length; i++) out[i] = numberAt(t.data, i);
  return out;
}
