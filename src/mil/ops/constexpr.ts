import type { DType } from '../../tensor/dtype.js';
import { toNumberList, type Tensor } from '../../tensor/tensor.js';
import type { MilOpDef, TypeRuleInput } from '../catalogue.js';
import type { MilTensorType } from '../ir.js';
import { MilShapeError, requiredType } from './elementwise.js';
import { dtypeFromMilName } from './misc.js';

/**
 * MIL op definitions: constexpr ops, which Core ML evaluates once at load time
 * to decompress weights. Every parameter must be constant. The iOS16
 * definitions store their parameters as op attributes; the iOS18 ones
 * (blockwise shift-scale, the per-group LUT, the uint1-mask sparse form and
 * their sparse-to-sparse forms) take them as inputs, and check them as the
 * iOS18 definitions do. quantize and dequantize (iOS17) live here too, beside
 * the kernels that share their arithmetic: they run on tensors, and only their
 * scale, zero point and axis must be constant.
 */

const SUB_BYTE_UNSIGNED: readonly DType[] = ['uint1', 'uint2', 'uint3', 'uint4', 'uint6', 'uint8'];
const QUANTIZED: readonly DType[] = ['int4', 'uint4', 'int8', 'uint8', 'float16', 'float32'];
const LUT_VALUES: readonly DType[] = ['int8', 'uint8', 'float16', 'float32'];
const FLOATS: readonly DType[] = ['float16', 'float32'];
const NBITS_BY_PALETTE = new Map([[2, 1], [4, 2], [16, 4], [64, 6], [256, 8]]);

function constValue(input: TypeRuleInput, param: string): Tensor {
  const v = input.value(param);
  if (!v) throw new MilShapeError(`parameter "${param}" must be a known constant`);
  return v;
}

function product(shape: readonly (number | null)[]): number {
  return shape.reduce<number>((n, d) => n * (d ?? Number.NaN), 1);
}

const affineDequantizeRule: MilOpDef['outputs'] = (input) => {
  const q = requiredType(input, 'quantized_data');
  const scale = requiredType(input, 'scale');
  const axis = Number(constValue(input, 'axis').data[0]);
  const rank = q.shape.length;
  if (axis < -rank || axis >= rank) throw new MilShapeError(`axis ${axis} is outside rank ${rank}`);
  const channels = q.shape[(axis + rank) % rank];
  for (const p of ['scale', 'zero_point']) {
    const t = requiredType(input, p);
    if (t.shape.length > 1 || (t.shape.length === 1 && t.shape[0] !== channels && t.shape[0] !== 1)) {
      throw new MilShapeError(`${p} must be a scalar or have ${channels} elements along axis ${axis}`);
    }
  }
  return [{ dtype: scale.dtype, shape: [...q.shape] }];
};

/** iOS16 LUT: packed `indices` bytes expand to `shape` using a single palette. */
const lutToDenseIos16Rule: MilOpDef['outputs'] = (input) => {
  const lut = requiredType(input, 'lut');
  const indices = requiredType(input, 'indices');
  const shape = toNumberList(constValue(input, 'shape'));
  const nbits = NBITS_BY_PALETTE.get(lut.shape[0] ?? 0);
  if (lut.shape.length !== 1 || nbits === undefined) {
    throw new MilShapeError(`lut must be 1-D with 2, 4, 16, 64 or 256 entries, got [${lut.shape.join(', ')}]`);
  }
  const bytes = Math.ceil((nbits * product(shape)) / 8);
  if (indices.shape.length !== 1 || indices.shape[0] !== bytes) {
    throw new MilShapeError(`indices must hold ${bytes} bytes for ${nbits}-bit indices of shape [${shape.join(', ')}]`);
  }
  return [{ dtype: lut.dtype, shape }];
};

const sparseToDenseIos16Rule: MilOpDef['outputs'] = (input) => {
  const data = requiredType(input, 'nonzero_data');
  const shape = toNumberList(constValue(input, 'shape'));
  return [{ dtype: data.dtype, shape }];
};

const castRule: MilOpDef['outputs'] = (input) => {
  const src = requiredType(input, 'source_val');
  const name = constValue(input, 'output_dtype').data[0];
  const dtype = typeof name === 'string' ? dtypeFromMilName(name) : undefined;
  if (dtype !== 'float32' && dtype !== 'float16') throw new MilShapeError(`output_dtype "${String(name)}" must be fp16 or fp32`);
  return [{ dtype, shape: [...src.shape] }];
};

/**
 * The shift-scale checks of the iOS18 definitions: data of rank 1 or more, scale of
 * data's rank dividing each of its dims into whole blocks, offset shaped like scale
 * and, unless it is a float, of data's dtype.
 */
