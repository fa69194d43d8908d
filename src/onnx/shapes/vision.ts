import { attrInt, attrInts, type OnnxDim, type OnnxNode } from '../ir.js';
import { toNumberList } from '../../tensor/tensor.js';
import { isStaticShape, malformed } from './params.js';
import type { ShapeTable } from './types.js';
import { typeOf } from './window.js';

/** MaxUnpool's output shape: the output_shape input, else (in − 1) · stride − pads + kernel per spatial dim. */
export function maxUnpoolShape(node: OnnxNode, xShape: readonly number[], outputShape: readonly number[] | undefined): number[] {
  if (outputShape) return [...outputShape];
  const spatial = xShape.length - 2;
  const kernel = attrInts(node, 'kernel_shape') ?? [];
  if (kernel.length !== spatial) throw malformed(node, `kernel_shape must have ${spatial} entries`);
  const strides = attrInts(node, 'strides') ?? kernel.map(() => 1);
  const pads = attrInts(node, 'pads') ?? new Array<number>(2 * spatial).fill(0);
  const dims = kernel.map((k, d) => (xShape[d + 2]! - 1) * strides[d]! - pads[d]! - pads[d + spatial]! + k);
  return [xShape[0]!, xShape[1]!, ...dims];
}

/**
 * ONNX shape inference for image sampling ops. GridSample: X [N, C, D...]
 * and grid [N, D_out..., k] give [N, C, D_out...] in X's type. MaxUnpool
 * keeps X's type with the output_shape input or the unpooled size.
 */
export const visionShapes: ShapeTable = {
  GridSample: ({ inputs }) => {
    const x = typeOf(inputs[0]);
    const grid = typeOf(inputs[1]);
    if (!x.shape || !grid.shape) return [{ ...(x.dtype ? { dtype: x.dtype } : {}) }];
    const shape: OnnxDim[] = [x.shape[0] ?? null, x.shape[1] ?? null, ...grid.shape.slice(1, -1)];
    return [{ ...(x.dtype ? { dtype: x.dtype } : {}), shape }];
  },
  RoiAlign: ({ node, inputs }) => {
    const x = typeOf(inputs[0]);
    const rois = typeOf(inputs[1]).shape?.[0] ?? null;
    const shape: OnnxDim[] = [rois, x.shape?.[1] ?? null, attrInt(node, 'output_height', 1), attrInt(node, 'output_width', 1)];
    return [{ ...(x.dtype ? { dtype: x.dtype } : {}), shape }];
  },
  MaxUnpool: ({ node, inputs, constant }) => {
    const x = typeOf(inputs[0]);
    const given = node.inputs[2] ? constant(2) : undefined;
    if (node.inputs[2] && !given) return [{ ...(x.dtype ? { dtype: x.dtype } : {}) }];
    if (!given && !isStaticShape(x.shape)) return [{ ...(x.dtype ? { dtype: x.dtype } : {}) }];
    const shape = maxUnpoolShape(node, (x.shape ?? []) as number[], given ? toNumberList(given) : undefined);
    return [{ ...(x.dtype ? { dtype: x.dtype } : {}), shape }];
  },
};
