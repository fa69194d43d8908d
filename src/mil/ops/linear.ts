import type { DType } from '../../tensor/dtype.js';
import type { MilOpDef, TypeRuleInput } from '../catalogue.js';
import type { MilTensorType } from '../ir.js';
import { boolParam } from './window.js';

/**
 * MIL op definitions: linear (x · weightᵀ + bias) and matmul (NumPy-style
 * batched matrix product). iOS17 lets weight/y differ in dtype from x.
 */

const FI: readonly DType[] = ['float16', 'float32', 'int32'];
type Dim = number | null;

function need(input: TypeRuleInput, param: string, op: string): MilTensorType {
  const t = input.type(param);
  if (!t) throw new Error(`${op}: missing ${param}`);
  return t;
}

/** Broadcasts two dims; null (unknown) yields to a known dim other than 1. */
export function broadcastDim(a: Dim, b: Dim): Dim {
  if (a === 1) return b;
  if (b === 1) return a;
  if (a === null) return b;
  if (b === null) return a;
  if (a !== b) throw new Error(`cannot broadcast dims ${a} and ${b}`);
  return a;
}

/** Right-aligned NumPy broadcast of two shapes. */
export function broadcastShapes(a: readonly Dim[], b: readonly Dim[]): Dim[] {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)]!;
    const db = i < n - b.length ? 1 : b[i - (n - b.length)]!;
    out.push(broadcastDim(da, db));
  }
  return out;
}

/** Output shape of matmul, with 1-D promotion and removal as in NumPy. */
export function matmulShape(x: readonly Dim[], y: readonly Dim[], transposeX: boolean, transposeY: boolean): Dim[] {
  if (x.length === 0 || y.length === 0) throw new Error('matmul: operands must have rank >= 1');
  let xs = x.length === 1 ? [1, x[0]!] : [...x];
  let ys = y.length === 1 ? [y[0]!, 1] : [...y];
  if (transposeX && x.length > 1) xs = [...xs.slice(0, -2), xs[xs.length - 1]!, xs[xs.length - 2]!];
  if (transposeY && y.length > 1) ys = [...ys.slice(0, -2), ys[ys.length - 1]!, ys[ys.length - 2]!];
  const kx = xs[xs.length - 1]!;
  const ky = ys[ys.length - 2]!;
  if (kx !== null && ky !== null && kx !== ky) throw new Error(`matmul: inner dims differ (${kx} vs ${ky})`);
  const batch = broadcastShapes(xs.slice(0, -2), ys.slice(0, -2));
  const out: Dim[] = [...batch];
  if (x.length > 1) out.push(xs[xs.length - 2]!);
  if (y.length > 1) out.push(ys[ys.length - 1]!);
  return out;
}

function matmulOutputs(input: TypeRuleInput): MilTensorType[] {
  const x = need(input, 'x', 'matmul');
  const y = need(input, 'y', 'matmul');
  const shape = matmulShape(x.shape, y.shape, boolParam(input, 'transpose_x', false), boolParam(input, 'transpose_y', false));
  // With mixed dtypes (iOS17) the result takes the dtype of the non-constant operand.
  const dtype = input.value('x') && !input.value('y') ? y.dtype : x.dtype;
  return [{ dtype, shape }];
}

function linearOutputs(input: TypeRuleInput): MilTensorType[] {
  const x = need(input, 'x', 'linear');
  const w = need(input, 'weight', 'linear');
  if (w.shape.length !== 2) throw new Error('linear: weight must be [D_out, D_in]');
  if (x.shape.length < 1) throw new Error('linear: x must have rank >= 1');
  const din = x.shape[x.shape.length - 1];
  if (din !== null && w.shape[1] !== null && din !== w.shape[1]) {
    throw new Error(`linear: x has ${din} features but weight expects ${w.shape[1]}`);
  }
  const bias = input.type('bias');
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== w.shape[0])) throw new Error('linear: bias must be [D_out]');
  return [{ dtype: x.dtype, shape: [...x.shape.slice(0, -1), w.shape[0] ?? null] }];
}

const linear15: MilOpDef = {
  name: 'linear',
  since: 'iOS15',
  inputs: {
    x: { type: 'T' },
    weight: { type: 'T', const: true },
    bias: { type: 'T', optional: true, const: true },
  },
  typeDomains: { T: FI },
  outputs: linearOutputs,
};

const matmul15: MilOpDef = {
  name: 'matmul',
  since: 'iOS15',
  inputs: {
    x: { type: 'T' },
    y: { type: 'T' },
    transpose_x: { type: ['bool'], optional: true, const: true },
    transpose_y: { type: ['bool'], optional: true, const: true },
  },
  typeDomains: { T: FI },
  outputs: matmulOutputs,
};

/** The linear family's MIL op definitions, one entry per op and deployment target that changed it. */
export const linearOpDefs: readonly MilOpDef[] = [
  linear15,
  matmul15,
  {
    ...linear15,
    since: 'iOS17',
    inputs: { ...linear15.inputs, weight: { type: 'U', const: true }, bias: { type: 'U', optional: true, const: true } },
    typeDomains: { T: FI, U: FI },
  },
  { ...matmul15, since: 'iOS17', inputs: { ...matmul15.inputs, y: { type: 'U' } }, typeDomains: { T: FI, U: FI } },
];
