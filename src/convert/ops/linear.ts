import type { ConverterTable } from '../types.js';

/** ONNX → MIL converters for the linear family. */
export const linearConverters: ConverterTable = {};
