import type { DType } from '../../tensor/dtype.js';
import { toNumberList } from '../../tensor/tensor.js';
import { defineMilOps, type MilOpDef, type MilParamDef, type TypeRuleInput } from '../catalogue.js';
import type { DeploymentTarget } from '../ir.js';
import { DOMAIN_FI, DOMAIN_FIB, MilShapeError, requiredType, sameTypeAs } from './elementwise.js';
import { stringParam } from './window.js';

/**
 * MIL scatter definitions (scatter, scatter_along_axis, scatter_nd; iOS17 adds
 * validate_indices) and the index-producing ops one_hot and non_zero
 * (coreml-format §7.3 "Gather/scatter" and "Shape manipulation").
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
    summary: 'returns data with updates combined into the positions the indices address (mode: update, add, sub, mul, div, max, min)',
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
  summary: 'one-hot vectors of length one_hot_vector_size inserted at axis',
};

const nonZero: MilOpDef = {
  name: 'non_zero',
  since: 'iOS15',
  inputs: { x: { type: 'T' } },
  typeDomains: { T: DOMAIN_FIB },
  outputs: (input) => [{ dtype: 'int32', shape: [null, requiredType(input, 'x').shape.length] }],
  summary: 'coordinates [N, rank] of the non-zero elements of x, in row-major order',
};

const defs: MilOpDef[] = [oneHot, nonZero];
for (const since of ['iOS15', 'iOS17'] as const satisfies readonly DeploymentTarget[]) {
  defs.push(scatterDef('scatter', since, true), scatterDef('scatter_along_axis', since, true), scatterDef('scatter_nd', since, false));
}
defineMilOps(defs);
