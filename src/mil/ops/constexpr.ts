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
 * (blockwise shift-scale, the per-group LUT, the uint1-mask sparse form) take
 * them as inputs.
 */

const SUB_BYTE_UNSIGNED: readonly DType[] = ['uint1', 'uint2', 'uint3', 'uint4', 'uint6', 'uint8'];
const QUANTIZED: readonly DType[] = ['int4', 'uint4', 'int8', 'uint8', 'float16', 'float32'];
const LUT_VALUES: readonly DType[] = ['int8', 'uint8', 'float16', 'float32'];
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

/** scale (and offset) have data's rank; each data dim is a whole number of blocks. */
const blockwiseShiftScaleRule: MilOpDef['outputs'] = (input) => {
  const data = requiredType(input, 'data');
  const scale = requiredType(input, 'scale');
  const offset = input.type('offset');
  if (scale.shape.length !== data.shape.length) throw new MilShapeError('scale must have the rank of data');
  data.shape.forEach((d, i) => {
    const s = scale.shape[i];
    if (d !== null && s !== null && s !== undefined && (s === 0 || d % s !== 0)) {
      throw new MilShapeError(`data dim ${i} (${d}) is not a multiple of scale dim ${s}`);
    }
  });
  if (offset && offset.shape.join(',') !== scale.shape.join(',')) throw new MilShapeError('offset must have the shape of scale');
  return [{ dtype: scale.dtype, shape: [...data.shape] }];
};

/** iOS18 LUT: lut is [...group dims, NUM_PALETTES, VECTOR_SIZE]; vector palettes widen `vector_axis`. */
const lutToDenseIos18Rule: MilOpDef['outputs'] = (input) => {
  const indices = requiredType(input, 'indices');
  const lut = requiredType(input, 'lut');
  const rank = indices.shape.length;
  if (lut.shape.length !== rank + 2) throw new MilShapeError(`lut must have rank ${rank + 2} for indices of rank ${rank}`);
  const vectorSize = lut.shape[rank + 1] ?? 1;
  const shape = [...indices.shape];
  if (vectorSize !== 1) {
    const axisValue = input.value('vector_axis');
    if (!axisValue) throw new MilShapeError('vector_axis is required when VECTOR_SIZE > 1');
    const axis = (Number(axisValue.data[0]) + rank) % rank;
    const dim = shape[axis];
    shape[axis] = dim === null || dim === undefined || vectorSize === null ? null : dim * vectorSize;
  }
  return [{ dtype: lut.dtype, shape }];
};

const sparseToDenseIos18Rule: MilOpDef['outputs'] = (input) => {
  const data = requiredType(input, 'nonzero_data');
  const mask = requiredType(input, 'mask');
  return [{ dtype: data.dtype, shape: [...mask.shape] } satisfies MilTensorType];
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
      scale: { type: ['float16', 'float32'], ...C },
      offset: { type: QUANTIZED, optional: true, ...C },
    },
    outputs: blockwiseShiftScaleRule,
  },
];
