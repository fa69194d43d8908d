import type { ShapeTable } from './types.js';

/** ONNX shape inference for the elementwise family. */
export const elementwiseShapes: ShapeTable = {};
