import type { DType } from '../../tensor/dtype.js';
import { toNumberList } from '../../tensor/tensor.js';
import type { MilOpDef, TypeRuleInput } from '../catalogue.js';
import type { MilTensorType } from '../ir.js';
import { stringParam } from './window.js';

/** MIL op definition of pad: constant, reflect or replicate padding of the last N dims. */

const F: readonly DType[] = ['float16', 'float32'];
const PAD_MODES = ['constant', 'reflect', 'replicate'];

function padOutputs(input: TypeRuleInput): MilTensorType[] {
  const x = input.type('x');
  if (!x) throw new Error('pad: missing x');
  const mode = stringParam(input, 'mode', 'constant');
  if (!PAD_MODES.includes(mode)) throw new Error(`pad: unknown mode "${mode}"`);
  const rank = x.shape.length;
  const padValue = input.value('pad');
  if (!padValue) {
    const padType = input.type('pad');
    if (!padType || padType.shape[0] !== 2 * rank) throw new Error('pad: a non-constant pad must have length 2*rank');
    return [{ dtype: x.dtype, shape: x.shape.map(() => null) }];
  }
  const pads = toNumberList(padValue);
  if (pads.length % 2 !== 0 || pads.length > 2 * rank) throw new Error(`pad: pad must have an even length <= ${2 * rank}`);
  const first = rank - pads.length / 2;
  const shape = x.shape.map((d, i) => {
    if (i < first || d === null) return d;
    const before = pads[2 * (i - first)]!;
    const after = pads[2 * (i - first) + 1]!;
    if (mode === 'reflect' && (before > d - 1 || after > d - 1)) throw new Error('pad: reflect pads must be < dim');
    return d + before + after;
  });
  return [{ dtype: x.dtype, shape }];
}

const pad: MilOpDef = {
  name: 'pad',
  since: 'iOS15',
  inputs: {
    x: { type: 'T' },
    pad: { type: ['int32'] },
    mode: { type: ['string'], optional: true, const: true },
    constant_val: { type: 'T', optional: true, const: true },
  },
  typeDomains: { T: F },
  outputs: padOutputs,
};

/** The pad family's MIL op definitions, one entry per op and deployment target that changed it. */
export const padOpDefs: readonly MilOpDef[] = [pad];
