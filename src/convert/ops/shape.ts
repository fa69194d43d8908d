import type { ConverterTable } from '../types.js';

/** ONNX → MIL converters for the shape family. */
export const shapeConverters: ConverterTable = {};