function checkShiftScale(input: TypeRuleInput, dataShape: readonly (number | null)[], dataDType: DType): MilTensorType {
  const scale = requiredType(input, 'scale');
  const offset = input.type('offset');
  if (dataShape.length < 1) throw new MilShapeError('data must have rank 1 or more');
  if (scale.shape.length !== dataShape.length) throw new MilShapeError('scale must have the rank of data');
  dataShape.forEach((d, i) => {
    const s = scale.shape[i];
    if (d !== null && s !== null && s !== undefined && (s === 0 || d % s !== 0)) {
      throw new MilShapeError(`data dim ${i} (${d}) is not a multiple of scale dim ${s}`);
    }
  });
  if (offset && offset.shape.join(',') !== scale.shape.join(',')) throw new MilShapeError('offset must have the shape of scale');
  if (offset && !FLOATS.includes(offset.dtype) && offset.dtype !== dataDType) {
    throw new MilShapeError(`an ${offset.dtype} offset must have data's dtype ${dataDType} (only a float offset may differ)`);
  }
  return scale;
}

const blockwiseShiftScaleRule: MilOpDef['outputs'] = (input) => {
  const data = requiredType(input, 'data');
  const scale = checkShiftScale(input, data.shape, data.dtype);
  return [{ dtype: scale.dtype, shape: [...data.shape] }];
};

/**
 * The LUT checks of the iOS18 definitions, returning the output shape: lut is
 * [...group dims, NUM_PALETTES, VECTOR_SIZE] with group dims dividing the index dims,
 * NUM_PALETTES = 2^nbits for uint<nbits> indices, and a scalar vector_axis within the
 * indices' rank, required when VECTOR_SIZE > 1, whose dim the vectors widen.
 */
function lutOutputShape(input: TypeRuleInput, indicesShape: readonly (number | null)[], indicesDType: DType): (number | null)[] {
  const lut = requiredType(input, 'lut');
  const rank = indicesShape.length;
  if (rank < 1) throw new MilShapeError('indices must have rank 1 or more');
  if (lut.shape.length !== rank + 2) throw new MilShapeError(`lut must have rank ${rank + 2} for indices of rank ${rank}`);
  indicesShape.forEach((d, i) => {
    const g = lut.shape[i];
    if (d !== null && g !== null && g !== undefined && (g === 0 || d % g !== 0)) throw new MilShapeError(`indices dim ${i} (${d}) is not a multiple of lut dim ${g}`);
  });
  const palettes = lut.shape[rank];
  const nbits = palettes === null || palettes === undefined ? undefined : Math.log2(palettes);
  if (nbits !== undefined && `uint${nbits}` !== indicesDType) {
    throw new MilShapeError(`a lut of ${palettes} palette entries needs uint<log2 ${palettes}> indices, got ${indicesDType}`);
  }
  const vectorSize = lut.shape[rank + 1] ?? 1;
  const shape = [...indicesShape];
  const axisType = input.type('vector_axis');
  if (axisType && axisType.shape.length !== 0) throw new MilShapeError('vector_axis must be a scalar');
  const axisValue = input.value('vector_axis');
  const axis = axisValue ? Number(axisValue.data[0]) : undefined;
  if (axis !== undefined && (axis < -rank || axis >= rank)) throw new MilShapeError(`vector_axis ${axis} is outside rank ${rank}`);
  if (vectorSize !== 1) {
    if (axis === undefined) throw new MilShapeError('vector_axis is required when VECTOR_SIZE > 1');
    const dim = shape[(axis + rank) % rank];
    shape[(axis + rank) % rank] = dim === null || dim === undefined || vectorSize === null ? null : dim * vectorSize;
  }
  return shape;
}

/** iOS18 LUT: lut is [...group dims, NUM_PALETTES, VECTOR_SIZE]; vector palettes widen `vector_axis`. */
const lutToDenseIos18Rule: MilOpDef['outputs'] = (input) => {
  const indices = requiredType(input, 'indices');
  return [{ dtype: requiredType(input, 'lut').dtype, shape: lutOutputShape(input, indices.shape, indices.dtype) }];
};

/** The sparse checks of the iOS18 definitions: nonzero values of rank 1, as many as the mask sets when both are known. */
function checkSparse(input: TypeRuleInput, valuesParam: string, maskParam: string): MilTensorType {
  const data = requiredType(input, valuesParam);
  if (data.shape.length !== 1) throw new MilShapeError(`${valuesParam} must have rank 1`);
  const mask = input.value(maskParam);
  if (mask && data.shape[0] !== null) {
    let set = 0;
    for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) set++;
    if (set !== data.shape[0]) throw new MilShapeError(`${maskParam} sets ${set} positions for ${data.shape[0]} values in ${valuesParam}`);
  }
  return data;
}

