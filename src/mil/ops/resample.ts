import type { DType } from '../../tensor/dtype.js';
import { toNumberList } from '../../tensor/tensor.js';
import type { MilOpDef, TypeRuleInput } from '../catalogue.js';
import type { MilTensorType } from '../ir.js';
import { stringParam } from './window.js';

/**
 * MIL op definitions for spatial resampling: upsample_nearest_neighbor, upsample_bilinear (iOS16 adds half_pixel_centers),
 * resize_nearest_neighbor, resize_bilinear, and iOS17's generic resize.
 */

const F: readonly DType[] = ['float16', 'float32'];
export const SAMPLING_MODES = ['STRICT_ALIGN_CORNERS', 'ALIGN_CORNERS', 'DEFAULT', 'OFFSET_CORNERS', 'UNALIGN_CORNERS'];

function needX(input: TypeRuleInput, op: string, minRank: number): MilTensorType {
  const x = input.type('x');
  if (!x) throw new Error(`${op}: missing x`);
  if (x.shape.length < minRank) throw new Error(`${op}: x must have rank >= ${minRank}`);
  return x;
}

function scalarParam(input: TypeRuleInput, param: string, fallback: number): number {
  const v = input.value(param);
  return v ? toNumberList(v)[0]! : fallback;
}

/** Output of the upsample_* ops: floor(in * scale) on the last two dims. */
function upsampleOutputs(op: string) {
  return (input: TypeRuleInput): MilTensorType[] => {
    const x = needX(input, op, 3);
    const scales = [scalarParam(input, 'scale_factor_height', 1), scalarParam(input, 'scale_factor_width', 1)];
    const shape = [...x.shape];
    for (let i = 0; i < 2; i++) {
      const axis = shape.length - 2 + i;
      const d = shape[axis];
      shape[axis] = d === null || d === undefined ? null : Math.floor(d * scales[i]!);
    }
    return [{ dtype: x.dtype, shape }];
  };
}

/** Output of the resize_* ops: the last two dims become the target sizes. */
function resizeToTargetOutputs(op: string, checkMode: boolean) {
  return (input: TypeRuleInput): MilTensorType[] => {
    const x = needX(input, op, 3);
    if (checkMode) {
      const mode = stringParam(input, 'sampling_mode', 'DEFAULT');
      if (!SAMPLING_MODES.includes(mode)) throw new Error(`${op}: unknown sampling_mode "${mode}"`);
    }
    const shape = [...x.shape];
    shape[shape.length - 2] = scalarParam(input, 'target_size_height', 1);
    shape[shape.length - 1] = scalarParam(input, 'target_size_width', 1);
    return [{ dtype: x.dtype, shape }];
  };
}

function resizeOutputs(input: TypeRuleInput): MilTensorType[] {
  const x = needX(input, 'resize', 1);
  const resizedDims = scalarParam(input, 'resized_dims', 0);
  const shapeType = input.type('shape');
  if (!shapeType || shapeType.shape.length !== 1) throw new Error('resize: shape must be 1-D');
  const k = shapeType.shape[0];
  if (k !== null && (k > x.shape.length || resizedDims > k)) throw new Error('resize: needs resized_dims <= size(shape) <= rank(x)');
  const mode = stringParam(input, 'sampling_mode', 'DEFAULT');
  if (!SAMPLING_MODES.includes(mode)) throw new Error(`resize: unknown sampling_mode "${mode}"`);
  const interp = stringParam(input, 'interpolation_mode', 'LINEAR');
  if (interp !== 'LINEAR' && interp !== 'NEAREST_NEIGHBOR') throw new Error(`resize: unknown interpolation_mode "${interp}"`);
  const shapeValue = input.value('shape');
  const target = shapeValue ? toNumberList(shapeValue) : undefined;
  const rank = x.shape.length;
  const shape = x.shape.map((d, i) => {
    if (i < rank - resizedDims) return d;
    if (!target) return null;
    const t = target[target.length - (rank - i)]!;
    return t === 0 ? d : t;
  });
  return [{ dtype: x.dtype, shape }];
}

const upsampleBilinear15: MilOpDef = {
  name: 'upsample_bilinear',
  since: 'iOS15',
  inputs: {
    x: { type: 'T' },
    scale_factor_height: { type: 'U', optional: true, const: true },
    scale_factor_width: { type: 'U', optional: true, const: true },
    align_corners: { type: ['bool'], optional: true, const: true },
  },
  typeDomains: { T: F, U: ['int32', 'float32'] },
  outputs: upsampleOutputs('upsample_bilinear'),
};

/** The resample family's MIL op definitions, one entry per op and deployment target that changed it. */
export const resampleOpDefs: readonly MilOpDef[] = [
  {
    name: 'upsample_nearest_neighbor',
    since: 'iOS15',
    inputs: {
      x: { type: 'T' },
      scale_factor_height: { type: 'U', optional: true, const: true },
      scale_factor_width: { type: 'U', optional: true, const: true },
    },
    typeDomains: { T: F, U: ['float32', 'int32'] },
    outputs: upsampleOutputs('upsample_nearest_neighbor'),
  },
  upsampleBilinear15,
  {
    ...upsampleBilinear15,
    since: 'iOS16',
    inputs: { ...upsampleBilinear15.inputs, half_pixel_centers: { type: ['bool'], optional: true, const: true } },
  },
  {
    name: 'resize_nearest_neighbor',
    since: 'iOS15',
    inputs: {
      x: { type: 'T' },
      target_size_height: { type: ['int32'], const: true },
      target_size_width: { type: ['int32'], const: true },
    },
    typeDomains: { T: F },
    outputs: resizeToTargetOutputs('resize_nearest_neighbor', false),
  },
  {
    name: 'resize_bilinear',
    since: 'iOS15',
    inputs: {
      x: { type: 'T' },
      target_size_height: { type: ['int32'], optional: true, const: true },
      target_size_width: { type: ['int32'], optional: true, const: true },
      sampling_mode: { type: ['string'], optional: true, const: true },
    },
    typeDomains: { T: F },
    outputs: resizeToTargetOutputs('resize_bilinear', true),
  },
  {
    name: 'resize',
    since: 'iOS17',
    inputs: {
      x: { type: 'T' },
      shape: { type: 'U' },
      resized_dims: { type: ['uint32'], const: true },
      interpolation_mode: { type: ['string'], optional: true, const: true },
      sampling_mode: { type: ['string'], optional: true, const: true },
    },
    typeDomains: { T: ['float16', 'float32', 'int32'], U: ['int32', 'int16', 'uint16', 'uint32'] },
    outputs: resizeOutputs,
  },
];
