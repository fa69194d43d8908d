import type { ShapeTable } from './types.js';

/** ONNX shape inference for the activation family. */
export const activationShapes: ShapeTable = {};
