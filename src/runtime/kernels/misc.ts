import type { DType } from '../../tensor/dtype.js';
import type { KernelTable, OpContext } from '../kernel.js';
import { allocFor, isFloatValue, makeValue, type RtValue } from '../value.js';

/** const, identity and cast. */

/** MIL's dtype strings (cast.dtype, output_dtype params) → dtype. */
const CAST_DTYPES: Record<string, DType> = {
  fp16: 'float16',
  fp32: 'float32',
  fp64: 'float32',
  int32: 'int32',
  int64: 'int32',
  int16: 'int16',
  int8: 'int8',
  uint8: 'uint8',
  uint16: 'uint16',
  uint32: 'uint32',
  bool: 'bool',
};

export function milDType(ctx: OpContext, name: string, fallback?: string): DType {
  const s = ctx.str(name, fallback);
  const d = CAST_DTYPES[s];
  if (!d) ctx.fail(`unknown dtype '${s}' (expected one of ${Object.keys(CAST_DTYPES).join(', ')})`);
  return d;
}

function cast(ctx: OpContext): RtValue[] {
  const x = ctx.numeric('x');
  const dtype = milDType(ctx, 'dtype');
  const out = allocFor(dtype, x.data.length);
  if (dtype === 'bool') {
    for (let i = 0; i < out.length; i++) out[i] = x.data[i] !== 0 ? 1 : 0;
  } else if (isFloatValue(x) && !(out instanceof Float32Array)) {
    // Float → integer truncates toward zero (NumPy astype); NaN becomes 0.
    for (let i = 0; i < out.length; i++) out[i] = Math.trunc(x.data[i]!) || 0;
  } else {
    out.set(x.data);
  }
  return [makeValue(dtype, x.shape, out)];
}

export const miscKernels: KernelTable = {
  const: (ctx) => [ctx.input('val')],
  identity: (ctx) => [ctx.input('x')],
  cast,
};
