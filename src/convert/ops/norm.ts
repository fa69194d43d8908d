import type { ConverterTable } from '../types.js';

/** ONNX → MIL converters for the norm family. */
export const normConverters: ConverterTable = {};
