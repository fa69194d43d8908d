import type { DType } from '../../tensor/dtype.js';
import type { MilOpDef, TypeRuleInput } from '../catalogue.js';
import type { MilTensorType } from '../ir.js';
import { MilShapeError } from './elementwise.js';
import { stringParam } from './window.js';

/**
 * MIL op definitions for image sampling: resample (iOS15; iOS16 allows fp16
 * coordinates; iOS17 redefines it with the same parameters). Every parameter
 * of resample is required.
 */

const F: readonly DType[] = ['float16', 'float32'];
export const RESAMPLE_SAMPLING_MODES = ['bilinear', 'nearest'];
export const RESAMPLE_PADDING_MODES = ['constant', 'border', 'reflection', 'symmetric'];
export const RESAMPLE_COORDINATE_MODES = ['unnormalized', 'normalized_minus_one_to_one', 'normalized_zero_to_one'];

function rank4(input: TypeRuleInput, param: string): MilTensorType {
  const t = input.type(param);
  if (!t) throw new MilShapeError(`resample: missing ${param}`);
  if (t.shape.length !== 4) throw new MilShapeError(`resample: ${param} must have rank 4, got ${t.shape.length}`);
  return t;
}

function oneOf(input: TypeRuleInput, param: string, allowed: readonly string[]): void {
  const v = stringParam(input, param, '');
  if (!allowed.includes(v)) throw new MilShapeError(`resample: ${param} must be one of ${allowed.join(', ')}, got "${v}"`);
}

/** [B, C, H1, W1] sampled at coordinates [B, H2, W2, 2] gives [B, C, H2, W2]. */
function resampleOutputs(input: TypeRuleInput): MilTensorType[] {
  const x = rank4(input, 'x');
  const coords = rank4(input, 'coordinates');
  const [xb, c] = x.shape;
  const [cb, h2, w2, two] = coords.shape;
  if (xb !== null && cb !== null && xb !== cb) throw new MilShapeError(`resample: batch ${xb} of x differs from batch ${cb} of coordinates`);
  if (two !== null && two !== 2) throw new MilShapeError(`resample: the last dim of coordinates must be 2, got ${two}`);
  oneOf(input, 'sampling_mode', RESAMPLE_SAMPLING_MODES);
  oneOf(input, 'padding_mode', RESAMPLE_PADDING_MODES);
  oneOf(input, 'coordinates_mode', RESAMPLE_COORDINATE_MODES);
  return [{ dtype: x.dtype, shape: [xb ?? cb ?? null, c ?? null, h2 ?? null, w2 ?? null] }];
}

function resampleDef(since: 'iOS15' | 'iOS16' | 'iOS17', coordinateTypes: readonly DType[]): MilOpDef {
  return {
    name: 'resample',
    since,
    inputs: {
      x: { type: 'T' },
      coordinates: { type: 'U' },
      sampling_mode: { type: ['string'], const: true },
      padding_mode: { type: ['string'], const: true },
      padding_value: { type: 'T', const: true },
      coordinates_mode: { type: ['string'], const: true },
      align_corners: { type: ['bool'], const: true },
    },
    typeDomains: { T: F, U: coordinateTypes },
    outputs: resampleOutputs,
  };
}

/** The vision family's MIL op definitions, one entry per op and deployment target that changed it. */
export const visionOpDefs: readonly MilOpDef[] = [
  resampleDef('iOS15', ['int32', 'float32']),
  resampleDef('iOS16', ['int32', 'float16', 'float32']),
  resampleDef('iOS17', ['int32', 'float16', 'float32']),
];
