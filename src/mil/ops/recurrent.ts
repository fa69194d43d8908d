import type { DType } from '../../tensor/dtype.js';
import type { MilOpDef, MilParamDef, TypeRuleInput } from '../catalogue.js';
import type { MilTensorType } from '../ir.js';
import { boolParam, stringParam } from './window.js';

/**
 * MIL op definitions: lstm, gru, rnn. x is [T, B, I]; weights are 2-D and
 * const; lstm gates are stacked [input, forget, output, cell] ("ifoz"), gru
 * gates [reset, output(new), update]. iOS15 accepts fp32 only; iOS17 adds fp16.
 */

const DIRECTIONS: Record<string, readonly string[]> = {
  lstm: ['forward', 'reverse', 'bidirectional'],
  gru: ['forward', 'reverse'],
  rnn: ['forward', 'reverse'],
};
const GATES: Record<string, number> = { lstm: 4, gru: 3, rnn: 1 };
export const RECURRENT_ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'scaled_tanh', 'sigmoid_hard', 'linear'];

function checkWeights(op: string, ih: MilTensorType | undefined, hh: MilTensorType | undefined): number {
  if (!ih || !hh || ih.shape.length !== 2 || hh.shape.length !== 2) throw new Error(`${op}: weights must be 2-D`);
  const hidden = hh.shape[1];
  const gates = GATES[op]!;
  if (hidden === null || hh.shape[0] !== gates * hidden || ih.shape[0] !== gates * hidden) {
    throw new Error(`${op}: weight_ih/weight_hh must be [${gates}*H, I] and [${gates}*H, H]`);
  }
  return hidden;
}

function recurrentOutputs(op: string) {
  return (input: TypeRuleInput): MilTensorType[] => {
    const x = input.type('x');
    if (!x || x.shape.length !== 3) throw new Error(`${op}: x must be [T, B, I]`);
    const direction = stringParam(input, 'direction', 'forward');
    if (!DIRECTIONS[op]!.includes(direction)) throw new Error(`${op}: unknown direction "${direction}"`);
    for (const p of ['activation', 'recurrent_activation', 'cell_activation']) {
      const a = stringParam(input, p, 'tanh');
      if (!RECURRENT_ACTIVATIONS.includes(a)) throw new Error(`${op}: unknown ${p} "${a}"`);
    }
    const hidden = checkWeights(op, input.type('weight_ih'), input.type('weight_hh'));
    const directions = direction === 'bidirectional' ? 2 : 1;
    if (directions === 2) checkWeights(op, input.type('weight_ih_back'), input.type('weight_hh_back'));
    const [seq, batch] = x.shape;
    const width = directions * hidden;
    const sequence: MilTensorType = {
      dtype: x.dtype,
      shape: [boolParam(input, 'output_sequence', false) ? (seq ?? null) : 1, batch ?? null, width],
    };
    const state: MilTensorType = { dtype: x.dtype, shape: [batch ?? null, width] };
    return op === 'lstm' ? [sequence, state, { ...state }] : [sequence, state];
  };
}

const constT = (optional: boolean): MilParamDef => ({ type: 'T', const: true, optional });
const constStr: MilParamDef = { type: ['string'], const: true, optional: true };

function recurrentDef(name: string, since: 'iOS15' | 'iOS17'): MilOpDef {
  const inputs: Record<string, MilParamDef> = {
    x: { type: 'T' },
    initial_h: { type: 'T' },
    ...(name === 'lstm' ? { initial_c: { type: 'T' } } : {}),
    weight_ih: constT(false),
    weight_hh: constT(false),
    bias: constT(true),
    ...(name === 'lstm'
      ? {
          peephole: constT(true),
          weight_ih_back: constT(true),
          weight_hh_back: constT(true),
          bias_back: constT(true),
          peephole_back: constT(true),
        }
      : {}),
    direction: constStr,
    output_sequence: { type: ['bool'], const: true, optional: true },
    ...(name === 'rnn' ? {} : { recurrent_activation: constStr }),
    ...(name === 'lstm' ? { cell_activation: constStr } : {}),
    activation: constStr,
    ...(name === 'lstm' ? { clip: constT(true) } : {}),
  };
  const T: readonly DType[] = since === 'iOS15' ? ['float32'] : ['float16', 'float32'];
  return { name, since, inputs, typeDomains: { T }, outputs: recurrentOutputs(name) };
}

/** iOS18's gru adds reset_after (PyTorch/ONNX linear_before_reset) and a separate input bias. */
function gru18(): MilOpDef {
  const base = recurrentDef('gru', 'iOS17');
  return {
    ...base,
    since: 'iOS18',
    inputs: { ...base.inputs, reset_after: { type: ['bool'], const: true, optional: true }, input_bias: constT(true) },
  };
}

/** The recurrent family's MIL op definitions, one entry per op and deployment target that changed it. */
export const recurrentOpDefs: readonly MilOpDef[] = [
  recurrentDef('lstm', 'iOS15'), recurrentDef('lstm', 'iOS17'),
  recurrentDef('gru', 'iOS15'), recurrentDef('gru', 'iOS17'),
  recurrentDef('rnn', 'iOS15'), recurrentDef('rnn', 'iOS17'),
  gru18(),
];
