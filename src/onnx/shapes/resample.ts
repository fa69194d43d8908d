import type { ShapeTable } from './types.js';

/** ONNX shape inference for the resample family. */
export const resampleShapes: ShapeTable = {};
