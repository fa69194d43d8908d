import type { ConverterTable } from '../types.js';

/** ONNX → MIL converters for the activation family. */
export const activationConverters: ConverterTable = {};
