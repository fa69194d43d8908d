import type { ShapeTable } from './types.js';

/** ONNX shape inference for the shape family. */
export const shapeShapes: ShapeTable = {};
