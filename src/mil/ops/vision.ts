import type { DType } from '../../tensor/dtype.js';
import type { MilOpDef, MilParamDef, TypeRuleInput } from '../catalogue.js';
import type { MilTensorType } from '../ir.js';
import { MilShapeError, requiredType } from './elementwise.js';
import { toNumberList } from '../../tensor/tensor.js';
import { boolParam, intParam, intsParam, stringParam } from './window.js';

/**
 * MIL op definitions for image sampling and detection: crop, crop_resize
 * (iOS15 and iOS16 read rank-5 rois, iOS16 adds pad_value, iOS17 takes boxes
 * [N, 4] and box_indices), affine (iOS15), resample (iOS15; iOS16
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

/** crop: the last two dims lose crop_height = [top, bottom] and crop_width = [left, right]. */
const crop: MilOpDef = {
  name: 'crop',
  since: 'iOS15',
  inputs: { x: { type: 'T' }, crop_height: { type: ['int32'], const: true }, crop_width: { type: ['int32'], const: true } },
  typeDomains: { T: F },
  outputs: (input) => {
    const x = requiredType(input, 'x');
    const rank = x.shape.length;
    if (rank < 3) throw new MilShapeError(`crop: x must have rank 3 or more, got ${rank}`);
    const shape = [...x.shape];
    for (const [param, axis] of [['crop_height', rank - 2], ['crop_width', rank - 1]] as const) {
      const amounts = intsParam(input, param, 0, 0);
      if (amounts.length !== 2) throw new MilShapeError(`crop: ${param} must have 2 elements, got ${amounts.length}`);
      const d = shape[axis]!;
      const left = d === null ? null : d - amounts[0]! - amounts[1]!;
      if (left !== null && left < 0) throw new MilShapeError(`crop: ${param} [${amounts.join(', ')}] is larger than dim ${d}`);
      shape[axis] = left;
    }
    return [{ dtype: x.dtype, shape }];
  },
};

export const CROP_RESIZE_SAMPLING_MODES = ['STRICT_ALIGN_CORNERS', 'ALIGN_CORNERS', 'UNALIGN_CORNERS', 'DEFAULT', 'OFFSET_CORNERS'];
export const CROP_RESIZE_BOX_MODES = ['CORNERS_HEIGHT_FIRST', 'CORNERS_WIDTH_FIRST', 'CENTER_SIZE_HEIGHT_FIRST', 'CENTER_SIZE_WIDTH_FIRST'];

/** crop_resize's x (rank 4), its modes (checked against their defaults when omitted) and target size (1 × 1 by default). */
function cropResizeCommon(input: TypeRuleInput, boxParam: string, boxRank: number): { x: MilTensorType; boxes: MilTensorType; size: [number, number] } {
  const x = requiredType(input, 'x');
  if (x.shape.length !== 4) throw new MilShapeError(`crop_resize: x must have rank 4, got ${x.shape.length}`);
  const boxes = requiredType(input, boxParam);
  if (boxes.shape.length !== boxRank) throw new MilShapeError(`crop_resize: ${boxParam} must have rank ${boxRank}, got ${boxes.shape.length}`);
  const boxMode = stringParam(input, 'box_coordinate_mode', 'CORNERS_HEIGHT_FIRST');
  if (!CROP_RESIZE_BOX_MODES.includes(boxMode)) throw new MilShapeError(`crop_resize: unknown box_coordinate_mode "${boxMode}"`);
  const samplingMode = stringParam(input, 'sampling_mode', 'DEFAULT');
  if (!CROP_RESIZE_SAMPLING_MODES.includes(samplingMode)) throw new MilShapeError(`crop_resize: unknown sampling_mode "${samplingMode}"`);
  return { x, boxes, size: [intParam(input, 'target_height', 1), intParam(input, 'target_width', 1)] };
}

const CROP_RESIZE_OPTIONS = {
  target_height: { type: ['int32'], const: true, optional: true },
  target_width: { type: ['int32'], const: true, optional: true },
  normalized_coordinates: { type: ['bool'], const: true, optional: true },
  spatial_scale: { type: ['float32'], const: true, optional: true },
  box_coordinate_mode: { type: ['string'], const: true, optional: true },
  sampling_mode: { type: ['string'], const: true, optional: true },
} as const;

/** iOS15 (and iOS16, which adds pad_value): roi [N, 1, 4 or 5, 1, 1] gives [N, B, C, target_height, target_width]. */
function cropResizeRoiDef(since: 'iOS15' | 'iOS16'): MilOpDef {
  const padValue: Record<string, MilParamDef> = since === 'iOS16' ? { pad_value: { type: 'T', const: true, optional: true } } : {};
  return {
    name: 'crop_resize',
    since,
    inputs: { x: { type: 'T' }, roi: { type: 'T' }, ...CROP_RESIZE_OPTIONS, ...padValue },
    typeDomains: { T: F },
    outputs: (input) => {
      const { x, boxes, size } = cropResizeCommon(input, 'roi', 5);
      return [{ dtype: x.dtype, shape: [boxes.shape[0]!, x.shape[0]!, x.shape[1]!, ...size] }];
    },
  };
}

