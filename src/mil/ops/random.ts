import type { DType } from '../../tensor/dtype.js';
import type { MilOpDef, MilParamDef } from '../catalogue.js';
import { DOMAIN_F, MilShapeError, requiredType } from './elementwise.js';
import { dimsFromShapeParam } from './shape.js';
import { intParam, stringParam } from './window.js';

/**
 * MIL definitions of the random ops (iOS15). random_uniform, random_normal
 * and random_bernoulli fill an int32 `shape` (a run-time tensor: its values
 * give the dims when constant) with draws in the dtype of their distribution
 * parameters, fp32 when those are omitted; random_categorical draws `size`
 * class indices per row of x, in x's dtype.
 */

const constT: MilParamDef = { type: 'T', const: true, optional: true };
const seed: MilParamDef = { type: ['int32'], const: true, optional: true };

/** A distribution over `shape` whose output dtype is that of its (same-typed) parameters. */
function distributionDef(name: string, params: readonly string[]): MilOpDef {
  return {
    name,
    since: 'iOS15',
    inputs: { shape: { type: ['int32'] }, ...Object.fromEntries(params.map((p) => [p, constT])), seed },
    typeDomains: { T: DOMAIN_F },
    outputs: (input) => {
      const dtype: DType = params.map((p) => input.type(p)?.dtype).find((d) => d !== undefined) ?? 'float32';
      return [{ dtype, shape: dimsFromShapeParam(input, name) }];
    },
  };
}

const CATEGORICAL_MODES = ['logits', 'probs'];

const randomCategorical: MilOpDef = {
  name: 'random_categorical',
  since: 'iOS15',
  inputs: {
    x: { type: 'T' },
    mode: { type: ['string'], const: true, optional: true },
    size: { type: ['int32'], const: true, optional: true },
    seed,
  },
  typeDomains: { T: DOMAIN_F },
  outputs: (input) => {
    const x = requiredType(input, 'x');
    if (x.shape.length === 0) throw new MilShapeError('random_categorical: x must have rank 1 or more');
    const mode = stringParam(input, 'mode', 'logits');
    if (!CATEGORICAL_MODES.includes(mode)) throw new MilShapeError(`random_categorical: mode must be logits or probs, got "${mode}"`);
    const size = intParam(input, 'size', 1);
    if (size < 1) throw new MilShapeError(`random_categorical: size must be positive, got ${size}`);
    return [{ dtype: x.dtype, shape: [...x.shape.slice(0, -1), size] }];
  },
};

/** The random family's MIL op definitions. */
export const randomOpDefs: readonly MilOpDef[] = [
  distributionDef('random_uniform', ['low', 'high']),
  distributionDef('random_normal', ['mean', 'stddev']),
  distributionDef('random_bernoulli', ['prob']),
  randomCategorical,
];
