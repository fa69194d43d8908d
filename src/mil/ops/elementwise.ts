import type { DType } from '../../tensor/dtype.js';
import { formatShape } from '../../tensor/tensor.js';
import type { MilOpDef, TypeRuleInput } from '../catalogue.js';
import type { MilTensorType } from '../ir.js';

/**
 * MIL op definitions: element-wise binary ops (NumPy broadcasting), comparisons,
 * logical ops, element-wise unary math and `select`. Parameter names and type
 * domains follow the iOS15 definitions; none of these were redefined later.
 */

/** fp16 / fp32: the float-only domain. */
export const DOMAIN_F: readonly DType[] = ['float16', 'float32'];
/** fp16 / fp32 / int32. */
export const DOMAIN_FI: readonly DType[] = ['float16', 'float32', 'int32'];
/** fp16 / fp32 / int32 / bool. */
export const DOMAIN_FIB: readonly DType[] = ['float16', 'float32', 'int32', 'bool'];

/** Raised by type rules when argument shapes cannot be combined: a converter bug. */
export class MilShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MilShapeError';
  }
}

type Dim = number | null;

/** Broadcasts two dims; null (unknown) yields the other side's non-1 size, or unknown. */
function broadcastDim(a: Dim, b: Dim, shapes: () => string): Dim {
  if (a === 1) return b;
  if (b === 1) return a;
  if (a === null) return b;
  if (b === null) return a;
  if (a !== b) throw new MilShapeError(`shapes ${shapes()} do not broadcast`);
  return a;
}

/** NumPy broadcasting of any number of shapes (right-aligned); unknown dims stay unknown unless fixed by the other side. */
export function broadcastShapes(...shapes: readonly (readonly Dim[])[]): Dim[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = new Array<Dim>(rank).fill(1);
  const describe = (): string => shapes.map((s) => formatShape(s)).join(' and ');
  for (const shape of shapes) {
    const offset = rank - shape.length;
    for (let i = 0; i < shape.length; i++) out[offset + i] = broadcastDim(out[offset + i]!, shape[i]!, describe);
  }
  return out;
}

/** Type of a required parameter; the builder has already checked presence. */
export function requiredType(input: TypeRuleInput, param: string): MilTensorType {
  const t = input.type(param);
  if (!t) throw new MilShapeError(`parameter "${param}" is missing`);
  return t;
}

/** Output rule: same type as parameter `param`. */
export function sameTypeAs(param: string): MilOpDef['outputs'] {
  return (input) => {
    const t = requiredType(input, param);
    return [{ dtype: t.dtype, shape: [...t.shape] }];
  };
}

/** Output rule: broadcast of `x` and `y`, with dtype of `x` or a fixed dtype. */
function broadcastRule(outDType?: DType): MilOpDef['outputs'] {
  return (input) => {
    const x = requiredType(input, 'x');
    const y = requiredType(input, 'y');
    return [{ dtype: outDType ?? x.dtype, shape: broadcastShapes(x.shape, y.shape) }];
  };
}

function binary(name: string, domain: readonly DType[], outDType?: DType): MilOpDef {
  return {
    name,
    since: 'iOS15',
    inputs: { x: { type: 'T' }, y: { type: 'T' } },
    typeDomains: { T: domain },
    outputs: broadcastRule(outDType),
  };
}

/** An op of one input `x` whose output has x's type (unary math, most activations). */
export function unary(name: string, domain: readonly DType[], extra: MilOpDef['inputs'] = {}): MilOpDef {
  return {
    name,
    since: 'iOS15',
    inputs: { x: { type: 'T' }, ...extra },
    typeDomains: { T: domain },
    outputs: sameTypeAs('x'),
  };
}

/** `inverse`, `log`, `rsqrt`: iOS15 epsilon shares x's dtype; iOS17 lets it be any float (mixed precision). */
function withEpsilon(name: string): MilOpDef[] {
  return [
    unary(name, DOMAIN_F, { epsilon: { type: 'T', optional: true, const: true } }),
    {
      ...unary(name, DOMAIN_F, { epsilon: { type: 'U', optional: true, const: true } }),
      since: 'iOS17',
      typeDomains: { T: DOMAIN_F, U: DOMAIN_F },
    },
  ];
}

const ARITHMETIC = ['add', 'sub', 'mul', 'real_div', 'floor_div', 'mod', 'pow', 'maximum', 'minimum'];
const COMPARISONS = ['equal', 'not_equal', 'less', 'less_equal', 'greater', 'greater_equal'];
const LOGICAL = ['logical_and', 'logical_or', 'logical_xor'];
const FLOAT_UNARY = [
  'sqrt', 'exp', 'erf', 'floor', 'ceil', 'round', 'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'atanh',
];
const NUMERIC_UNARY = ['abs', 'sign', 'square', 'exp2'];

const selectOp: MilOpDef = {
  name: 'select',
  since: 'iOS15',
  inputs: { cond: { type: ['bool'] }, a: { type: 'T' }, b: { type: 'T' } },
  typeDomains: { T: DOMAIN_FIB },
  outputs: (input) => {
    const cond = requiredType(input, 'cond');
    const a = requiredType(input, 'a');
    const b = requiredType(input, 'b');
    return [{ dtype: a.dtype, shape: broadcastShapes(cond.shape, a.shape, b.shape) }];
  },
};

/** The elementwise family's MIL op definitions, one entry per op and deployment target that changed it. */
export const elementwiseOpDefs: readonly MilOpDef[] = [
  ...ARITHMETIC.map((n) => binary(n, DOMAIN_FI)),
  ...COMPARISONS.map((n) => binary(n, DOMAIN_FI, 'bool')),
  ...LOGICAL.map((n) => binary(n, ['bool'], 'bool')),
  unary('logical_not', ['bool']),
  ...FLOAT_UNARY.map((n) => unary(n, DOMAIN_F)),
  ...NUMERIC_UNARY.map((n) => unary(n, DOMAIN_FI)),
  ...withEpsilon('inverse'),
  ...withEpsilon('log'),
  ...withEpsilon('rsqrt'),
  selectOp,
];
