import type { DType } from '../../tensor/dtype.js';
import { toNumberList } from '../../tensor/tensor.js';
import type { MilOpDef, TypeRuleInput } from '../catalogue.js';
import type { MilTensorType } from '../ir.js';
import { DOMAIN_F, MilShapeError, requiredType } from './elementwise.js';
import { DOMAIN_X17 } from './misc.js';
import { sliceByIndexShape } from './shape.js';
import { divDim, rank4 } from './space.js';
import { intParam } from './window.js';

/**
 * MIL definitions of the rearrange family: space_to_batch and batch_to_space
 * (iOS15, two spatial dims), pixel_unshuffle (iOS16), sliding_windows (iOS15;
 * iOS17 widens the dtypes) and slice_update (iOS18). Shapes follow the type
 * inference of Apple's op definitions.
 */

type Dim = number | null;
const INT32: readonly DType[] = ['int32'];
const INDEX_17: readonly DType[] = ['int8', 'int16', 'int32'];

/** block_shape [2] and its per-dim pairs ([2, 2] paddings or crops), both known constants. */
function blockAndPairs(input: TypeRuleInput, op: string, pairsParam: string): { block: number[]; pairs: number[] } {
  const [blockValue, pairsValue] = [input.value('block_shape'), input.value(pairsParam)];
  if (!blockValue || !pairsValue) throw new MilShapeError(`${op}: block_shape and ${pairsParam} must be constants`);
  if (blockValue.shape.length !== 1 || blockValue.shape[0] !== 2) throw new MilShapeError(`${op}: block_shape must have shape [2] (two spatial dims), got [${blockValue.shape.join(', ')}]`);
  if (pairsValue.shape.length !== 2 || pairsValue.shape[0] !== 2 || pairsValue.shape[1] !== 2) {
    throw new MilShapeError(`${op}: ${pairsParam} must have shape [2, 2], got [${pairsValue.shape.join(', ')}]`);
  }
  const block = toNumberList(blockValue);
  if (block.some((b) => b < 1)) throw new MilShapeError(`${op}: block_shape must be positive, got [${block.join(', ')}]`);
  return { block, pairs: toNumberList(pairsValue) };
}

const spaceToBatch: MilOpDef = {
  name: 'space_to_batch',
  since: 'iOS15',
  inputs: { x: { type: 'T' }, block_shape: { type: INT32, const: true }, paddings: { type: INT32, const: true } },
  typeDomains: { T: DOMAIN_F },
  outputs: (input) => {
    const [b, c, h, w] = rank4(input, 'space_to_batch');
    const { block, pairs } = blockAndPairs(input, 'space_to_batch', 'paddings');
    const padded = [h, w].map((d, i) => (d === null ? null : d + pairs[2 * i]! + pairs[2 * i + 1]!));
    const spatial = padded.map((d, i) => divDim(d, block[i]!, 'space_to_batch', `padded spatial dim ${i}`));
    return [{ dtype: requiredType(input, 'x').dtype, shape: [b === null ? null : b * block[0]! * block[1]!, c, ...spatial] }];
  },
};

const batchToSpace: MilOpDef = {
  name: 'batch_to_space',
  since: 'iOS15',
  inputs: { x: { type: 'T' }, block_shape: { type: INT32, const: true }, crops: { type: INT32, const: true } },
  typeDomains: { T: DOMAIN_F },
  outputs: (input) => {
    const [b, c, h, w] = rank4(input, 'batch_to_space');
    const { block, pairs } = blockAndPairs(input, 'batch_to_space', 'crops');
    const spatial = [h, w].map((d, i) => (d === null ? null : d * block[i]! - pairs[2 * i]! - pairs[2 * i + 1]!));
    if (spatial.some((d) => d !== null && d < 0)) throw new MilShapeError('batch_to_space: crops are larger than the spatial dims');
    return [{ dtype: requiredType(input, 'x').dtype, shape: [divDim(b, block[0]! * block[1]!, 'batch_to_space', 'batch'), c, ...spatial] }];
  },
};

