import type { DType } from '../../tensor/dtype.js';
import type { MilOpDef, TypeRuleInput } from '../catalogue.js';
import type { MilTensorType } from '../ir.js';
import { MilShapeError, requiredType } from './elementwise.js';
import { intParam, stringParam } from './window.js';

/**
 * MIL op definitions for image sampling and detection: resample (iOS15; iOS16
 * allows fp16 coordinates; iOS17 redefines it with the same parameters; every
 * parameter is required) and non_maximum_suppression (iOS15: boxes [n, B, 4],
 * scores [n, B, K], a score threshold and four outputs ending in the count of
 * boxes kept per batch; iOS17: the box axis last, no score threshold and no
 * count).
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

/** The n, B and K of non_maximum_suppression's boxes and scores, checked against each other. */
function nmsDims(input: TypeRuleInput, boxAxis: 1 | 2): { n: number | null; k: number | null; maxBoxes: number } {
  const boxes = requiredType(input, 'boxes');
  const scores = requiredType(input, 'scores');
  if (boxes.shape.length !== 3 || scores.shape.length !== 3) throw new MilShapeError('non_maximum_suppression: boxes and scores must have rank 3');
  const coordAxis = boxAxis === 1 ? 2 : 1;
  if (boxes.shape[coordAxis] !== null && boxes.shape[coordAxis] !== 4) throw new MilShapeError(`non_maximum_suppression: boxes must have 4 coordinates on axis ${coordAxis}, got ${boxes.shape[coordAxis]}`);
  for (const axis of [0, boxAxis]) {
    const [a, b] = [boxes.shape[axis], scores.shape[axis]];
    if (a !== null && a !== undefined && b !== null && b !== undefined && a !== b) throw new MilShapeError(`non_maximum_suppression: boxes and scores differ on axis ${axis} (${a} and ${b})`);
  }
  const maxBoxes = intParam(input, 'max_boxes', 0);
  if (!(maxBoxes >= 1)) throw new MilShapeError(`non_maximum_suppression: max_boxes must be at least 1, got ${maxBoxes}`);
  return { n: scores.shape[0] ?? null, k: scores.shape[coordAxis] ?? null, maxBoxes };
}

const NMS_COMMON_INPUTS = {
  boxes: { type: 'T' },
  scores: { type: 'T' },
  iou_threshold: { type: 'T', const: true },
  max_boxes: { type: ['int32'], const: true },
  per_class_suppression: { type: ['bool'], const: true, optional: true },
} as const;

const nonMaximumSuppressionIOS15: MilOpDef = {
  name: 'non_maximum_suppression',
  since: 'iOS15',
  inputs: { ...NMS_COMMON_INPUTS, score_threshold: { type: 'T', const: true } },
  typeDomains: { T: F },
  outputs: (input) => {
    const { n, k, maxBoxes } = nmsDims(input, 1);
    const dtype = requiredType(input, 'boxes').dtype;
    return [
      { dtype, shape: [n, maxBoxes, 4] },
      { dtype, shape: [n, maxBoxes, k] },
      { dtype: 'int32', shape: [n, maxBoxes] },
      { dtype: 'int32', shape: [n] },
    ];
  },
};

const nonMaximumSuppressionIOS17: MilOpDef = {
  name: 'non_maximum_suppression',
  since: 'iOS17',
  inputs: NMS_COMMON_INPUTS,
  typeDomains: { T: F },
  outputs: (input) => {
    const { n, k, maxBoxes } = nmsDims(input, 2);
    const dtype = requiredType(input, 'boxes').dtype;
    return [
      { dtype, shape: [n, 4, maxBoxes] },
      { dtype, shape: [n, k, maxBoxes] },
      { dtype: 'int32', shape: [n, maxBoxes] },
    ];
  },
};

/** The vision family's MIL op definitions, one entry per op and deployment target that changed it. */
export const visionOpDefs: readonly MilOpDef[] = [
  resampleDef('iOS15', ['int32', 'float32']),
  resampleDef('iOS16', ['int32', 'float16', 'float32']),
  resampleDef('iOS17', ['int32', 'float16', 'float32']),
  nonMaximumSuppressionIOS15,
  nonMaximumSuppressionIOS17,
];