/** Outputs (mask widened along vector_axis, de-palettized values in the order of that mask). */
const lutToSparseRule: MilOpDef['outputs'] = (input) => {
  const indices = checkSparse(input, 'indices_nonzero_data', 'indices_mask');
  const mask = requiredType(input, 'indices_mask');
  const lut = requiredType(input, 'lut');
  const vectorSize = lut.shape[lut.shape.length - 1] ?? null;
  const count = indices.shape[0] ?? null;
  return [
    { dtype: 'uint1', shape: lutOutputShape(input, mask.shape, indices.dtype) },
    { dtype: lut.dtype, shape: [count === null || vectorSize === null ? null : count * vectorSize] },
  ];
};

/** Outputs (the mask, the nonzero values shifted and scaled by the blocks they sit in). */
const sparseBlockwiseShiftScaleRule: MilOpDef['outputs'] = (input) => {
  const data = checkSparse(input, 'nonzero_data', 'data_mask');
  const mask = requiredType(input, 'data_mask');
  const scale = checkShiftScale(input, mask.shape, data.dtype);
  return [{ dtype: 'uint1', shape: [...mask.shape] }, { dtype: scale.dtype, shape: [...data.shape] }];
};

const sparseToDenseIos18Rule: MilOpDef['outputs'] = (input) => {
  const data = checkSparse(input, 'nonzero_data', 'mask');
  const mask = requiredType(input, 'mask');
  return [{ dtype: data.dtype, shape: [...mask.shape] } satisfies MilTensorType];
};

/**
 * quantize / dequantize (iOS17) take a per-tensor scalar scale (and zero point)
 * with no axis, or a vector of input.shape[axis] entries with one.
 */
function checkQuantizationParams(input: TypeRuleInput, op: string): MilTensorType {
  const data = requiredType(input, 'input');
  const scale = requiredType(input, 'scale');
  const zeroPoint = input.type('zero_point');
  const axis = input.value('axis');
  if (scale.shape.length === 0) {
    if (axis) throw new MilShapeError(`${op}: axis must be omitted when scale is a scalar`);
    if (zeroPoint && zeroPoint.shape.length !== 0) throw new MilShapeError(`${op}: zero_point must be a scalar when scale is`);
    return data;
  }
  if (scale.shape.length !== 1) throw new MilShapeError(`${op}: scale and zero_point must be scalars or vectors, scale has rank ${scale.shape.length}`);
  if (!axis) throw new MilShapeError(`${op}: a vector scale needs an axis`);
  const rank = data.shape.length;
  const a = Number(axis.data[0]);
  if (a < -rank || a >= rank) throw new MilShapeError(`${op}: axis ${a} is outside rank ${rank}`);
  const channels = data.shape[(a + rank) % rank];
  for (const [param, t] of [['scale', scale], ['zero_point', zeroPoint]] as const) {
    if (!t) continue;
    if (t.shape.length !== 1) throw new MilShapeError(`${op}: zero_point must be a vector when scale is`);
    if (channels !== null && channels !== undefined && t.shape[0] !== null && t.shape[0] !== channels) {
      throw new MilShapeError(`${op}: ${param} has ${t.shape[0]} entries but input has ${channels} along axis ${a}`);
    }
  }
  return data;
}

const QUANTIZED_8: readonly DType[] = ['uint8', 'int8'];

/** quantize: clip(round(input / scale) + zero_point) in output_dtype, which zero_point's dtype must match. */
const quantizeRule: MilOpDef['outputs'] = (input) => {
  const name = constValue(input, 'output_dtype').data[0];
  const dtype = typeof name === 'string' ? dtypeFromMilName(name) : undefined;
  if (!dtype || !QUANTIZED_8.includes(dtype)) throw new MilShapeError(`quantize: output_dtype "${String(name)}" is not uint8 or int8`);
  const zeroPoint = input.type('zero_point');
  if (zeroPoint && zeroPoint.dtype !== dtype) throw new MilShapeError(`quantize: zero_point is ${zeroPoint.dtype} but output_dtype is ${dtype}`);
  const scale = input.value('scale');
  if (scale && toNumberList(scale).every((v) => v === 0)) throw new MilShapeError('quantize: scale cannot be 0');
  return [{ dtype, shape: [...checkQuantizationParams(input, 'quantize').shape] }];
};

