import { toNumberList } from '../../tensor/tensor.js';
import { attrInt, type OnnxDim } from '../ir.js';
import { isDynamic, normalizeAxis, reducedShape, reduceParams } from './params.js';
import { inputType, likeInput0, type ShapeFn, type ShapeTable } from './types.js';

/** ONNX shape inference for reductions, ArgMax/ArgMin, TopK and CumSum. */

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

const topK: ShapeFn = (input) => {
  const x = inputType(input, 0);
  if (!x.shape) return [{ dtype: x.dtype }, { dtype: 'int64' }];
  const axis = normalizeAxis(input.node, attrInt(input.node, 'axis', -1), x.shape.length);
  const kTensor = input.opset < 10 ? undefined : input.constant(1);
  const k: OnnxDim = input.opset < 10 ? attrInt(input.node, 'k') ?? null : kTensor ? toNumberList(kTensor)[0]! : null;
  const shape = x.shape.map((d, i) => (i === axis ? k : d));
  return [{ dtype: x.dtype, shape }, { dtype: 'int64', shape: [...shape] }];
};

export const REDUCE_OP_TYPES = [
  'ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2',
  'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare',
] as const;

export const reduceShapes: ShapeTable = {
  ...Object.fromEntries(REDUCE_OP_TYPES.map((op) => [op, reduce])),
  ArgMax: argReduce,
  TopK: topK,
  CumSum: likeInput0,
  ArgMin: argReduce,
};
