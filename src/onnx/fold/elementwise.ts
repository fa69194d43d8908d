import type { DType } from '../../tensor/dtype.js';
import { elementCount, type Tensor } from '../../tensor/tensor.js';
import { malformed } from '../shapes/params.js';
import type { OnnxNode } from '../ir.js';
import type { FoldFn, FoldTable } from './types.js';
import { broadcastIndex, broadcastShapes, checkFoldSize, fromNumbers, toNumbers } from './values.js';

/** Fold evaluators for the element-wise ops of shape arithmetic (int and float). */

type Binary = (a: number, b: number, integer: boolean) => number;

function isIntegerTensor(t: Tensor): boolean {
  return t.dtype !== 'float32' && t.dtype !== 'float64' && t.dtype !== 'float16' && t.dtype !== 'bfloat16';
}

/** Broadcasts the inputs and applies `fn` element by element; the result has `outDType`. */
function broadcastMap(node: OnnxNode, tensors: Tensor[], outDType: DType, fn: (vals: number[]) => number): Tensor {
  let shape: number[] | undefined = [];
  for (const t of tensors) shape = shape && broadcastShapes(shape, t.shape);
  if (!shape) throw malformed(node, `inputs of shapes ${tensors.map((t) => `[${t.shape.join(', ')}]`).join(', ')} do not broadcast`);
  checkFoldSize(shape);
  const values = tensors.map(toNumbers);
  const maps = tensors.map((t) => broadcastIndex(t.shape, shape!));
  const out = new Float64Array(elementCount(shape));
  const args = new Array<number>(tensors.length);
  for (let k = 0; k < out.length; k++) {
    for (let j = 0; j < tensors.length; j++) args[j] = values[j]![maps[j]![k]!]!;
    out[k] = fn(args);
  }
  return fromNumbers(outDType, shape, out);
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
