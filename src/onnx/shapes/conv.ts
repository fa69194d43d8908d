import type { ShapeTable } from './types.js';

/** ONNX shape inference for the conv family. */
export const convShapes: ShapeTable = {};
