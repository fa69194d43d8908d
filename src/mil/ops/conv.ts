import type { DType } from '../../tensor/dtype.js';
import type { MilOpDef, MilParamDef, TypeRuleInput } from '../catalogue.js';
import type { MilTensorType } from '../ir.js';
import { effectiveKernel, intsParam, padTypeParam, windowOutputDims } from './window.js';

/**
 * MIL op definitions: conv and conv_transpose (iOS15, redefined in iOS17 so
 * that weight and bias may differ in dtype from x and need not be const).
 */

const F: readonly DType[] = ['float16', 'float32'];

function requireType(input: TypeRuleInput, param: string, op: string): MilTensorType {
  const t = input.type(param);
  if (!t) throw new Error(`${op}: missing ${param}`);
  return t;
}

function convOutputs(input: TypeRuleInput): MilTensorType[] {
  const x = requireType(input, 'x', 'conv');
  const w = requireType(input, 'weight', 'conv');
  const spatial = x.shape.length - 2;
  if (spatial < 1 || spatial > 3) throw new Error(`conv: x must have rank 3 to 5, got ${x.shape.length}`);
  if (w.shape.length !== x.shape.length) throw new Error('conv: weight rank must equal x rank');
  const kernel = w.shape.slice(2).map((k) => {
    if (k === null) throw new Error('conv: weight shape must be static');
    return k;
  });
  const groups = intsParam(input, 'groups', 1, 1)[0]!;
  const cin = x.shape[1];
  if (cin !== null && w.shape[1] !== null && cin !== w.shape[1]! * groups) {
    throw new Error(`conv: x has ${cin} channels but weight expects ${w.shape[1]! * groups}`);
  }
  const spatialDims = windowOutputDims(x.shape.slice(2), {
    padType: padTypeParam(input, 'conv'),
    kernel,
    strides: intsParam(input, 'strides', spatial, 1),
    dilations: intsParam(input, 'dilations', spatial, 1),
    pad: intsParam(input, 'pad', 2 * spatial, 0),
    ceilMode: false,
  });
  return [{ dtype: x.dtype, shape: [x.shape[0] ?? null, w.shape[0] ?? null, ...spatialDims] }];
}

function convTransposeOutputs(input: TypeRuleInput): MilTensorType[] {
  const x = requireType(input, 'x', 'conv_transpose');
  const w = requireType(input, 'weight', 'conv_transpose');
  const spatial = x.shape.length - 2;
  if (spatial < 1 || spatial > 3) throw new Error(`conv_transpose: x must have rank 3 to 5, got ${x.shape.length}`);
  const groups = intsParam(input, 'groups', 1, 1)[0]!;
  const cout = w.shape[1] === null ? null : w.shape[1]! * groups;
  const explicit = input.value('output_shape');
  if (explicit) {
    const dims = intsParam(input, 'output_shape', 0, 0);
    if (dims.length !== x.shape.length) throw new Error('conv_transpose: output_shape must include N and C_out');
    return [{ dtype: x.dtype, shape: dims }];
  }
  const padType = padTypeParam(input, 'conv_transpose');
  const strides = intsParam(input, 'strides', spatial, 1);
  const dilations = intsParam(input, 'dilations', spatial, 1);
  const pad = intsParam(input, 'pad', 2 * spatial, 0);
  const dims = x.shape.slice(2).map((inDim, d) => {
    if (inDim === null || w.shape[d + 2] === null) return null;
    const k = effectiveKernel(w.shape[d + 2]!, dilations[d]!);
    if (padType === 'same') return strides[d]! * inDim;
    const full = strides[d]! * (inDim - 1) + k;
    return padType === 'custom' ? full - pad[2 * d]! - pad[2 * d + 1]! : full;
  });
  return [{ dtype: x.dtype, shape: [x.shape[0] ?? null, cout, ...dims] }];
}

const WINDOW_PARAMS: Record<string, MilParamDef> = {
  strides: { type: ['int32'], optional: true, const: true },
  pad_type: { type: ['string'], optional: true, const: true },
  pad: { type: ['int32'], optional: true, const: true },
  dilations: { type: ['int32'], optional: true, const: true },
  groups: { type: ['int32'], optional: true, const: true },
};

const conv15: MilOpDef = {
  name: 'conv',
  since: 'iOS15',
  inputs: {
    x: { type: 'T' },
    weight: { type: 'T' },
    bias: { type: 'T', optional: true, const: true },
    ...WINDOW_PARAMS,
  },
  typeDomains: { T: F },
  outputs: convOutputs,
};

const convTranspose15: MilOpDef = {
  name: 'conv_transpose',
  since: 'iOS15',
  inputs: {
    x: { type: 'T' },
    weight: { type: 'T', const: true },
    bias: { type: 'T', optional: true, const: true },
    pad: { type: ['int32'], optional: true, const: true },
    output_shape: { type: ['int32'], optional: true, const: true },
    pad_type: { type: ['string'], optional: true, const: true },
    strides: { type: ['int32'], optional: true, const: true },
    dilations: { type: ['int32'], optional: true, const: true },
    groups: { type: ['int32'], optional: true, const: true },
  },
  typeDomains: { T: F },
  outputs: convTransposeOutputs,
};

/** The conv family's MIL op definitions, one entry per op and deployment target that changed it. */
export const convOpDefs: readonly MilOpDef[] = [
  conv15,
  convTranspose15,
  {
    ...conv15,
    since: 'iOS17',
    inputs: { ...conv15.inputs, weight: { type: 'U' }, bias: { type: 'U', optional: true } },
    typeDomains: { T: F, U: F },
  },
  {
    ...convTranspose15,
    since: 'iOS17',
    inputs: { ...convTranspose15.inputs, weight: { type: 'U' }, bias: { type: 'U', optional: true } },
    typeDomains: { T: F, U: F },
  },
];
