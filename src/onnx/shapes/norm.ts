import { attrInt } from '../ir.js';
import type { ShapeFn, ShapeTable } from './types.js';
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

export const normShapes: ShapeTable = {
  BatchNormalization: sameAsInput,
  InstanceNormalization: sameAsInput,
  LayerNormalization: layerNorm,
  LpNormalization: sameAsInput,
  GroupNormalization: sameAsInput,
  MeanVarianceNormalization: sameAsInput,
  LRN: sameAsInput,
};
