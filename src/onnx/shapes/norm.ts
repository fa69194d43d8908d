import { attrInt } from '../ir.js';
import { ShapeMismatch, type ShapeFn, type ShapeTable } from './types.js';
import { typeOf } from './window.js';

/**
 * ONNX shape inference for the normalization family. Every op keeps X's type;
 * LayerNormalization's optional Mean and InvStdDev outputs keep the leading
 * dims and turn the normalized ones into 1s.
 */

const sameAsInput: ShapeFn = ({ inputs }) => [typeOf(inputs[0])];

const layerNorm: ShapeFn = ({ inputs, node }) => {
  const x = typeOf(inputs[0]);
  if (!x.shape) return [x, {}, {}];
  const rank = x.shape.length;
  const raw = attrInt(node, 'axis', -1);
  const axis = raw < 0 ? raw + rank : raw;
  const stats = { dtype: 'float32' as const, shape: x.shape.map((d, i) => (i < axis ? d : 1)) };
  return [x, stats, { ...stats, shape: [...stats.shape] }];
};

/** scale, B, mean and var hold one value per channel (axis 1 of X). */
const batchNorm: ShapeFn = ({ inputs }) => {
  const channels = inputs[0]?.shape?.[1];
  ['scale', 'B', 'input_mean', 'input_var'].forEach((name, k) => {
    const shape = inputs[k + 1]?.shape;
    if (!shape || typeof channels !== 'number') return;
    if (shape.length !== 1) throw new ShapeMismatch(`${name} has rank ${shape.length}, not 1`);
    if (typeof shape[0] === 'number' && shape[0] !== channels) throw new ShapeMismatch(`${name} has ${shape[0]} values but the input has ${channels} channels`);
  });
  return [typeOf(inputs[0])];
};

export const normShapes: ShapeTable = {
  BatchNormalization: batchNorm,
  InstanceNormalization: sameAsInput,
  LayerNormalization: layerNorm,
  LpNormalization: sameAsInput,
  GroupNormalization: sameAsInput,
  MeanVarianceNormalization: sameAsInput,
  LRN: sameAsInput,
};
