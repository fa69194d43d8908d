import { isFloatDType } from '../tensor/dtype.js';
import { bfloat16ArrayToFloat32, float16ArrayToFloat32 } from '../tensor/fp16.js';
import { numberAt, type Tensor } from '../tensor/tensor.js';

/**
 * Reads any numeric tensor as float64 values, so that every metric is computed
 * in one precision whatever the storage: fp16 and bf16 bit patterns are decoded,
 * int64 goes through Number (exact up to 2^53), bool becomes 0/1.
 */
export function tensorValues(t: Tensor): Float64Array {
  if (t.dtype === 'string') throw new TypeError('string tensors have no numeric values to compare');
  if (t.dtype === 'float16') return Float64Array.from(float16ArrayToFloat32(t.data as Uint16Array));
  if (t.dtype === 'bfloat16') return Float64Array.from(bfloat16ArrayToFloat32(t.data as Uint16Array));
  const out = new Float64Array(t.data.length);
  for (let i = 0; i < out.length; i++) out[i] = numberAt(t.data, i);
  return out;
}

/** Integer and bool outputs are compared exactly; only float outputs get tolerances. */
export function isExactDType(t: Tensor): boolean {
  return !isFloatDType(t.dtype);
}
