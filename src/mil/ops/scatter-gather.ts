import type { DType } from '../../tensor/dtype.js';
import { toNumberList } from '../../tensor/tensor.js';
import type { MilOpDef, MilParamDef, TypeRuleInput } from '../catalogue.js';
import type { DeploymentTarget } from '../ir.js';
import { DOMAIN_FI, DOMAIN_FIB, MilShapeError, requiredType, sameTypeAs } from './elementwise.js';
import { stringParam } from './window.js';

/**
 * MIL gather and scatter definitions (coreml-format §7.3 "Gather/scatter") and
 * the index-producing ops one_hot and non_zero ("Shape manipulation").
 * gather: iOS16 adds batch_dims and 16-bit indices, iOS17 validate_indices and
 * the small integer types; from iOS17 negative indices are out of bounds
 * (converters guard them). scatter, scatter_along_axis, scatter_nd: iOS17 adds
 * validate_indices.
 */

export const SCATTER_MODES = ['update', 'add', 'sub', 'mul', 'div', 'max', 'min'] as const;

const constInt: MilParamDef = { type: ['int32'], const: true, optional: true };
const constBool: MilParamDef = { type: ['bool'], const: true, optional: true };
const constStr: MilParamDef = { type: ['string'], const: true, optional: true };

function checkedMode(input: TypeRuleInput, op: string): void {
  const mode = stringParam(input, 'mode', 'add');
  if (!(SCATTER_MODES as readonly string[]).includes(mode)) throw new MilShapeError(`${op}: mode "${mode}" is not one of ${SCATTER_MODES.join(', ')}`);
}

function scatterDef(name: string, since: 'iOS15' | 'iOS17', withAxis: boolean): MilOpDef {
  const inputs: Record<string, MilParamDef> = { data: { type: 'T' }, indices: { type: ['int32'] }, updates: { type: 'T' } };
  if (withAxis) inputs['axis'] = constInt;
  inputs['mode'] = constStr;
  if (since === 'iOS17') inputs['validate_indices'] = constBool;
  return {
    name,
    since,
    inputs,
    typeDomains: { T: DOMAIN_FI },
    outputs: (input) => {
      checkedMode(input, name);
      return sameTypeAs('data')(input);
    },
  };
}

function intParam(input: TypeRuleInput, param: string, fallback: number): number {
  const v = input.value(param);
  return v ? toNumberList(v)[0]! : fallback;
}

const oneHot: MilOpDef = {
  name: 'one_hot',
  since: 'iOS15',
  inputs: {
    indices: { type: ['int32'] },
    one_hot_vector_size: { type: ['int32'] },
    axis: constInt,
    on_value: { type: 'T', const: true, optional: true },
    off_value: { type: 'T', const: true, optional: true },
  },
  typeDomains: { T: DOMAIN_FIB },
  outputs: (input) => {
    const indices = requiredType(input, 'indices').shape;
    const rank = indices.length + 1;
    const raw = intParam(input, 'axis', -1);
    const axis = raw < 0 ? raw + rank : raw;
    if (axis < 0 || axis >= rank) throw new MilShapeError(`one_hot: axis ${raw} is out of range for rank ${rank}`);
    const size = input.value('one_hot_vector_size');
    const depth = size ? toNumberList(size)[0]! : null;
    const dtype: DType = input.type('on_value')?.dtype ?? input.type('off_value')?.dtype ?? 'int32';
    return [{ dtype, shape: [...indices.slice(0, axis), depth, ...indices.slice(axis)] }];
  },
};

const nonZero: MilOpDef = {
  name: 'non_zero',
  since: 'iOS15',
  inputs: { x: { type: 'T' } },
  typeDomains: { T: DOMAIN_FIB },
  outputs: (input) => [{ dtype: 'int32', shape: [null, requiredType(input, 'x').shape.length] }],
};

const T_17: readonly DType[] = ['float16', 'float32', 'int8', 'uint8', 'int16', 'uint16', 'int32'];

