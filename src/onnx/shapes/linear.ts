import type { ShapeTable } from './types.js';

/** ONNX shape inference for the linear family. */
export const linearShapes: ShapeTable = {};
