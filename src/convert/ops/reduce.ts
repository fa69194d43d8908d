import type { ConverterTable } from '../types.js';

/** ONNX → MIL converters for the reduce family. */
export const reduceConverters: ConverterTable = {};
