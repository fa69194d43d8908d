import { elementCount, stridesOf } from '../../tensor/tensor.js';
import { normAxis, type KernelTable, type OpContext } from '../kernel.js';
import { allocFor, makeValue, type RtFloatValue, type RtNumeric, type RtNumericValue, type RtValue } from '../value.js';
import { roundHalfEven } from './elementwise.js';
import { milDType } from './misc.js';

/**
 * Compression ops that compute constant weights at load time, plus the
 * runtime quantize/dequantize pair of iOS17. Output dtypes follow the scale
 * or lookup table (fp16 results are rounded by the interpreter).
 */

/** Unpacks n elements of `bits` each from an LSB-first bit stream. */
export function unpackBits(packed: RtNumeric, bits: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  const mask = (1 << bits) - 1;
  for (let i = 0; i < n; i++) {
    const bit = i * bits;
    const byte = bit >> 3;
    const shift = bit & 7;
    const word = packed[byte]! | ((packed[byte + 1] ?? 0) << 8);
    out[i] = (word >> shift) & mask;
  }
  return out;
}

/** Broadcasts a per-axis vector (or scalar) to element i of a tensor viewed as [outer, n, inner]. */
function axisValue(v: RtNumeric | undefined, i: number, n: number, inner: number): number {
  if (!v) return 0;
  return v.length === 1 ? v[0]! : v[Math.floor(i / inner) % n]!;
}

function affineDequantize(ctx: OpContext): RtValue[] {
  const q = ctx.numeric('quantized_data');
  const scale = ctx.float('scale');
  const zero = ctx.optional('zero_point') ? ctx.numeric('zero_point').data : undefined;
  const axis = normAxis(ctx, ctx.num('axis', 0), q.shape.length);
  const n = q.shape[axis]!;
  const inner = elementCount(q.shape.slice(axis + 1));
  for (const [name, v] of [['scale', scale.data], ['zero_point', zero]] as const) {
    if (v && v.length !== 1 && v.length !== n) ctx.fail(`${name} has ${v.length} values for axis ${axis} of size ${n}`);
  }
  const out = new Float32Array(q.data.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = axisValue(scale.data, i, n, inner) * (q.data[i]! - axisValue(zero, i, n, inner));
  }
  return [makeValue(scale.dtype, q.shape, out)];
}

function constexprCast(ctx: OpContext): RtValue[] {
  const src = ctx.numeric('source_val');
  const dtype = milDType(ctx, 'output_dtype', 'fp32');
  const out = allocFor(dtype, src.data.length);
  out.set(src.data);
  return [makeValue(dtype, src.shape, out)];
}

/** Bits per index for a palette of `size` entries. */
function paletteBits(ctx: OpContext, size: number): number {
  const bits = Math.log2(size);
  if (!Number.isInteger(bits) || bits < 1 || bits > 8) ctx.fail(`lut of ${size} entries is not a power of two between 2 and 256`);
  return bits;
}

/** iOS16 layout: packed uint8 indices, a flat lut, and an explicit shape. */
function lutToDenseIos16(ctx: OpContext, lut: RtNumericValue): RtValue[] {
  const shape = ctx.requiredInts('shape');
  const n = elementCount(shape);
  const indices = unpackBits(ctx.numeric('indices').data, paletteBits(ctx, lut.data.length), n);
  const out = allocFor(lut.dtype, n);
  for (let i = 0; i < n; i++) out[i] = lut.data[indices[i]!]!;
  return [makeValue(lut.dtype, shape, out)];
}

/**
 * iOS18 layout: unpacked indices shaped like the output (before vector
 * expansion), lut [*groups, palettes, vector]; each index dim is split into
 * lut.shape[d] equal groups with their own palette.
 */
function lutToDenseIos18(ctx: OpContext, lut: RtNumericValue): RtValue[] {
  return [lutDense(ctx, ctx.numeric('indices'), lut)];
}