const INDICES: Readonly<Record<'iOS15' | 'iOS16' | 'iOS17', readonly DType[]>> = {
  iOS15: ['int32'],
  iOS16: ['int32', 'int16', 'uint16'],
  iOS17: ['int32', 'int16', 'uint16', 'int8', 'uint8'],
};

type GatherTarget = 'iOS15' | 'iOS16' | 'iOS17';

function scalar(input: TypeRuleInput, param: string, fallback: number): number {
  const v = input.value(param);
  return v ? toNumberList(v)[0]! : fallback;
}

function gatherInputs(since: GatherTarget, extra: Record<string, MilParamDef>): Record<string, MilParamDef> {
  const inputs: Record<string, MilParamDef> = { x: { type: 'T' }, indices: { type: 'I' }, ...extra };
  if (since !== 'iOS15') inputs['batch_dims'] = constInt;
  if (since === 'iOS17') inputs['validate_indices'] = constBool;
  return inputs;
}

function gatherDef(since: GatherTarget): MilOpDef {
  return {
    name: 'gather',
    since: since as DeploymentTarget,
    inputs: gatherInputs(since, { axis: constInt }),
    typeDomains: { T: since === 'iOS17' ? T_17 : DOMAIN_FI, I: INDICES[since] },
    outputs: (input) => {
      const x = requiredType(input, 'x');
      const indices = requiredType(input, 'indices');
      const rank = x.shape.length;
      const raw = scalar(input, 'axis', 0);
      const axis = raw < 0 ? raw + rank : raw;
      if (axis < 0 || axis >= rank) throw new MilShapeError(`gather: axis ${raw} is out of range for rank ${rank}`);
      const batch = scalar(input, 'batch_dims', 0);
      return [{ dtype: x.dtype, shape: [...x.shape.slice(0, axis), ...indices.shape.slice(batch), ...x.shape.slice(axis + 1)] }];
    },
  };
}

function gatherAlongAxisDef(since: GatherTarget): MilOpDef {
  const inputs: Record<string, MilParamDef> = { x: { type: 'T' }, indices: { type: 'I' }, axis: constInt };
  if (since === 'iOS17') inputs['validate_indices'] = constBool;
  return {
    name: 'gather_along_axis',
    since: since as DeploymentTarget,
    inputs,
    typeDomains: { T: since === 'iOS17' ? T_17 : DOMAIN_FI, I: INDICES[since] },
    outputs: (input) => [{ dtype: requiredType(input, 'x').dtype, shape: [...requiredType(input, 'indices').shape] }],
  };
}

function gatherNdDef(since: GatherTarget): MilOpDef {
  return {
    name: 'gather_nd',
    since: since as DeploymentTarget,
    inputs: gatherInputs(since, {}),
    typeDomains: { T: since === 'iOS17' ? T_17 : DOMAIN_FI, I: INDICES[since] },
    outputs: (input) => {
      const x = requiredType(input, 'x');
      const k = requiredType(input, 'indices').shape;
      const depth = k[k.length - 1];
      if (depth === null || depth === undefined) throw new MilShapeError('gather_nd: the last dim of indices must be known');
      const batch = scalar(input, 'batch_dims', 0);
      return [{ dtype: x.dtype, shape: [...k.slice(0, -1), ...x.shape.slice(batch + depth)] }];
    },
  };
}

/** The scatter-gather family's MIL op definitions, one entry per op and deployment target that changed it. */
export const scatterGatherOpDefs: readonly MilOpDef[] = [
  oneHot, nonZero,
  gatherDef('iOS15'), gatherDef('iOS16'), gatherDef('iOS17'),
  gatherAlongAxisDef('iOS15'), gatherAlongAxisDef('iOS16'), gatherAlongAxisDef('iOS17'),
  gatherNdDef('iOS15'), gatherNdDef('iOS16'), gatherNdDef('iOS17'),
  scatterDef('scatter', 'iOS15', true), scatterDef('scatter', 'iOS17', true),
  scatterDef('scatter_along_axis', 'iOS15', true), scatterDef('scatter_along_axis', 'iOS17', true),
  scatterDef('scatter_nd', 'iOS15', false), scatterDef('scatter_nd', 'iOS17', false),
];
