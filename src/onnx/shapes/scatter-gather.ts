import { toNumberList } from '../../tensor/tensor.js';
import { attrInt, attrString, type OnnxDim } from '../ir.js';
import { normalizeAxis } from './params.js';
import type { InferredType, ShapeFn, ShapeInferenceInput, ShapeTable } from './types.js';

/**
 * ONNX shape inference for the gather/scatter, index-producing, block-moving
 * and contraction ops: GatherElements, GatherND, ScatterElements, Scatter,
 * ScatterND, OneHot, Compress, NonZero, TopK, CumSum, Trilu, DepthToSpace,
 * SpaceToDepth, ReverseSequence, Einsum and Det.
 */

function typeAt(input: ShapeInferenceInput, i: number): InferredType {
  return input.inputs[i] ?? {};
}

/** Output 0 has the type of input 0. */
const likeInput0: ShapeFn = (input) => [{ ...typeAt(input, 0) }];

/** Output 0 has input 0's dtype and input i's shape. */
function shapeOfInput(i: number): ShapeFn {
  return (input) => [{ dtype: typeAt(input, 0).dtype, shape: typeAt(input, i).shape }];
}

const gatherNd: ShapeFn = (input) => {
  const x = typeAt(input, 0);
  const k = typeAt(input, 1).shape;
  const depth = k?.[k.length - 1];
  if (!x.shape || !k || typeof depth !== 'number') return [{ dtype: x.dtype }];
  const batch = attrInt(input.node, 'batch_dims', 0);
  return [{ dtype: x.dtype, shape: [...k.slice(0, -1), ...x.shape.slice(batch + depth)] }];
};

const oneHot: ShapeFn = (input) => {
  const indices = typeAt(input, 0).shape;
  const dtype = typeAt(input, 2).dtype;
  if (!indices) return [{ dtype }];
  const depthTensor = input.constant(1);
  const depth: OnnxDim = depthTensor ? Math.trunc(toNumberList(depthTensor)[0]!) : null;
  const axis = normalizeAxis(input.node, attrInt(input.node, 'axis', -1), indices.length + 1);
  return [{ dtype, shape: [...indices.slice(0, axis), depth, ...indices.slice(axis)] }];
};

const compress: ShapeFn = (input) => {
  const x = typeAt(input, 0);
  const cond = input.constant(1);
  const count: OnnxDim = cond ? toNumberList(cond).filter((v) => v !== 0).length : null;
  const axis = attrInt(input.node, 'axis');
  if (axis === undefined) return [{ dtype: x.dtype, shape: [count] }];
  if (!x.shape) return [{ dtype: x.dtype }];
  const a = normalizeAxis(input.node, axis, x.shape.length);
  return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (i === a ? count : d)) }];
};

const nonZero: ShapeFn = (input) => {
  const shape = typeAt(input, 0).shape;
  return [{ dtype: 'int64', shape: shape ? [Math.max(shape.length, 1), null] : [null, null] }];
};

const topK: ShapeFn = (input) => {
  const x = typeAt(input, 0);
  if (!x.shape) return [{ dtype: x.dtype }, { dtype: 'int64' }];
  const axis = normalizeAxis(input.node, attrInt(input.node, 'axis', -1), x.shape.length);
  const kTensor = input.opset < 10 ? undefined : input.constant(1);
  const k: OnnxDim = input.opset < 10 ? attrInt(input.node, 'k') ?? null : kTensor ? toNumberList(kTensor)[0]! : null;
  const shape = x.shape.map((d, i) => (i === axis ? k : d));
  return [{ dtype: x.dtype, shape }, { dtype: 'int64', shape: [...shape] }];
};

const times = (d: OnnxDim | undefined, f: number): OnnxDim => (typeof d === 'number' ? d * f : null);
const over = (d: OnnxDim | undefined, f: number): OnnxDim => (typeof d === 'number' ? Math.floor(d / f) : null);

function blockMove(toSpace: boolean): ShapeFn {
  return (input) => {
    const x = typeAt(input, 0);
    const b = attrInt(input.node, 'blocksize', 1);
    if (!x.shape || x.shape.length !== 4) return [{ dtype: x.dtype }];
    const [n, c, h, w] = x.shape;
    const shape = toSpace ? [n!, over(c, b * b), times(h, b), times(w, b)] : [n!, times(c, b * b), over(h, b), over(w, b)];
    return [{ dtype: x.dtype, shape }];
  };
}

/** Einsum's output dims from the equation's explicit output term (ellipsis dims unknown unless lone). */
const einsum: ShapeFn = (input) => {
  const dtype = typeAt(input, 0).dtype;
  const eq = attrString(input.node, 'equation', '').replace(/\s+/g, '');
  const [lhs, rhs] = eq.split('->');
  if (rhs === undefined || eq.includes('...')) return [{ dtype }];
  const sizes = new Map<string, OnnxDim>();
  lhs!.split(',').forEach((term, i) => {
    const shape = typeAt(input, i).shape;
    term.split('').forEach((l, d) => {
      const dim = shape?.[d];
      if (typeof dim === 'number' || !sizes.has(l)) sizes.set(l, typeof dim === 'number' ? dim : null);
    });
  });
  return [{ dtype, shape: rhs.split('').map((l) => sizes.get(l) ?? null) }];
};

const det: ShapeFn = (input) => {
  const x = typeAt(input, 0);
  return [x.shape ? { dtype: x.dtype, shape: x.shape.slice(0, -2) } : { dtype: x.dtype }];
};

export const scatterGatherShapes: ShapeTable = {
  GatherElements: shapeOfInput(1),
  GatherND: gatherNd,
  ScatterElements: likeInput0,
  Scatter: likeInput0,
  ScatterND: likeInput0,
  OneHot: oneHot,
  Compress: compress,
  NonZero: nonZero,
  TopK: topK,
  CumSum: likeInput0,
  Trilu: likeInput0,
  ReverseSequence: likeInput0,
  DepthToSpace: blockMove(true),
  SpaceToDepth: blockMove(false),
  Einsum: einsum,
  Det: det,
};
