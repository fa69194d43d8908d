import type { DType } from '../../tensor/dtype.js';
import type { DeploymentTarget } from '../ir.js';
import type { MilOpDef, MilParamDef } from '../catalogue.js';
import { DOMAIN_F, DOMAIN_FI, MilShapeError, requiredType, sameTypeAs, unary } from './elementwise.js';

/**
 * MIL op definitions: activations. Ops with constant `alpha`/`beta` were
 * redefined in iOS17 so those parameters may be fp32 while `x` is fp16
 * (mixed precision); before iOS17 they must share x's dtype.
 */

function activation(name: string, domain: readonly DType[], extra: Record<string, MilParamDef> = {}): MilOpDef {
  return unary(name, domain, extra);
}

/** Output rule for activations whose constant parameters are scalars. */
function scalarParams(params: readonly string[]): MilOpDef['outputs'] {
  return (input) => {
    for (const p of params) {
      const t = input.type(p);
      if (t && t.shape.length !== 0) throw new MilShapeError(`${p} must be a scalar, got shape [${t.shape.join(', ')}]`);
    }
    return sameTypeAs('x')(input);
  };
}

/**
 * An activation with constant float parameters: the iOS15 definition binds them
 * to T, the iOS17 redefinition to a separate float domain U.
 */
function parameterized(name: string, params: readonly string[], extraRule?: MilOpDef['outputs']): MilOpDef[] {
  const build = (since: DeploymentTarget, domainVar: 'T' | 'U'): MilOpDef => {
    const inputs: Record<string, MilParamDef> = { x: { type: 'T' } };
    for (const p of params) inputs[p] = { type: domainVar, const: true };
    return {
      name,
      since,
      inputs,
      typeDomains: domainVar === 'T' ? { T: DOMAIN_F } : { T: DOMAIN_F, U: DOMAIN_F },
      outputs: extraRule ?? scalarParams(params),
    };
  };
  return [build('iOS15', 'T'), build('iOS17', 'U')];
}

/** prelu: x is [B, C, ...] of rank 3..5 and alpha holds one slope per channel. */
const preluRule: MilOpDef['outputs'] = (input) => {
  const x = requiredType(input, 'x');
  const alpha = requiredType(input, 'alpha');
  if (x.shape.length < 3 || x.shape.length > 5) throw new MilShapeError(`prelu needs x of rank 3..5, got rank ${x.shape.length}`);
  const channels = x.shape[1];
  if (alpha.shape.length !== 1 || (channels !== null && alpha.shape[0] !== channels)) {
    throw new MilShapeError(`prelu alpha must have shape [${channels ?? '?'}], got [${alpha.shape.join(', ')}]`);
  }
  return [{ dtype: x.dtype, shape: [...x.shape] }];
};

/** softmax axis must lie inside x's rank. */
const softmaxRule: MilOpDef['outputs'] = (input) => {
  const x = requiredType(input, 'x');
  const axisValue = input.value('axis');
  const axis = axisValue ? Number(axisValue.data[0]) : -1;
  const rank = x.shape.length;
  if (axis < -rank || axis >= Math.max(rank, 1)) throw new MilShapeError(`softmax axis ${axis} is outside rank ${rank}`);
  return [{ dtype: x.dtype, shape: [...x.shape] }];
};

const GELU_MODES = ['EXACT', 'TANH_APPROXIMATION', 'SIGMOID_APPROXIMATION'];

const geluRule: MilOpDef['outputs'] = (input) => {
  const mode = input.value('mode')?.data[0];
  if (mode !== undefined && !GELU_MODES.includes(String(mode))) throw new MilShapeError(`gelu mode "${String(mode)}" is not one of ${GELU_MODES.join(', ')}`);
  return sameTypeAs('x')(input);
};

/** The activation family's MIL op definitions, one entry per op and deployment target that changed it. */
export const activationOpDefs: readonly MilOpDef[] = [
  ...['relu', 'relu6', 'sigmoid', 'silu', 'softsign', 'softplus'].map((n) => activation(n, DOMAIN_F)),
  { ...activation('gelu', DOMAIN_F, { mode: { type: ['string'], optional: true, const: true } }), outputs: geluRule },
  { ...activation('softmax', DOMAIN_F, { axis: { type: ['int32'], optional: true, const: true } }), outputs: softmaxRule },
  {
    ...activation('clip', DOMAIN_F, { alpha: { type: 'T', const: true }, beta: { type: 'T', const: true } }),
    outputs: scalarParams(['alpha', 'beta']),
  },
  { ...activation('threshold', DOMAIN_FI, { alpha: { type: 'T', const: true } }), outputs: scalarParams(['alpha']) },
  ...parameterized('leaky_relu', ['alpha']),
  ...parameterized('elu', ['alpha']),
  ...parameterized('thresholded_relu', ['alpha']),
  ...parameterized('prelu', ['alpha'], preluRule),
  ...parameterized('clamped_relu', ['alpha', 'beta']),
  ...parameterized('linear_activation', ['alpha', 'beta']),
  ...parameterized('sigmoid_hard', ['alpha', 'beta']),
  ...parameterized('scaled_tanh', ['alpha', 'beta']),
  ...parameterized('softplus_parametric', ['alpha', 'beta'], sameTypeAs('x')),
];