/** [n, C, H, W] → [n, C·f², H/f, W/f]. */
const pixelUnshuffle: MilOpDef = {
  name: 'pixel_unshuffle',
  since: 'iOS16',
  inputs: { x: { type: 'T' }, downscale_factor: { type: ['uint32'], const: true } },
  typeDomains: { T: DOMAIN_F },
  outputs: (input) => {
    const [n, c, h, w] = rank4(input, 'pixel_unshuffle');
    const f = intParam(input, 'downscale_factor', 0);
    if (f < 1) throw new MilShapeError(`pixel_unshuffle: downscale_factor must be positive, got ${f}`);
    const shape = [n, c === null ? null : c * f * f, divDim(h, f, 'pixel_unshuffle', 'height'), divDim(w, f, 'pixel_unshuffle', 'width')];
    return [{ dtype: requiredType(input, 'x').dtype, shape }];
  },
};

/** Windows of `size` every `stride` along axis: that dim becomes the window count, and a dim of `size` follows it. */
function slidingWindowsDef(since: 'iOS15' | 'iOS17'): MilOpDef {
  return {
    name: 'sliding_windows',
    since,
    inputs: {
      x: { type: 'T' },
      axis: { type: INT32, const: true },
      size: { type: INT32, const: true },
      stride: { type: INT32, const: true, optional: true },
    },
    typeDomains: { T: since === 'iOS17' ? DOMAIN_X17 : ['float16', 'float32', 'int32'] },
    outputs: (input) => {
      const x = requiredType(input, 'x');
      const rank = x.shape.length;
      const rawAxis = intParam(input, 'axis', 0);
      const axis = rawAxis < 0 ? rawAxis + rank : rawAxis;
      if (axis < 0 || axis >= rank) throw new MilShapeError(`sliding_windows: axis ${rawAxis} is out of range for rank ${rank}`);
      const [size, stride] = [intParam(input, 'size', 0), intParam(input, 'stride', 1)];
      if (size < 1 || stride < 1) throw new MilShapeError(`sliding_windows: size and stride must be positive, got ${size} and ${stride}`);
      const d = x.shape[axis]!;
      if (d !== null && d < size) throw new MilShapeError(`sliding_windows: window size ${size} exceeds dim ${d}`);
      const shape = [...x.shape];
      shape.splice(axis, 1, d === null ? null : Math.floor((d - size) / stride) + 1, size);
      return [{ dtype: x.dtype, shape }];
    },
  };
}

/** Equal length, and equal sizes wherever both sides know them. */
function sameKnownShape(a: readonly Dim[], b: readonly Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => d === null || b[i] === null || d === b[i]);
}

/** x with the slice that slice_by_index would read replaced by update; the update must have that slice's shape. */
const sliceUpdate: MilOpDef = {
  name: 'slice_update',
  since: 'iOS18',
  inputs: {
    x: { type: 'T' },
    update: { type: 'T' },
    begin: { type: 'U' },
    end: { type: 'U' },
    stride: { type: 'U', const: true, optional: true },
    begin_mask: { type: ['bool'], const: true, optional: true },
    end_mask: { type: ['bool'], const: true, optional: true },
    squeeze_mask: { type: ['bool'], const: true, optional: true },
  },
  typeDomains: { T: DOMAIN_X17, U: INDEX_17 },
  outputs: (input): MilTensorType[] => {
    const x = requiredType(input, 'x');
    const update = requiredType(input, 'update');
    if (update.shape.length === 0) throw new MilShapeError('slice_update: update must not be a scalar');
    const [slice] = sliceByIndexShape(input);
    if (!sameKnownShape(slice!.shape, update.shape)) {
      throw new MilShapeError(`slice_update: update has shape [${update.shape.join(', ')}] but the slice has [${slice!.shape.map((d) => d ?? '?').join(', ')}]`);
    }
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  },
};

/** The rearrange family's MIL op definitions, one entry per op and deployment target that changed it. */
export const rearrangeOpDefs: readonly MilOpDef[] = [
  spaceToBatch, batchToSpace, pixelUnshuffle,
  slidingWindowsDef('iOS15'), slidingWindowsDef('iOS17'),
  sliceUpdate,
];
