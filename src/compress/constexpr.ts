import { packSubByte } from '../coreml/subbyte.js';
import type { DType } from '../tensor/dtype.js';
import { float16ArrayToFloat32, float32ArrayToFloat16 } from '../tensor/fp16.js';
import { makeTensor, type Tensor } from '../tensor/tensor.js';
import { targetRank, type DeploymentTarget, type MilOperation } from '../mil/ir.js';
import { palettize, palettizeHalf, type PaletteBits, type Palettized, type PalettizeOptions } from './palettize.js';
import { pruneByMagnitude } from './prune.js';
import { DEFAULT_LAYOUT, type WeightLayout } from './layout.js';
import { quantizeBlocks, quantizeBlockwise, type BlockQuantizedLinear } from './quantize.js';

/**
 * Builds the constexpr op that replaces one constant weight. The op keeps the
 * const's name, output name, shape and dtype, so its consumers are untouched:
 * an fp16 const (fp16 compute) decompresses to fp16, and an fp32 const that the
 * fp16 pass deliberately kept in fp32 decompresses to fp32. Scales and look-up
 * tables are stored in that dtype and the algorithms search with the rounded
 * values, so what they measured is what Core ML will compute.
 *
 * iOS16/17 ops carry their parameters as attributes; from iOS18 the ops are
 * the iOS18 definitions with inline-bound inputs (block-wise shift-scale
 * instead of affine dequantize, per-group LUTs, a uint1 mask shaped like the weight).
 */

export type CompressionKind =
  | { kind: 'linear'; dtype: 'int8' | 'uint8'; symmetric: boolean; perChannel: boolean }
  | { kind: 'blockwise'; dtype: 'int4' | 'int8'; blockSize: number }
  | { kind: 'palettize'; nbits: PaletteBits; channelGroupSize?: number }
  | { kind: 'prune'; sparsity: number };

type FloatDType = 'float16' | 'float32';

export function compressConstOp(op: MilOperation, val: Tensor, spec: CompressionKind, target: DeploymentTarget, layout: WeightLayout = DEFAULT_LAYOUT): MilOperation {
  const dtype: FloatDType = val.dtype === 'float16' ? 'float16' : 'float32';
  const weights = new WeightValues(val);
  const shape = [...val.shape];
  const output = { name: op.outputs[0]!.name, type: { dtype: dtype as DType, shape } };
  const base = { name: op.name, outputs: [output], blocks: [], ...(op.source ? { source: op.source } : {}) };
  const ios18 = targetRank(target) >= targetRank('iOS18');
  const asInputs = (type: string, params: Record<string, Tensor>): MilOperation => ({ ...base, type, inputs: inline(params), attributes: {} });
  const asAttributes = (type: string, params: Record<string, Tensor>): MilOperation => ({ ...base, type, inputs: {}, attributes: params });
  switch (spec.kind) {
    case 'linear':
      return ios18
        ? asInputs('constexpr_blockwise_shift_scale', linearShiftScaleParams(weights, shape, spec, dtype, layout))
        : asAttributes('constexpr_affine_dequantize', affineParams(weights, shape, spec, dtype, layout));
    case 'blockwise':
      return asInputs('constexpr_blockwise_shift_scale', blockwiseParams(weights, shape, spec, dtype, layout));
    case 'palettize':
      return ios18 || spec.channelGroupSize
        ? asInputs('constexpr_lut_to_dense', lutParamsIos18(weights, shape, spec, dtype, layout))
        : asAttributes('constexpr_lut_to_dense', lutParamsIos16(weights, shape, spec.nbits, dtype));
    case 'prune':
      return ios18
        ? asInputs('constexpr_sparse_to_dense', sparseParamsIos18(weights, shape, spec.sparsity, dtype))
        : asAttributes('constexpr_sparse_to_dense', sparseParamsIos16(weights, shape, spec.sparsity, dtype));
  }
}

/** A weight's values, decoded to fp32 only when an algorithm needs them (palettizing fp16 works on the bit patterns). */
class WeightValues {
  private decoded: Float32Array | undefined;
  constructor(readonly tensor: Tensor) {}

  get float32(): Float32Array {
    if (!this.decoded) {
      this.decoded = this.tensor.dtype === 'float16' ? float16ArrayToFloat32(this.tensor.data as Uint16Array) : (this.tensor.data as Float32Array);
    }
    return this.decoded;
  }

