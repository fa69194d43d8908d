import type { ConverterTable } from '../types.js';

/** ONNX → MIL converters for the conv family. */
export const convConverters: ConverterTable = {};
