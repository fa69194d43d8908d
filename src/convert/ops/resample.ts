import type { ConverterTable } from '../types.js';

/** ONNX → MIL converters for the resample family. */
export const resampleConverters: ConverterTable = {};
