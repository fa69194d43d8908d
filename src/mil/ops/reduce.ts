import { toNumberList } from '../../tensor/tensor.js';
import { defineMilOps, type MilOpDef } from '../catalogue.js';
import type { DeploymentTarget } from '../ir.js';
import { DOMAIN_FI, MilShapeError, requiredType } from './elementwise.js';

/** MIL op definitions: reductions (coreml-format §7.3 "Reductions"). Omitted axes reduce over all axes. */

export const REDUCE_OPS = [
  'reduce_sum', 'reduce_mean', 'reduce_max', 'reduce_min', 'reduce_prod', 'reduce_l1_norm', 'reduce_l2_norm',
  'reduce_log_sum', 'reduce_log_sum_exp', 'reduce_sum_square',
] as const;

function reduceDef(name: string): MilOpDef {
  return {
    name,
    since: 'iOS15',
    inputs: {
      x: { type: 'T' },
      axes: { type: ['int32'], const: true, optional: true },
      keep_dims: { type: ['bool'], const: true, optional: true },
    },
    typeDomains: { T: DOMAIN_FI },
    outputs: (input) => {
      const x = requiredType(input, 'x');
      const rank = x.shape.length;
      const axesValue = input.value('axes');
      const axes = axesValue ? toNumberList(axesValue).map((a) => (a < 0 ? a + rank : a)) : x.shape.map((_, i) => i);
      if (axes.some((a) => a < 0 || a >= rank)) throw new MilShapeError(`${name}: axes out of range for rank ${rank}`);
      const keep = input.value('keep_dims') ? toNumberList(input.value('keep_dims')!)[0] !== 0 : false;
      const reduced = new Set(axes);
      const shape = keep ? x.shape.map((d, i) => (reduced.has(i) ? 1 : d)) : x.shape.filter((_, i) => !reduced.has(i));
      return [{ dtype: x.dtype, shape }];
    },
    summary: `${name.slice('reduce_'.length).replace(/_/g, ' ')} over axes`,
  };
}

function argDef(name: 'reduce_argmax' | 'reduce_argmin', since: DeploymentTarget): MilOpDef {
  const inputs: MilOpDef['inputs'] = {
    x: { type: 'T' },
    axis: { type: ['int32'], const: true, optional: true },
    keep_dims: { type: ['bool'], const: true, optional: true },
  };
  return {
    name,
    since,
    inputs: since === 'iOS17' ? { ...inputs, output_dtype: { type: ['string'], const: true, optional: true } } : inputs,
    typeDomains: { T: since === 'iOS17' ? ['float16', 'float32', 'int8', 'uint8', 'int16', 'uint16', 'int32'] : DOMAIN_FI },
    outputs: (input) => {
      const x = requiredType(input, 'x');
      const rank = x.shape.length;
      const raw = input.value('axis') ? toNumberList(input.value('axis')!)[0]! : -1;
      const axis = raw < 0 ? raw + rank : raw;
      if (axis < 0 || axis >= rank) throw new MilShapeError(`${name}: axis ${raw} is out of range for rank ${rank}`);
      const keep = input.value('keep_dims') ? toNumberList(input.value('keep_dims')!)[0] !== 0 : false;
      const outName = input.value('output_dtype')?.data[0];
      const shape = keep ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis);
      return [{ dtype: outName === 'uint16' ? 'uint16' : 'int32', shape }];
    },
    summary: `index of the ${name === 'reduce_argmax' ? 'largest' : 'smallest'} element along axis`,
  };
}

defineMilOps([
  ...REDUCE_OPS.map(reduceDef),
  argDef('reduce_argmax', 'iOS15'), argDef('reduce_argmax', 'iOS17'),
  argDef('reduce_argmin', 'iOS15'), argDef('reduce_argmin', 'iOS17'),
]);
