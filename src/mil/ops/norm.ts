import type { DType } from '../../tensor/dtype.js';
import { toNumberList } from '../../tensor/tensor.js';
import type { MilOpDef, MilParamDef, TypeRuleInput } from '../catalogue.js';
import type { MilTensorType } from '../ir.js';

/**
 * MIL op definitions: batch_norm, instance_norm, layer_norm, l2_norm and
 * local_response_norm. All keep x's shape. In iOS15 every float parameter
 * shares x's dtype (domain T); iOS17 moves them to a separate domain U.
 */

const F: readonly DType[] = ['float16', 'float32'];

function need(input: TypeRuleInput, op: string): MilTensorType {
  const t = input.type('x');
  if (!t) throw new Error(`${op}: missing x`);
  return t;
}

function sameAsX(op: string, minRank: number, maxRank: number) {
  return (input: TypeRuleInput): MilTensorType[] => {
    const x = need(input, op);
    if (x.shape.length < minRank || x.shape.length > maxRank) {
      throw new Error(`${op}: x must have rank ${minRank} to ${maxRank}, got ${x.shape.length}`);
    }
    return [{ dtype: x.dtype, shape: [...x.shape] }];
  };
}

function checkChannelVectors(op: string, params: readonly string[]) {
  const base = sameAsX(op, 3, 5);
  return (input: TypeRuleInput): MilTensorType[] => {
    const out = base(input);
    const c = out[0]!.shape[1];
    for (const p of params) {
      const t = input.type(p);
      if (t && (t.shape.length !== 1 || (c !== null && t.shape[0] !== c))) throw new Error(`${op}: ${p} must be [C]`);
    }
    return out;
  };
}

function layerNormOutputs(input: TypeRuleInput): MilTensorType[] {
  const x = need(input, 'layer_norm');
  const rank = x.shape.length;
  const axesValue = input.value('axes');
  const axes = axesValue ? toNumberList(axesValue) : [...Array(rank).keys()];
  for (const a of axes) if (a < -rank || a >= rank) throw new Error(`layer_norm: axis ${a} out of range for rank ${rank}`);
  const normalized = axes.map((a) => x.shape[a < 0 ? a + rank : a] ?? null);
  for (const p of ['gamma', 'beta']) {
    const t = input.type(p);
    if (t && (t.shape.length !== normalized.length || t.shape.some((d, i) => normalized[i] !== null && d !== normalized[i]))) {
      throw new Error(`layer_norm: ${p} shape must equal the normalized dims`);
    }
  }
  return [{ dtype: x.dtype, shape: [...x.shape] }];
}

/** Float parameter specs in domain `d`. */
function floats(d: string, names: readonly string[], constant = true): Record<string, MilParamDef> {
  return Object.fromEntries(names.map((n) => [n, { type: d, optional: true, const: constant }]));
}

function defs15(): MilOpDef[] {
  return [
    {
      name: 'batch_norm',
      since: 'iOS15',
      inputs: {
        x: { type: 'T' },
        mean: { type: 'T', const: true },
        variance: { type: 'T', const: true },
        ...floats('T', ['gamma', 'beta', 'epsilon']),
      },
      typeDomains: { T: F },
      outputs: checkChannelVectors('batch_norm', ['mean', 'variance', 'gamma', 'beta']),
    },
    {
      name: 'instance_norm',
      since: 'iOS15',
      inputs: { x: { type: 'T' }, ...floats('T', ['gamma', 'beta', 'epsilon']) },
      typeDomains: { T: F },
      outputs: checkChannelVectors('instance_norm', ['gamma', 'beta']),
    },
    {
      name: 'layer_norm',
      since: 'iOS15',
      inputs: {
        x: { type: 'T' },
        axes: { type: ['int32'], optional: true, const: true },
        ...floats('T', ['gamma', 'beta', 'epsilon']),
      },
      typeDomains: { T: F },
      outputs: layerNormOutputs,
    },
    {
      name: 'l2_norm',
      since: 'iOS15',
      inputs: { x: { type: 'T' }, ...floats('T', ['epsilon']) },
      typeDomains: { T: F },
      outputs: sameAsX('l2_norm', 3, 5),
    },
    {
      name: 'local_response_norm',
      since: 'iOS15',
      inputs: { x: { type: 'T' }, size: { type: ['int32'], const: true }, ...floats('T', ['alpha', 'beta', 'k']) },
      typeDomains: { T: F },
      outputs: sameAsX('local_response_norm', 3, 5),
    },
  ];
}

/** iOS17: the same ops, with the float parameters in their own domain U. */
function redefine17(def: MilOpDef): MilOpDef {
  const inputs: Record<string, MilParamDef> = {};
  for (const [name, spec] of Object.entries(def.inputs)) inputs[name] = name !== 'x' && spec.type === 'T' ? { ...spec, type: 'U' } : spec;
  return { ...def, since: 'iOS17', inputs, typeDomains: { T: F, U: F } };
}

const iOS15Defs = defs15();

/** The norm family's MIL op definitions, one entry per op and deployment target that changed it. */
export const normOpDefs: readonly MilOpDef[] = [...iOS15Defs, ...iOS15Defs.map(redefine17)];
