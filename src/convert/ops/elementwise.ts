import type { ConverterTable } from '../types.js';

/** ONNX → MIL converters for the elementwise family. */
export const elementwiseConverters: ConverterTable = {};