  /** The same values with `axis` moved to the front. */
  withAxisFirst(shape: readonly number[], axis: number): WeightValues {
    const before = dimsBefore(shape, axis);
    const data = this.tensor.dtype === 'float16' ? swapLeadingDims(this.tensor.data as Uint16Array, before, shape[axis]!) : swapLeadingDims(this.float32, before, shape[axis]!);
    const moved = [shape[axis]!, ...shape.filter((_, i) => i !== axis)];
    return new WeightValues(this.tensor.dtype === 'float16' ? makeTensor('float16', moved, data as Uint16Array) : makeTensor('float32', moved, data as Float32Array));
  }

  palettize(shape: number[], options: PalettizeOptions): Palettized {
    return this.tensor.dtype === 'float16' ? palettizeHalf(this.tensor.data as Uint16Array, shape, options) : palettize(this.float32, shape, options);
  }
}

/** iOS18 constexpr ops take their parameters as inline-bound inputs. */
function inline(params: Record<string, Tensor>): MilOperation['inputs'] {
  const out: MilOperation['inputs'] = {};
  for (const [k, v] of Object.entries(params)) out[k] = [{ kind: 'value', value: v }];
  return out;
}

/** A float tensor in the weight's dtype. */
function floatTensor(values: Float32Array, shape: number[], dtype: FloatDType): Tensor {
  return dtype === 'float16' ? makeTensor('float16', shape, float32ArrayToFloat16(values)) : makeTensor('float32', shape, values);
}

function quantizedTensor(dtype: 'int8' | 'uint8', shape: number[], data: Int8Array | Uint8Array): Tensor {
  return dtype === 'int8' ? makeTensor('int8', shape, data as Int8Array) : makeTensor('uint8', shape, data as Uint8Array);
}

type LinearSpec = Extract<CompressionKind, { kind: 'linear' }>;

function affineParams(weights: WeightValues, shape: number[], spec: LinearSpec, dtype: FloatDType, layout: WeightLayout): Record<string, Tensor> {
  const q = linearQuantization(weights, shape, spec, dtype, layout, false);
  // constexpr_affine_dequantize takes a scalar or a vector along one axis.
  const axis = Math.max(0, q.scaleShape.findIndex((d) => d > 1));
  const vecShape = q.scale.length === 1 ? [] : [q.scale.length];
  return {
    quantized_data: quantizedTensor(spec.dtype, shape, q.data),
    zero_point: quantizedTensor(spec.dtype, vecShape, q.zeroPoint),
    scale: floatTensor(q.scale, vecShape, dtype),
    axis: makeTensor('int32', [], new Int32Array([axis])),
  };
}

/** Per-channel (or per-tensor) linear quantization written as blocks spanning every axis but the channel one. */
function linearShiftScaleParams(weights: WeightValues, shape: number[], spec: LinearSpec, dtype: FloatDType, layout: WeightLayout): Record<string, Tensor> {
  const q = linearQuantization(weights, shape, spec, dtype, layout, true);
  const params: Record<string, Tensor> = {
    data: quantizedTensor(spec.dtype, shape, q.data),
    scale: floatTensor(q.scale, q.scaleShape, dtype),
  };
  // The offset is optional; symmetric int8 has none.
  if (q.zeroPoint.some((z) => z !== 0)) params['offset'] = quantizedTensor(spec.dtype, q.scaleShape, q.zeroPoint);
  return params;
}

/**
 * Quantizes with one scale per output channel. A grouped transposed
 * convolution has its output channels on two axes (group along axis 0, index
 * along axis 1). The iOS18 op can give each true output channel its own scale
 * ([groups, C_out/groups] blocks), tried next to axis 1 alone, the lower error
 * kept: both keep output channels apart. The iOS16 op scales along one axis:
 * axis 1, unless each group has one output channel (depthwise), where axis 0
 * is exactly the output channels. Axes are not chosen by weight error alone:
 * per input channel can have the lower weight error and still give a small
 * output channel a large neighbour's step, which a batch norm after the layer
 * then amplifies.
 */
function linearQuantization(weights: WeightValues, shape: number[], spec: LinearSpec, dtype: FloatDType, layout: WeightLayout, anyBlocks: boolean): BlockQuantizedLinear {
  const options = { dtype: spec.dtype, symmetric: spec.symmetric, scaleDType: dtype };
  const along = (axes: Record<number, number>): number[] => shape.map((_d, i) => (spec.perChannel ? (axes[i] ?? 1) : 1));
  const output = layout.output < shape.length ? layout.output : 0;
  const grouped = spec.perChannel && layout.groups > 1 && shape.length >= 2 && shape[0]! % layout.groups === 0;
  const candidates =
    !grouped ? [along({ [output]: shape[output]! })]
    : shape[1] === 1 ? [along({ 0: shape[0]! })]
    : anyBlocks ? [along({ [output]: shape[output]! }), along({ 0: layout.groups, 1: shape[1]! })]
    : [along({ [output]: shape[output]! })];
  let best: BlockQuantizedLinear | undefined;
  for (const scaleShape of candidates) {
    const q = quantizeBlocks(weights.float32, shape, scaleShape, options);
    if (!best || q.squaredError < best.squaredError) best = q;
  }
  return best!;
}

