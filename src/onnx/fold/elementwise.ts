import { isFloatDType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { malformed } from '../shapes/params.js';
import type { FoldFn, FoldTable } from './types.js';
import { broadcastMap } from './values.js';

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

export const elementwiseFolds: FoldTable = {
  Add: binary((a, b) => a + b),
  Sub: binary((a, b) => a - b),
  Mul: binary((a, b) => a * b),
  Div: binary((a, b, integer) => (integer ? intDivide(a, b) : a / b)),
  Equal: foldEqual,
  Where: foldWhere,
  Not: foldNot,
  Neg: foldNeg,
};
