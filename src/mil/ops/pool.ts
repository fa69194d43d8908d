import type { DType } from '../../tensor/dtype.js';
import type { MilOpDef, MilParamDef, TypeRuleInput } from '../catalogue.js';
import type { MilTensorType } from '../ir.js';
import { boolParam, intsParam, padTypeParam, windowOutputDims } from './window.js';

/**
 * MIL op definitions: max_pool, avg_pool, l2_pool. Unlike conv, `pad_type` is
 * required here, and ceil_mode needs symmetric pads and 1-D or 2-D pooling.
 */

const F: readonly DType[] = ['float16', 'float32'];

function poolOutputs(op: string) {
  return (input: TypeRuleInput): MilTensorType[] => {
    const x = input.type('x');
    if (!x) throw new Error(`${op}: missing x`);
    const spatial = x.shape.length - 2;
    if (spatial < 1 || spatial > 3) throw new Error(`${op}: x must have rank 3 to 5, got ${x.shape.length}`);
    const kernel = intsParam(input, 'kernel_sizes', spatial, 1);
    if (kernel.length !== spatial) throw new Error(`${op}: kernel_sizes must have ${spatial} entries`);
    const padType = padTypeParam(input, op);
    const pad = intsParam(input, 'pad', 2 * spatial, 0);
    const ceilMode = boolParam(input, 'ceil_mode', false);
    if (ceilMode) {
      if (spatial > 2) throw new Error(`${op}: ceil_mode only for 1-D or 2-D pooling`);
      if (padType === 'same') throw new Error(`${op}: ceil_mode needs pad_type valid or custom`);
      for (let d = 0; d < spatial; d++) if (pad[2 * d] !== pad[2 * d + 1]) throw new Error(`${op}: ceil_mode needs symmetric pads`);
    }
    const dims = windowOutputDims(x.shape.slice(2), {
      padType,
      kernel,
      strides: intsParam(input, 'strides', spatial, 1),
      dilations: new Array<number>(spatial).fill(1),
      pad,
      ceilMode,
    });
    return [{ dtype: x.dtype, shape: [...x.shape.slice(0, 2), ...dims] }];
  };
}

const POOL_INPUTS: Record<string, MilParamDef> = {
  x: { type: 'T' },
  kernel_sizes: { type: ['int32'], const: true },
  strides: { type: ['int32'], optional: true, const: true },
  pad_type: { type: ['string'], const: true },
  pad: { type: ['int32'], optional: true, const: true },
  ceil_mode: { type: ['bool'], optional: true, const: true },
};

function poolDef(name: string, extra: Record<string, MilParamDef> = {}): MilOpDef {
  return {
    name,
    since: 'iOS15',
    inputs: { ...POOL_INPUTS, ...extra },
    typeDomains: { T: F },
    outputs: poolOutputs(name),
  };
}

/** The pool family's MIL op definitions, one entry per op and deployment target that changed it. */
export const poolOpDefs: readonly MilOpDef[] = [
  poolDef('max_pool'),
  poolDef('avg_pool', {
    exclude_padding_from_average: { type: ['bool'], optional: true, const: true },
  }),
  poolDef('l2_pool'),
];
