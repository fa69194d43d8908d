import { attrFloats, attrInts, attrString, type OnnxDim, type OnnxNode } from '../ir.js';
import { toNumberList, type Tensor } from '../../tensor/tensor.js';
import type { ShapeFn, ShapeTable } from './types.js';
import { typeOf } from './window.js';

/**
 * ONNX shape inference for Resize and Upsample, plus the reader that turns
 * their version-dependent inputs/attributes into one form, shared with the
 * converter so both agree on what a node means.
 */

/** Per-axis scales and output sizes of a Resize/Upsample node with static input dims. */
export interface ResizeTarget {
  scales: number[];
  sizes: number[];
  /** True when the node gave sizes (the coordinate transform then uses out/in). */
  fromSizes: boolean;
}

function expandToRank(values: number[], axes: number[] | undefined, rank: number, fill: number): number[] {
  if (!axes) return values;
  const out = new Array<number>(rank).fill(fill);
  axes.forEach((ax, i) => (out[ax < 0 ? ax + rank : ax] = values[i]!));
  return out;
}

/** Applies keep_aspect_ratio_policy (opset 18) to requested sizes. */
function applyAspectPolicy(node: OnnxNode, inDims: number[], sizes: number[], axes: number[]): number[] {
  const policy = attrString(node, 'keep_aspect_ratio_policy', 'stretch');
  if (policy === 'stretch') return sizes;
  const ratios = axes.map((ax) => sizes[ax]! / inDims[ax]!);
  const scale = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
  return sizes.map((s, ax) => (axes.includes(ax) ? Math.round(inDims[ax]! * scale) : s));
}

export function readResizeTarget(
  node: OnnxNode,
  opset: number,
  inDims: number[],
  constant: (i: number) => Tensor | undefined,
): ResizeTarget | undefined {
  const rank = inDims.length;
  const axes = attrInts(node, 'axes');
  let scales: number[] | undefined;
  let sizes: number[] | undefined;
  if (node.opType === 'Upsample' && opset < 9) scales = attrFloats(node, 'scales');
  else if (node.opType === 'Upsample' || opset < 11) scales = node.inputs[1] ? maybe(constant(1)) : undefined;
  else {
    if (node.inputs[3]) {
      sizes = maybe(constant(3));
      if (!sizes) return undefined;
    } else if (node.inputs[2]) scales = maybe(constant(2));
  }
  if (sizes && sizes.length > 0) {
    let full = expandToRank(sizes, axes, rank, 0).map((s, i) => (axes && !axes.includes(i) && !axes.includes(i - rank) ? inDims[i]! : s));
    full = applyAspectPolicy(node, inDims, full, axes ? axes.map((a) => (a < 0 ? a + rank : a)) : [...Array(rank).keys()]);
    return { sizes: full, scales: full.map((s, i) => s / inDims[i]!), fromSizes: true };
  }
  if (!scales || scales.length === 0) return undefined;
  const full = expandToRank(scales, axes, rank, 1);
  if (full.length !== rank) throw new Error(`scales must have ${rank} values`);
  return { scales: full, sizes: full.map((s, i) => Math.floor(inDims[i]! * s)), fromSizes: false };
}

function maybe(t: Tensor | undefined): number[] | undefined {
  return t ? toNumberList(t) : undefined;
}

const resize: ShapeFn = ({ inputs, node, opset, constant }) => {
  const x = typeOf(inputs[0]);
  if (!x.shape) return [x];
  const staticDims = x.shape.every((d): d is number => typeof d === 'number') ? (x.shape as number[]) : undefined;
  const target = staticDims ? readResizeTarget(node, opset, staticDims, constant) : undefined;
  const shape: OnnxDim[] = target ? target.sizes : x.shape.map(() => null);
  return [{ ...x, shape }];
};

export const resampleShapes: ShapeTable = { Resize: resize, Upsample: resize };
