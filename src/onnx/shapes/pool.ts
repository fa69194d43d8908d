import type { ShapeTable } from './types.js';

/** ONNX shape inference for the pool family. */
export const poolShapes: ShapeTable = {};
