import type { ShapeTable } from './types.js';

/** ONNX shape inference for the reduce family. */
export const reduceShapes: ShapeTable = {};
