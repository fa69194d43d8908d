import { isFloatDType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { attrInt, type OnnxNode } from '../ir.js';
import { malformed } from '../shapes/params.js';
import type { FoldFn, FoldTable } from './types.js';
import { broadcastMap, FoldSkip } from './values.js';

/** Fold evaluators for the element-wise ops of shape arithmetic (int and float). */

type Binary = (a: number, b: number, integer: boolean) => number;

function isIntegerTensor(t: Tensor): boolean {
  return !isFloatDType(t.dtype);
}

function binary(fn: Binary): FoldFn {
  return (node, inputs) => {
    const [a, b] = [inputs[0], inputs[1]];
    if (!a || !b) throw malformed(node, 'needs two inputs');
    const integer = isIntegerTensor(a);
    return [broadcastMap(node, [a, b], a.dtype, ([x, y]) => fn(x!, y!, integer))];
  };
}

function intDivide(a: number, b: number): number {
  if (b === 0) throw new Error('integer division by zero');
  return Math.trunc(a / b);
}

const foldEqual: FoldFn = (node, inputs) => {
  const [a, b] = [inputs[0], inputs[1]];
  if (!a || !b) throw malformed(node, 'needs two inputs');
  return [broadcastMap(node, [a, b], 'bool', ([x, y]) => (x === y ? 1 : 0))];
};

const foldWhere: FoldFn = (node, inputs) => {
  const [c, x, y] = [inputs[0], inputs[1], inputs[2]];
  if (!c || !x || !y) throw malformed(node, 'needs three inputs');
  return [broadcastMap(node, [c, x, y], x.dtype, ([cond, a, b]) => (cond ? a! : b!))];
};

/** Neg of shape arithmetic (e.g. a negated axis list feeding ConstantOfShape). */
const foldNeg: FoldFn = (node, inputs) => {
  const x = inputs[0];
  if (!x) throw malformed(node, 'needs an input');
  return [broadcastMap(node, [x], x.dtype, ([v]) => -v!)];
};

const foldNot: FoldFn = (node, inputs) => {
  const x = inputs[0];
  if (!x) throw malformed(node, 'needs an input');
  return [broadcastMap(node, [x], 'bool', ([v]) => (v ? 0 : 1))];
};

/**
 * Fold evaluators for the arithmetic, comparison and logic ops exporters use
 * on constants in shape and padding arithmetic (Swin's window padding is
 * `(w - H % w) % w`). Values are computed as float64 and written back in the
 * op's dtype; +, −, ×, ÷ and sqrt round to float32 exactly as a float32 op would.
 */

function isFloat(t: Tensor): boolean {
  return isFloatDType(t.dtype);
}

function present(node: OnnxNode, inputs: (Tensor | undefined)[], count: number): Tensor[] {
  const ts = inputs.slice(0, count);
  if (ts.length < count || ts.some((t) => t === undefined)) throw malformed(node, `needs ${count} input(s)`);
  return ts as Tensor[];
}

function unary(fn: (v: number) => number, floatOnly = false): FoldFn {
  return (node, inputs) => {
    const [x] = present(node, inputs, 1) as [Tensor];
    if (floatOnly && !isFloat(x)) throw malformed(node, `${node.opType} takes float tensors, not ${x.dtype}`);
    return [broadcastMap(node, [x], x.dtype, ([v]) => fn(v!))];
  };
}

function compare(fn: (a: number, b: number) => boolean): FoldFn {
  return (node, inputs) => [broadcastMap(node, present(node, inputs, 2), 'bool', ([a, b]) => (fn(a!, b!) ? 1 : 0))];
}

/** Min, Max and Mean-like variadic ops: every input broadcast together, result in the first input's dtype. */
function variadic(fn: (vals: number[]) => number): FoldFn {
  return (node, inputs) => {
    const ts = inputs.filter((t): t is Tensor => t !== undefined);
    if (ts.length === 0) throw malformed(node, 'needs at least one input');
    return [broadcastMap(node, ts, ts[0]!.dtype, fn)];
  };
}

/** NaN-propagating minimum/maximum, as onnxruntime computes them. */
const minOf = (vals: number[]): number => (vals.some(Number.isNaN) ? NaN : Math.min(...vals));

const maxOf = (vals: number[]): number => (vals.some(Number.isNaN) ? NaN : Math.max(...vals));

/** Round half to even (ONNX Round). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Mod: fmod = 1 is C fmod (the dividend's sign, floats or ints); fmod = 0 is
 * integer modulo with the divisor's sign. A zero integer divisor is left to run time.
 */
const foldMod: FoldFn = (node, inputs) => {
  const [a, b] = present(node, inputs, 2) as [Tensor, Tensor];
  const fmod = attrInt(node, 'fmod', 0) !== 0;
  const float = isFloat(a);
  if (float && !fmod) throw malformed(node, 'Mod of floats needs fmod = 1');
  return [
    broadcastMap(node, [a, b], a.dtype, ([x, y]) => {
      if (!float && y === 0) throw new FoldSkip('integer modulo by zero');
      const r = x! % y!;
      if (fmod || r === 0 || r < 0 === y! < 0) return r;
      return r + y!;
    }),
  ];
};

function logic(fn: (a: boolean, b: boolean) => boolean): FoldFn {
  return (node, inputs) => [broadcastMap(node, present(node, inputs, 2), 'bool', ([a, b]) => (fn(a !== 0, b !== 0) ? 1 : 0))];
}

export const elementwiseFolds: FoldTable = {
  Add: binary((a, b) => a + b),
  Sub: binary((a, b) => a - b),
  Mul: binary((a, b) => a * b),
  Div: binary((a, b, integer) => (integer ? intDivide(a, b) : a / b)),
  Equal: foldEqual,
  Where: foldWhere,
  Not: foldNot,
  Neg: foldNeg,
  Mod: foldMod,
  Min: variadic(minOf),
  Max: variadic(maxOf),
  Sum: variadic((vals) => vals.reduce((a, v) => a + v, 0)),
  Pow: (node, inputs) => {
    const [x, y] = present(node, inputs, 2) as [Tensor, Tensor];
    return [broadcastMap(node, [x, y], x.dtype, ([a, b]) => Math.pow(a!, b!))];
  },
  Abs: unary(Math.abs),
  Sign: unary((v) => (Number.isNaN(v) ? NaN : Math.sign(v) + 0)),
  Floor: unary(Math.floor, true),
  Ceil: unary(Math.ceil, true),
  Round: unary(roundHalfEven, true),
  Sqrt: unary(Math.sqrt, true),
  Reciprocal: unary((v) => 1 / v, true),
  Less: compare((a, b) => a < b),
  LessOrEqual: compare((a, b) => a <= b),
  Greater: compare((a, b) => a > b),
  GreaterOrEqual: compare((a, b) => a >= b),
  And: logic((a, b) => a && b),
  Or: logic((a, b) => a || b),
  Xor: logic((a, b) => a !== b),
};
