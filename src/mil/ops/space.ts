import type { DType } from '../../tensor/dtype.js';
import type { MilOpDef, MilParamDef, TypeRuleInput } from '../catalogue.js';
import { DOMAIN_F, DOMAIN_FIB, MilShapeError, requiredType, sameTypeAs } from './elementwise.js';
import { intParam } from './window.js';

/**
 * MIL definitions of the space family: band_part, reverse_sequence (iOS17:
 * more dtypes and 8/16-bit lengths), and the rank-4 space/depth shuffles
 * depth_to_space, space_to_depth and pixel_shuffle.
 */

const constInt: MilParamDef = { type: ['int32'], const: true, optional: true };

const T_SMALL_INTS: readonly DType[] = ['float16', 'float32', 'int8', 'int16', 'int32', 'uint8', 'uint16'];

const bandPart: MilOpDef = {
  name: 'band_part',
  since: 'iOS15',
  inputs: { x: { type: 'T' }, lower: constInt, upper: constInt },
  typeDomains: { T: DOMAIN_FIB },
  outputs: (input) => {
    if (requiredType(input, 'x').shape.length < 2) throw new MilShapeError('band_part: x must have rank >= 2');
    return sameTypeAs('x')(input);
  },
};

function reverseSequenceDef(since: 'iOS15' | 'iOS17'): MilOpDef {
  return {
    name: 'reverse_sequence',
    since,
    inputs: { x: { type: 'T' }, lengths: { type: since === 'iOS17' ? 'U' : ['int32'] }, seq_axis: constInt, batch_axis: constInt },
    typeDomains: since === 'iOS17' ? { T: [...T_SMALL_INTS, 'bool'], U: ['int8', 'int16', 'int32'] } : { T: DOMAIN_FIB },
    outputs: (input) => {
      const rank = requiredType(input, 'x').shape.length;
      for (const p of ['seq_axis', 'batch_axis']) {
        const v = intParam(input, p, 0);
        if (v < -rank || v >= rank) throw new MilShapeError(`reverse_sequence: ${p} ${v} is out of range for rank ${rank}`);
      }
      return sameTypeAs('x')(input);
    },
  };
}

type Rank4 = [number | null, number | null, number | null, number | null];

/** x's four dims (the space and rearrange families' image ops take rank 4 only). */
export function rank4(input: TypeRuleInput, op: string): Rank4 {
  const shape = requiredType(input, 'x').shape;
  if (shape.length !== 4) throw new MilShapeError(`${op}: x must have rank 4, got ${shape.length}`);
  return shape as Rank4;
}

const mulDim = (d: number | null, f: number): number | null => (d === null ? null : d * f);

export function divDim(d: number | null, f: number, op: string, what: string): number | null {
  if (d === null) return null;
  if (d % f !== 0) throw new MilShapeError(`${op}: ${what} ${d} is not divisible by ${f}`);
  return d / f;
}

/** depth_to_space and pixel_shuffle: [n, C, H, W] → [n, C/b², H·b, W·b]. */
function toSpaceDef(name: string, factor: string): MilOpDef {
  return {
    name,
    since: 'iOS15',
    inputs: { x: { type: 'T' }, [factor]: { type: ['int32'], const: true } },
    typeDomains: { T: DOMAIN_F },
    outputs: (input) => {
      const [n, c, h, w] = rank4(input, name);
      const b = intParam(input, factor, 0);
      if (b < 1) throw new MilShapeError(`${name}: ${factor} must be positive, got ${b}`);
      return [{ dtype: requiredType(input, 'x').dtype, shape: [n, divDim(c, b * b, name, 'channel count'), mulDim(h, b), mulDim(w, b)] }];
    },
  };
}

const spaceToDepth: MilOpDef = {
  name: 'space_to_depth',
  since: 'iOS15',
  inputs: { x: { type: 'T' }, block_size: { type: ['int32'], const: true } },
  typeDomains: { T: DOMAIN_F },
  outputs: (input) => {
    const [n, c, h, w] = rank4(input, 'space_to_depth');
    const b = intParam(input, 'block_size', 0);
    if (b < 1) throw new MilShapeError(`space_to_depth: block_size must be positive, got ${b}`);
    const out = [n, mulDim(c, b * b), divDim(h, b, 'space_to_depth', 'height'), divDim(w, b, 'space_to_depth', 'width')];
    return [{ dtype: requiredType(input, 'x').dtype, shape: out }];
  },
};

/** The space family's MIL op definitions, one entry per op and deployment target that changed it. */
export const spaceOpDefs: readonly MilOpDef[] = [
  bandPart, spaceToDepth,
  reverseSequenceDef('iOS15'), reverseSequenceDef('iOS17'),
  // depth_to_space moves channels into blocks in depth-column-row order: out[n, c, h·b + i, w·b + j] = x[n, (i·b + j)·C' + c, h, w].
  toSpaceDef('depth_to_space', 'block_size'),
  // pixel_shuffle in PyTorch order: out[n, c, h·f + i, w·f + j] = x[n, c·f² + i·f + j, h, w].
  toSpaceDef('pixel_shuffle', 'upscale_factor'),
];
