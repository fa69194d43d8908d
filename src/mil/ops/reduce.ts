import type { DType } from '../../tensor/dtype.js';
import { toNumberList } from '../../tensor/tensor.js';
import type { MilOpDef, MilParamDef, TypeRuleInput } from '../catalogue.js';
import type { DeploymentTarget, MilTensorType } from '../ir.js';
import { DOMAIN_FI, MilShapeError, requiredType, sameTypeAs } from './elementwise.js';
import { axisOf, boolParam, intParam, stringParam } from './window.js';

/**
 * MIL op definitions: reductions (coreml-format §7.3 "Reductions"; omitted
 * axes reduce over all axes), and the ops ONNX's TopK and CumSum map onto:
 * cumsum, topk (iOS16 adds sort/return_indices, iOS17 the small integer types
 * and output_indices_dtype) and argsort.
 */

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
  };
}


const constIntParam: MilParamDef = { type: ['int32'], const: true, optional: true };
const constBoolParam: MilParamDef = { type: ['bool'], const: true, optional: true };

const T_SMALL_INTS: readonly DType[] = ['float16', 'float32', 'int8', 'int16', 'int32', 'uint8', 'uint16'];

const cumsum: MilOpDef = {
  name: 'cumsum',
  since: 'iOS15',
  inputs: { x: { type: 'T' }, axis: constIntParam, exclusive: constBoolParam, reverse: constBoolParam },
  typeDomains: { T: DOMAIN_FI },
  outputs: (input) => {
    axisOf(input, 'cumsum', requiredType(input, 'x').shape.length, 0);
    return sameTypeAs('x')(input);
  },
};

function topkOutputs(input: TypeRuleInput, withOptions: boolean): MilTensorType[] {
  const x = requiredType(input, 'x');
  const axis = axisOf(input, 'topk', x.shape.length, -1);
  const k = intParam(input, 'k', 1);
  const dim = x.shape[axis];
  if (typeof dim === 'number' && k > dim) throw new MilShapeError(`topk: k=${k} is greater than the axis size ${dim}`);
  const shape = x.shape.map((d, i) => (i === axis ? k : d));
  const indicesDtype = stringParam(input, 'output_indices_dtype', 'int32');
  if (indicesDtype !== 'int32' && indicesDtype !== 'uint16') throw new MilShapeError(`topk: output_indices_dtype "${indicesDtype}" is not int32 or uint16`);
  const values: MilTensorType = { dtype: x.dtype, shape };
  if (withOptions && !boolParam(input, 'return_indices', true)) return [values];
  return [values, { dtype: indicesDtype, shape }];
}

function topkDef(since: 'iOS15' | 'iOS16' | 'iOS17'): MilOpDef {
  const inputs: Record<string, MilParamDef> = { x: { type: 'T' }, k: since === 'iOS17' ? { type: 'K', const: true, optional: true } : constIntParam, axis: constIntParam, ascending: constBoolParam };
  if (since !== 'iOS15') Object.assign(inputs, { sort: constBoolParam, return_indices: constBoolParam });
  if (since === 'iOS17') inputs['output_indices_dtype'] = { type: ['string'], const: true, optional: true };
  return {
    name: 'topk',
    since,
    inputs,
    typeDomains: since === 'iOS17' ? { T: T_SMALL_INTS, K: ['int8', 'int16', 'int32'] } : { T: DOMAIN_FI },
    outputs: (input) => topkOutputs(input, since !== 'iOS15'),
  };
}

const argsort: MilOpDef = {
  name: 'argsort',
  since: 'iOS15',
  inputs: { x: { type: 'T' }, axis: constIntParam, ascending: constBoolParam },
  typeDomains: { T: DOMAIN_FI },
  outputs: (input) => {
    const x = requiredType(input, 'x');
    axisOf(input, 'argsort', x.shape.length, -1);
    return [{ dtype: 'int32', shape: [...x.shape] }];
  },
};

/** The reduce family's MIL op definitions, one entry per op and deployment target that changed it. */
export const reduceOpDefs: readonly MilOpDef[] = [
  ...[
  ...REDUCE_OPS.map(reduceDef),
  argDef('reduce_argmax', 'iOS15'), argDef('reduce_argmax', 'iOS17'),
  argDef('reduce_argmin', 'iOS15'), argDef('reduce_argmin', 'iOS17'),
],
  ...[cumsum, argsort, topkDef('iOS15'), topkDef('iOS16'), topkDef('iOS17')],
];
