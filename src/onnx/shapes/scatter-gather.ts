import { toNumberList } from '../../tensor/tensor.js';
import { attrInt, type OnnxDim } from '../ir.js';
import { normalizeAxis } from './params.js';
import { inputType, likeInput0, type ShapeFn, type ShapeTable } from './types.js';

/**
 * ONNX shape inference for the gather/scatter and index-producing ops:
 * GatherElements, GatherND, ScatterElements, Scatter, ScatterND, OneHot,
 * Compress and NonZero.
 */

/** Output 0 has input 0's dtype and input i's shape. */
function shapeOfInput(i: number): ShapeFn {
  return (input) => [{ dtype: inputType(input, 0).dtype, shape: inputType(input, i).shape }];
}

const gatherNd: ShapeFn = (input) => {
  const x = inputType(input, 0);
  const k = inputType(input, 1).shape;
  const depth = k?.[k.length - 1];
  if (!x.shape || !k || typeof depth !== 'number') return [{ dtype: x.dtype }];
  const batch = attrInt(input.node, 'batch_dims', 0);
  return [{ dtype: x.dtype, shape: [...k.slice(0, -1), ...x.shape.slice(batch + depth)] }];
};

const oneHot: ShapeFn = (input) => {
  const indices = inputType(input, 0).shape;
  const dtype = inputType(input, 2).dtype;
  if (!indices) return [{ dtype }];
  const depthTensor = input.constant(1);
  const depth: OnnxDim = depthTensor ? Math.trunc(toNumberList(depthTensor)[0]!) : null;
  const axis = normalizeAxis(input.node, attrInt(input.node, 'axis', -1), indices.length + 1);
  return [{ dtype, shape: [...indices.slice(0, axis), depth, ...indices.slice(axis)] }];
};

const compress: ShapeFn = (input) => {
  const x = inputType(input, 0);
  const cond = input.constant(1);
  const count: OnnxDim = cond ? toNumberList(cond).filter((v) => v !== 0).length : null;
  const axis = attrInt(input.node, 'axis');
  if (axis === undefined) return [{ dtype: x.dtype, shape: [count] }];
  if (!x.shape) return [{ dtype: x.dtype }];
  const a = normalizeAxis(input.node, axis, x.shape.length);
  return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (i === a ? count : d)) }];
};

const nonZero: ShapeFn = (input) => {
  const shape = inputType(input, 0).shape;
  return [{ dtype: 'int64', shape: shape ? [Math.max(shape.length, 1), null] : [null, null] }];
};

export const scatterGatherShapes: ShapeTable = {
  GatherElements: shapeOfInput(1),
  GatherND: gatherNd,
  ScatterElements: likeInput0,
  Scatter: likeInput0,
  ScatterND: likeInput0,
  OneHot: oneHot,
  Compress: compress,
  NonZero: nonZero,
};
