import { dtypeOfOnnxType } from '../data-type.js';
import { attrInt } from '../ir.js';
import { toNumberList } from '../../tensor/tensor.js';
import type { ShapeFn, ShapeTable } from './types.js';

/** A window has `size` elements (known when the size is constant) of output_datatype (float by default). */
const windowShape: ShapeFn = ({ node, constant }) => {
  const dtype = dtypeOfOnnxType(attrInt(node, 'output_datatype', 1));
  const size = constant(0);
  return [{ ...(dtype ? { dtype } : {}), shape: [size ? toNumberList(size)[0]! : null] }];
};

/**
 * ONNX shape inference for generators: EyeLike has its input's shape and the
 * `dtype` attribute's type (else the input's); windows are 1-D.
 */
export const generatorShapes: ShapeTable = {
  HannWindow: windowShape,
  HammingWindow: windowShape,
  BlackmanWindow: windowShape,
  EyeLike: ({ node, inputs }) => {
    const code = attrInt(node, 'dtype');
    const dtype = code === undefined ? inputs[0]?.dtype : dtypeOfOnnxType(code);
    const shape = inputs[0]?.shape;
    return [{ ...(dtype ? { dtype } : {}), ...(shape ? { shape: [...shape] } : {}) }];
  },
};
