import type { ConverterTable } from '../types.js';

/** ONNX → MIL converters for the recurrent family. */
export const recurrentConverters: ConverterTable = {};