/** iOS17: boxes [N, 4] cropped from the batch items box_indices names (0..N−1 by default) give [N, C, target_height, target_width]. */
const cropResizeIOS17: MilOpDef = {
  name: 'crop_resize',
  since: 'iOS17',
  inputs: {
    x: { type: 'T' },
    boxes: { type: 'BOX_T' },
    box_indices: { type: 'BOX_INDEX_T', optional: true },
    ...CROP_RESIZE_OPTIONS,
    pad_value: { type: 'T', const: true, optional: true },
  },
  typeDomains: { T: F, BOX_T: ['float16', 'float32', 'uint16'], BOX_INDEX_T: ['uint16', 'int32'] },
  outputs: (input) => {
    const { x, boxes, size } = cropResizeCommon(input, 'boxes', 2);
    const [n, four] = boxes.shape;
    if (four !== null && four !== 4) throw new MilShapeError(`crop_resize: boxes must have shape [N, 4], got [${boxes.shape.join(', ')}]`);
    const batch = x.shape[0]!;
    const indices = input.type('box_indices');
    if (indices && (indices.shape.length !== 1 || (indices.shape[0] !== null && n !== null && indices.shape[0] !== n))) {
      throw new MilShapeError(`crop_resize: box_indices must have shape [${n ?? '?'}], got [${indices.shape.join(', ')}]`);
    }
    if (!indices && n !== null && batch !== null && n! > batch) throw new MilShapeError(`crop_resize: without box_indices, boxes (${n}) must not outnumber the batch of x (${batch})`);
    const indexValues = input.value('box_indices');
    if (indexValues && batch !== null && toNumberList(indexValues).some((i) => i >= batch)) throw new MilShapeError(`crop_resize: box_indices must be below the batch of x (${batch})`);
    if (boolParam(input, 'normalized_coordinates', false) && !F.includes(boxes.dtype)) throw new MilShapeError('crop_resize: normalized coordinates need fp16 or fp32 boxes');
    return [{ dtype: x.dtype, shape: [n!, x.shape[1]!, ...size] }];
  },
};

/** Requires a string parameter to be `want` (case-insensitive): the only mode affine's definition accepts. */
function onlyMode(input: TypeRuleInput, param: string, want: string): void {
  const got = stringParam(input, param, '');
  if (got.toLowerCase() !== want) throw new MilShapeError(`affine: ${param} "${got}" is not supported; the definition accepts only "${want}"`);
}

/** affine: x [B, C, H, W] sampled through transform_matrix [B, 6] gives [B, C, output_height, output_width]. */
const affine: MilOpDef = {
  name: 'affine',
  since: 'iOS15',
  inputs: {
    x: { type: 'T' },
    transform_matrix: { type: 'T' },
    output_height: { type: ['int32'], const: true },
    output_width: { type: ['int32'], const: true },
    sampling_mode: { type: ['string'], const: true },
    padding_mode: { type: ['string'], const: true },
    padding_value: { type: 'T', const: true },
    coordinates_mode: { type: ['string'], const: true },
    align_corners: { type: ['bool'], const: true },
  },
  typeDomains: { T: F },
  outputs: (input) => {
    const x = requiredType(input, 'x');
    if (x.shape.length !== 4) throw new MilShapeError(`affine: x must have rank 4, got ${x.shape.length}`);
    const matrix = requiredType(input, 'transform_matrix');
    if (matrix.shape.length !== 2) throw new MilShapeError(`affine: transform_matrix must have rank 2, got ${matrix.shape.length}`);
    if (matrix.shape[1] !== null && matrix.shape[1] !== 6) throw new MilShapeError(`affine: transform_matrix must end in 6 values [a0, a1, a2, b0, b1, b2], got ${matrix.shape[1]}`);
    onlyMode(input, 'sampling_mode', 'bilinear');
    onlyMode(input, 'coordinates_mode', 'normalized_minus_one_to_one');
    onlyMode(input, 'padding_mode', 'constant');
    const padValue = input.value('padding_value');
    if (!padValue || toNumberList(padValue)[0] !== 0) throw new MilShapeError('affine: padding_value must be 0');
    return [{ dtype: x.dtype, shape: [x.shape[0]!, x.shape[1]!, intParam(input, 'output_height', 0), intParam(input, 'output_width', 0)] }];
  },
};

/** The vision family's MIL op definitions, one entry per op and deployment target that changed it. */
export const visionOpDefs: readonly MilOpDef[] = [
  resampleDef('iOS15', ['int32', 'float32']),
  resampleDef('iOS16', ['int32', 'float16', 'float32']),
  resampleDef('iOS17', ['int32', 'float16', 'float32']),
  nonMaximumSuppressionIOS15,
  nonMaximumSuppressionIOS17,
  crop,
  cropResizeRoiDef('iOS15'), cropResizeRoiDef('iOS16'), cropResizeIOS17,
  affine,
];
