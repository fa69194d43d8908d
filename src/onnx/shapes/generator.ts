import { dtypeOfOnnxType } from '../data-type.js';
import { attrInt } from '../ir.js';
import type { ShapeTable } from './types.js';

/** ONNX shape inference for generators: EyeLike has its input's shape and the `dtype` attribute's type (else the input's). */
export const generatorShapes: ShapeTable = {
  EyeLike: ({ node, inputs }) => {
    const code = attrInt(node, 'dtype');
    const dtype = code === undefined ? inputs[0]?.dtype : dtypeOfOnnxType(code);
    const shape = inputs[0]?.shape;
    return [{ ...(dtype ? { dtype } : {}), ...(shape ? { shape: [...shape] } : {}) }];
  },
};