function lutDense(ctx: OpContext, indices: RtNumericValue, lut: RtNumericValue): RtNumericValue {
  const rank = indices.shape.length;
  if (lut.shape.length !== rank + 2) ctx.fail(`lut rank ${lut.shape.length} must be the indices rank ${rank} + 2`);
  const palettes = lut.shape[rank]!;
  const vector = lut.shape[rank + 1]!;
  const vectorAxis = vector > 1 ? normAxis(ctx, ctx.num('vector_axis'), rank) : -1;
  const groupSize = indices.shape.map((d, i) => d / lut.shape[i]!);
  if (groupSize.some((g) => !Number.isInteger(g))) ctx.fail(`lut groups [${lut.shape.slice(0, rank).join(',')}] do not divide indices [${indices.shape.join(',')}]`);
  const outShape = indices.shape.map((d, i) => (i === vectorAxis ? d * vector : d));
  const outStrides = stridesOf(outShape);
  const lutStrides = stridesOf(lut.shape);
  const out = allocFor(lut.dtype, elementCount(outShape));
  const coord = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < indices.data.length; flat++) {
    let lutBase = 0;
    let outBase = 0;
    for (let d = 0; d < rank; d++) {
      lutBase += Math.floor(coord[d]! / groupSize[d]!) * lutStrides[d]!;
      outBase += (d === vectorAxis ? coord[d]! * vector : coord[d]!) * outStrides[d]!;
    }
    const entry = indices.data[flat]!;
    if (entry >= palettes) ctx.fail(`index ${entry} is outside a palette of ${palettes}`);
    const src = lutBase + entry * vector;
    const step = vectorAxis >= 0 ? outStrides[vectorAxis]! : 0;
    for (let v = 0; v < vector; v++) out[outBase + v * step] = lut.data[src + v]!;
    for (let d = rank - 1; d >= 0; d--) {
      if (++coord[d]! < indices.shape[d]!) break;
      coord[d] = 0;
    }
  }
  return makeValue(lut.dtype, outShape, out);
}

function lutToDense(ctx: OpContext): RtValue[] {
  const lut = ctx.numeric('lut');
  return ctx.has('shape') ? lutToDenseIos16(ctx, lut) : lutToDenseIos18(ctx, lut);
}

/** Scatters nonzero_data into the positions set in the mask, in row-major order. */
function sparseToDense(ctx: OpContext): RtValue[] {
  const values = ctx.numeric('nonzero_data');
  const maskValue = ctx.numeric('mask');
  // iOS16: packed bit mask plus a shape; iOS18: an unpacked uint1 mask shaped like the output.
  const shape = ctx.ints('shape') ?? [...maskValue.shape];
  const n = elementCount(shape);
  const mask = ctx.has('shape') ? unpackBits(maskValue.data, 1, n) : maskValue.data;
  const out = allocFor(values.dtype, n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (mask[i]) {
      if (k >= values.data.length) ctx.fail(`mask sets more positions than the ${values.data.length} nonzero values`);
      out[i] = values.data[k++]!;
    }
  }
  return [makeValue(values.dtype, shape, out)];
}

/** scale[block] · (data − offset[block]) with block size data.shape[d] / scale.shape[d] per dim. */
function blockwiseShiftScale(ctx: OpContext): RtValue[] {
  const offset = ctx.optional('offset') ? ctx.numeric('offset') : undefined;
  return [shiftScaleDense(ctx, ctx.numeric('data'), ctx.float('scale'), offset)];
}

function shiftScaleDense(ctx: OpContext, data: RtNumericValue, scale: RtFloatValue, offset: RtNumericValue | undefined): RtNumericValue {
  const rank = data.shape.length;
  if (scale.shape.length !== rank) ctx.fail(`scale rank ${scale.shape.length} must equal data rank ${rank}`);
  const block = data.shape.map((d, i) => d / scale.shape[i]!);
  if (block.some((b) => !Number.isInteger(b))) ctx.fail(`scale shape [${scale.shape.join(',')}] does not divide data [${data.shape.join(',')}]`);
  const scaleStrides = stridesOf(scale.shape);
  const out = new Float32Array(data.data.length);
  const coord = new Array<number>(rank).fill(0);
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    for (let d = 0; d < rank; d++) s += Math.floor(coord[d]! / block[d]!) * scaleStrides[d]!;
    out[i] = scale.data[s]! * (data.data[i]! - (offset ? offset.data[s]! : 0));
    for (let d = rank - 1; d >= 0; d--) {
      if (++coord[d]! < data.shape[d]!) break;
      coord[d] = 0;
    }
  }
  return makeValue(scale.dtype, data.shape, out);
}

/** Places the values of a sparse tensor (mask + row-major nonzero values) into a dense array of zeros. */
function densify(ctx: OpContext, mask: RtNumericValue, values: RtNumericValue): RtNumericValue {
  const out = allocFor(values.dtype, mask.data.length);
  let k = 0;
  for (let i = 0; i < mask.data.length; i++) {
    if (!mask.data[i]) continue;
    if (k >= values.data.length) ctx.fail(`mask sets more positions than the ${values.data.length} nonzero values`);
    out[i] = values.data[k++]!;
  }
  return makeValue(values.dtype, mask.shape, out);
}

