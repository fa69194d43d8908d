import { attrInts } from '../ir.js';
import type { ShapeFn, ShapeTable } from './types.js';

/**
 * ONNX shape inference for TfIdfVectorizer: a [C] input gives [K] and an [N, C] input
 * gives [N, K] floats, where K is one more than the largest output column that
 * ngram_indexes names.
 */
const tfIdfVectorizer: ShapeFn = ({ inputs, node }) => {
  const columns = (attrInts(node, 'ngram_indexes') ?? []).reduce((m, v) => Math.max(m, v + 1), 0);
  const shape = inputs[0]?.shape;
  if (!shape || shape.length < 1 || shape.length > 2) return [{ dtype: 'float32' }];
  return [{ dtype: 'float32', shape: shape.length === 1 ? [columns] : [shape[0]!, columns] }];
};

export const textShapes: ShapeTable = { TfIdfVectorizer: tfIdfVectorizer };
