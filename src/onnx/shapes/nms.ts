import type { ShapeFn, ShapeTable } from './types.js';

/**
 * ONNX shape inference for NonMaxSuppression: selected_indices is int64
 * [num_selected, 3], rows of (batch, class, box); how many rows survive is only known
 * when the model runs.
 */
const nonMaxSuppression: ShapeFn = () => [{ dtype: 'int64', shape: [null, 3] }];

export const nmsShapes: ShapeTable = { NonMaxSuppression: nonMaxSuppression };