/** The (mask, row-major nonzero values) form of a dense tensor, keeping the positions set in `mask`. */
function sparsify(dense: RtNumericValue, mask: RtNumeric): RtValue[] {
  let count = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) count++;
  const values = allocFor(dense.dtype, count);
  let k = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) values[k++] = dense.data[i]!;
  return [makeValue('uint1', dense.shape, Uint8Array.from(mask)), makeValue(dense.dtype, [count], values)];
}

/**
 * iOS18 palettization of sparse weights: de-palettizes the nonzero indices.
 * With vector palettization the mask is widened along vector_axis; the
 * values are listed in row-major order of that widened mask, which is the
 * order constexpr_sparse_to_dense reads them back in.
 */
function lutToSparse(ctx: OpContext): RtValue[] {
  const mask = ctx.numeric('indices_mask');
  const indices = densify(ctx, mask, ctx.numeric('indices_nonzero_data'));
  const dense = lutDense(ctx, indices, ctx.numeric('lut'));
  const vector = dense.data.length / mask.data.length;
  const maskLut = makeValue('uint8', [...new Array<number>(mask.shape.length).fill(1), 2, vector], wideMaskLut(vector));
  return sparsify(dense, lutDense(ctx, mask, maskLut).data);
}

/** A two-entry palette mapping mask bit b to a vector of b's, so lutDense widens a mask like the values. */
function wideMaskLut(vector: number): Uint8Array {
  const lut = new Uint8Array(2 * vector);
  lut.fill(1, vector);
  return lut;
}

function sparseBlockwiseShiftScale(ctx: OpContext): RtValue[] {
  const mask = ctx.numeric('data_mask');
  const data = densify(ctx, mask, ctx.numeric('nonzero_data'));
  const offset = ctx.optional('offset') ? ctx.numeric('offset') : undefined;
  return sparsify(shiftScaleDense(ctx, data, ctx.float('scale'), offset), mask.data);
}

/** iOS17 runtime quantize: round(x / scale) + zero_point, saturated to the output type. */
function quantize(ctx: OpContext): RtValue[] {
  const x = ctx.float('input');
  const scale = ctx.float('scale').data;
  const zero = ctx.optional('zero_point') ? ctx.numeric('zero_point').data : undefined;
  const dtype = milDType(ctx, 'output_dtype');
  const [lo, hi] = dtype === 'int8' ? [-128, 127] : [0, 255];
  const axis = ctx.has('axis') ? normAxis(ctx, ctx.num('axis'), x.shape.length) : 0;
  const n = x.shape[axis] ?? 1;
  const inner = elementCount(x.shape.slice(axis + 1));
  const out = allocFor(dtype, x.data.length);
  for (let i = 0; i < out.length; i++) {
    // Halves to even, as coremltools' value inference (np.around) and the PyTorch quantizer its tests compare with.
    const q = roundHalfEven(x.data[i]! / axisValue(scale, i, n, inner)) + axisValue(zero, i, n, inner);
    out[i] = Math.min(hi, Math.max(lo, q));
  }
  return [makeValue(dtype, x.shape, out)];
}

function dequantize(ctx: OpContext): RtValue[] {
  const q = ctx.numeric('input');
  const scale = ctx.float('scale');
  const zero = ctx.optional('zero_point') ? ctx.numeric('zero_point').data : undefined;
  const axis = ctx.has('axis') ? normAxis(ctx, ctx.num('axis'), q.shape.length) : 0;
  const n = q.shape[axis] ?? 1;
  const inner = elementCount(q.shape.slice(axis + 1));
  const out = new Float32Array(q.data.length);
  for (let i = 0; i < out.length; i++) out[i] = axisValue(scale.data, i, n, inner) * (q.data[i]! - axisValue(zero, i, n, inner));
  return [makeValue(scale.dtype, q.shape, out)];
}

export const constexprKernels: KernelTable = {
  constexpr_affine_dequantize: affineDequantize,
  constexpr_cast: constexprCast,
  constexpr_lut_to_dense: lutToDense,
  constexpr_sparse_to_dense: sparseToDense,
  constexpr_blockwise_shift_scale: blockwiseShiftScale,
  constexpr_lut_to_sparse: lutToSparse,
  constexpr_sparse_blockwise_shift_scale: sparseBlockwiseShiftScale,
  quantize,
  dequantize,
};
