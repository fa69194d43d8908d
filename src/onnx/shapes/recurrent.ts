import type { ShapeTable } from './types.js';

/** ONNX shape inference for the recurrent family. */
export const recurrentShapes: ShapeTable = {};
