import type { ShapeTable } from './types.js';

/** ONNX shape inference for the norm family. */
export const normShapes: ShapeTable = {};
