import type { OnnxDim } from '../ir.js';
import type { ShapeTable } from './types.js';
import { typeOf } from './window.js';

/**
 * ONNX shape inference for image sampling ops. GridSample: X [N, C, D...]
 * and grid [N, D_out..., k] give [N, C, D_out...] in X's type.
 */
export const visionShapes: ShapeTable = {
  GridSample: ({ inputs }) => {
    const x = typeOf(inputs[0]);
    const grid = typeOf(inputs[1]);
    if (!x.shape || !grid.shape) return [{ ...(x.dtype ? { dtype: x.dtype } : {}) }];
    const shape: OnnxDim[] = [x.shape[0] ?? null, x.shape[1] ?? null, ...grid.shape.slice(1, -1)];
    return [{ ...(x.dtype ? { dtype: x.dtype } : {}), shape }];
  },
};