function blockwiseParams(
  weights: WeightValues,
  shape: number[],
  spec: Extract<CompressionKind, { kind: 'blockwise' }>,
  dtype: FloatDType,
  layout: WeightLayout,
): Record<string, Tensor> {
  const b = quantizeBlockwise(weights.float32, shape, spec.dtype, spec.blockSize, dtype, layout);
  return {
    data: makeTensor(spec.dtype, shape, b.data),
    scale: floatTensor(b.scale, b.scaleShape, dtype),
  };
}

function lutParamsIos16(weights: WeightValues, shape: number[], nbits: PaletteBits, dtype: FloatDType): Record<string, Tensor> {
  const p = weights.palettize(shape, { nbits, lutDType: dtype });
  const packed = nbits === 8 ? p.indices : packSubByte(subByteIndexType(nbits), p.indices);
  return {
    indices: makeTensor('uint8', [packed.length], packed),
    lut: floatTensor(p.lut, [p.lut.length], dtype),
    shape: makeTensor('uint32', [shape.length], Uint32Array.from(shape)),
  };
}

/**
 * Palettes shared by groups of output channels. The channels are grouped on
 * the axis the consuming op keeps them on (a transposed convolution's axis 1),
 * so the weight is palettized with that axis moved to the front and the
 * indices moved back; the LUT is split along that axis.
 */
function lutParamsIos18(
  weights: WeightValues,
  shape: number[],
  spec: Extract<CompressionKind, { kind: 'palettize' }>,
  dtype: FloatDType,
  layout: WeightLayout,
): Record<string, Tensor> {
  const axis = spec.channelGroupSize && layout.output < shape.length ? layout.output : 0;
  const front = axis === 0 ? weights : weights.withAxisFirst(shape, axis);
  const frontShape = [shape[axis]!, ...shape.filter((_, i) => i !== axis)];
  const p = front.palettize(frontShape, { nbits: spec.nbits, channelGroupSize: spec.channelGroupSize, lutDType: dtype });
  const k = 2 ** spec.nbits;
  // LUT rank = indices rank + 2: groups along the channel axis, every other axis shares the table.
  const lutShape = [...shape.map((_, i) => (i === axis ? p.groups : 1)), k, 1];
  return {
    indices: makeTensor(subByteIndexType(spec.nbits), shape, axis === 0 ? p.indices : swapLeadingDims(p.indices, shape[axis]!, dimsBefore(shape, axis))),
    lut: floatTensor(p.lut, lutShape, dtype),
  };
}

/** [a, b, inner…] → [b, a, inner…]: moves an axis to the front (a = the dims before it) or back (b = the dims it goes after). */
function swapLeadingDims<T extends Uint8Array | Uint16Array | Float32Array>(data: T, a: number, b: number): T {
  const inner = data.length / (a * b);
  const out = data.slice() as T;
  for (let i = 0; i < a; i++) {
    for (let j = 0; j < b; j++) out.set(data.subarray((i * b + j) * inner, (i * b + j + 1) * inner), (j * a + i) * inner);
  }
  return out;
}

/** The product of the dims before `axis`. */
const dimsBefore = (shape: readonly number[], axis: number): number => shape.slice(0, axis).reduce((x, d) => x * d, 1);

function subByteIndexType(nbits: PaletteBits): DType {
  const types: Record<PaletteBits, DType> = { 1: 'uint1', 2: 'uint2', 3: 'uint3', 4: 'uint4', 6: 'uint6', 8: 'uint8' };
  return types[nbits];
}

function sparseParamsIos16(weights: WeightValues, shape: number[], sparsity: number, dtype: FloatDType): Record<string, Tensor> {
  const p = pruneByMagnitude(weights.float32, sparsity);
  const mask = packSubByte('uint1', p.mask);
  return {
    nonzero_data: floatTensor(p.nonzero, [p.nonzero.length], dtype),
    mask: makeTensor('uint8', [mask.length], mask),
    shape: makeTensor('uint32', [shape.length], Uint32Array.from(shape)),
  };
}

function sparseParamsIos18(weights: WeightValues, shape: number[], sparsity: number, dtype: FloatDType): Record<string, Tensor> {
  const p = pruneByMagnitude(weights.float32, sparsity);
  return {
    nonzero_data: floatTensor(p.nonzero, [p.nonzero.length], dtype),
    mask: makeTensor('uint1', shape, p.mask),
  };
}
