import { attrInt } from '../ir.js';
import { isDynamic, normalizeAxis, reducedShape, reduceParams } from './params.js';
import type { ShapeFn, ShapeTable } from './types.js';

/** ONNX shape inference for reductions and ArgMax/ArgMin. */

const reduce: ShapeFn = (input) => {
  const x = input.inputs[0] ?? {};
  if (!x.shape) return [{ dtype: x.dtype }];
  const p = reduceParams(input.node, input.opset, input.constant, x.shape.length);
  if (isDynamic(p)) return [{ dtype: x.dtype }];
  return [{ dtype: x.dtype, shape: reducedShape(x.shape, p) }];
};

const argReduce: ShapeFn = (input) => {
  const x = input.inputs[0] ?? {};
  if (!x.shape) return [{ dtype: 'int64' }];
  const axis = normalizeAxis(input.node, attrInt(input.node, 'axis', 0), x.shape.length);
  const keep = attrInt(input.node, 'keepdims', 1) !== 0;
  return [{ dtype: 'int64', shape: keep ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis) }];
};

export const REDUCE_OP_TYPES = [
  'ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2',
  'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare',
] as const;

export const reduceShapes: ShapeTable = {
  ...Object.fromEntries(REDUCE_OP_TYPES.map((op) => [op, reduce])),
  ArgMax: argReduce,
  ArgMin: argReduce,
};
