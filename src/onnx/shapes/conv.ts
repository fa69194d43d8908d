import { attrInt, attrInts, type OnnxDim, type OnnxNode } from '../ir.js';
import { ShapeMismatch, type ShapeFn, type ShapeInferenceInput, type ShapeTable } from './types.js';
import { effectiveKernelSize, readWindow, windowOutput, type OnnxWindow } from './window.js';

/** ONNX shape inference for the conv family: Conv and ConvTranspose. */

function staticKernel(weightShape: readonly OnnxDim[] | undefined, spatial: number): number[] | undefined {
  const k = weightShape?.slice(2);
  if (!k || k.length !== spatial || !k.every((d) => typeof d === 'number')) return undefined;
  return k as number[];
}

const conv: ShapeFn = ({ inputs, node }) => {
  const x = inputs[0];
  const w = inputs[1];
  if (!x?.shape) return [{ ...(x?.dtype ? { dtype: x.dtype } : {}) }];
  const spatial = x.shape.length - 2;
  const win = readWindow(node, spatial, staticKernel(w?.shape, spatial));
  const cout: OnnxDim = w?.shape?.[0] ?? null;
  checkConvChannels(node, x.shape[1] ?? null, w?.shape, inputs[2]?.shape);
  return [{ ...(x.dtype ? { dtype: x.dtype } : {}), shape: [x.shape[0] ?? null, cout, ...windowOutput(win, x.shape.slice(2))] }];
};

/** Input channels must be the weight's channels × group, and output channels a multiple of group, as long as the bias. */
function checkConvChannels(node: OnnxNode, cin: OnnxDim, w: readonly OnnxDim[] | undefined, bias: readonly OnnxDim[] | undefined): void {
  const group = attrInt(node, 'group', 1);
  const [cout, perGroup] = [w?.[0], w?.[1]];
  if (typeof cin === 'number' && typeof perGroup === 'number' && cin !== perGroup * group) {
    throw new ShapeMismatch(`the input has ${cin} channels but the weight expects ${perGroup} (× group ${group})`);
  }
  if (typeof cout === 'number' && cout % group !== 0) throw new ShapeMismatch(`the weight has ${cout} output channels, which group ${group} does not divide`);
  const b = bias?.[0];
  if (bias && (bias.length !== 1 || (typeof b === 'number' && typeof cout === 'number' && b !== cout))) {
    throw new ShapeMismatch(`the bias has ${bias.length === 1 ? `${b} values` : `rank ${bias.length}`} but the weight has ${cout} output channels`);
  }
}

/**
 * Spatial output sizes of ConvTranspose. An explicit output_shape wins (it
 * may list only the spatial dims or all of them); SAME_* gives in * stride.
 */
export function convTransposeSpatial(node: OnnxNode, win: OnnxWindow, inDims: readonly OnnxDim[]): OnnxDim[] {
  const spatial = win.kernel.length;
  const explicit = attrInts(node, 'output_shape');
  if (explicit) return explicit.slice(explicit.length - spatial);
  const outputPadding = attrInts(node, 'output_padding') ?? new Array<number>(spatial).fill(0);
  return inDims.map((inDim, d) => {
    if (typeof inDim !== 'number') return null;
    const s = win.strides[d]!;
    if (win.autoPad === 'SAME_UPPER' || win.autoPad === 'SAME_LOWER') return inDim * s;
    const pads = win.autoPad === 'VALID' ? 0 : win.pads[d]! + win.pads[d + spatial]!;
    return s * (inDim - 1) + outputPadding[d]! + effectiveKernelSize(win.kernel[d]!, win.dilations[d]!) - pads;
  });
}

const convTranspose: ShapeFn = ({ inputs, node }: ShapeInferenceInput) => {
  const x = inputs[0];
  const w = inputs[1];
  if (!x?.shape) return [{ ...(x?.dtype ? { dtype: x.dtype } : {}) }];
  const spatial = x.shape.length - 2;
  const win = readWindow(node, spatial, staticKernel(w?.shape, spatial));
  const group = attrInt(node, 'group', 1);
  const perGroup = w?.shape?.[1];
  const cout: OnnxDim = typeof perGroup === 'number' ? perGroup * group : null;
  return [
    { ...(x.dtype ? { dtype: x.dtype } : {}), shape: [x.shape[0] ?? null, cout, ...convTransposeSpatial(node, win, x.shape.slice(2))] },
  ];
};

export const convShapes: ShapeTable = { Conv: conv, ConvTranspose: convTranspose };
