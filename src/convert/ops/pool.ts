import type { ConverterTable } from '../types.js';

/** ONNX → MIL converters for the pool family. */
export const poolConverters: ConverterTable = {};