/** dequantize: scale · (input − zero_point), in scale's dtype. */
const dequantizeRule: MilOpDef['outputs'] = (input) => {
  const data = checkQuantizationParams(input, 'dequantize');
  return [{ dtype: requiredType(input, 'scale').dtype, shape: [...data.shape] }];
};

const C = { const: true } as const;

/** The constexpr family's MIL op definitions, one entry per op and deployment target that changed it. */
export const constexprOpDefs: readonly MilOpDef[] = [
  {
    name: 'constexpr_affine_dequantize',
    since: 'iOS16',
    paramsAsAttributes: true,
    inputs: {
      quantized_data: { type: ['int8', 'uint8'], ...C },
      zero_point: { type: ['int8', 'uint8', 'float32'], ...C },
      scale: { type: ['float16', 'float32'], ...C },
      axis: { type: ['int32'], ...C },
    },
    outputs: affineDequantizeRule,
  },
  {
    name: 'constexpr_cast',
    since: 'iOS16',
    paramsAsAttributes: true,
    inputs: { source_val: { type: ['float16'], ...C }, output_dtype: { type: ['string'], ...C } },
    outputs: castRule,
  },
  {
    name: 'constexpr_cast',
    since: 'iOS18',
    inputs: { source_val: { type: ['float16'], ...C }, output_dtype: { type: ['string'], ...C } },
    outputs: castRule,
  },
  {
    name: 'constexpr_lut_to_dense',
    since: 'iOS16',
    paramsAsAttributes: true,
    inputs: { indices: { type: ['uint8'], ...C }, lut: { type: LUT_VALUES, ...C }, shape: { type: ['uint32'], ...C } },
    outputs: lutToDenseIos16Rule,
  },
  {
    name: 'constexpr_lut_to_dense',
    since: 'iOS18',
    inputs: {
      indices: { type: SUB_BYTE_UNSIGNED, ...C },
      lut: { type: LUT_VALUES, ...C },
      vector_axis: { type: ['int32'], optional: true, ...C },
    },
    outputs: lutToDenseIos18Rule,
  },
  {
    name: 'constexpr_sparse_to_dense',
    since: 'iOS16',
    paramsAsAttributes: true,
    inputs: {
      nonzero_data: { type: LUT_VALUES, ...C },
      mask: { type: ['uint8'], ...C },
      shape: { type: ['uint32'], ...C },
    },
    outputs: sparseToDenseIos16Rule,
  },
  {
    name: 'constexpr_sparse_to_dense',
    since: 'iOS18',
    inputs: { nonzero_data: { type: QUANTIZED, ...C }, mask: { type: ['uint1'], ...C } },
    outputs: sparseToDenseIos18Rule,
  },
  {
    name: 'constexpr_blockwise_shift_scale',
    since: 'iOS18',
    inputs: {
      data: { type: QUANTIZED, ...C },
      scale: { type: FLOATS, ...C },
      offset: { type: QUANTIZED, optional: true, ...C },
    },
    outputs: blockwiseShiftScaleRule,
  },
  {
    name: 'constexpr_lut_to_sparse',
    since: 'iOS18',
    inputs: {
      indices_mask: { type: ['uint1'], ...C },
      indices_nonzero_data: { type: SUB_BYTE_UNSIGNED, ...C },
      lut: { type: LUT_VALUES, ...C },
      vector_axis: { type: ['int32'], optional: true, ...C },
    },
    outputs: lutToSparseRule,
  },
  {
    name: 'constexpr_sparse_blockwise_shift_scale',
    since: 'iOS18',
    inputs: {
      data_mask: { type: ['uint1'], ...C },
      nonzero_data: { type: QUANTIZED, ...C },
      scale: { type: FLOATS, ...C },
      offset: { type: QUANTIZED, optional: true, ...C },
    },
    outputs: sparseBlockwiseShiftScaleRule,
  },
  {
    name: 'quantize',
    since: 'iOS17',
    inputs: {
      input: { type: 'SrcT' },
      zero_point: { type: 'DstT', optional: true, ...C },
      scale: { type: 'SrcT', ...C },
      axis: { type: ['int32'], optional: true, ...C },
      output_dtype: { type: ['string'], ...C },
    },
    typeDomains: { SrcT: FLOATS, DstT: QUANTIZED_8 },
    outputs: quantizeRule,
  },
  {
    name: 'dequantize',
    since: 'iOS17',
    inputs: {
      input: { type: 'SrcT' },
      zero_point: { type: 'SrcT', optional: true, ...C },
      scale: { type: 'DstT', ...C },
      axis: { type: ['int32'], optional: true, ...C },
    },
    typeDomains: { SrcT: QUANTIZED_8, DstT: FLOATS },
    outputs: dequantizeRule,
  },
];
