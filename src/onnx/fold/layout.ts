import { elementCount, stridesOf, toNumberList } from '../../tensor/tensor.js';
import { attrInt, attrInts } from '../ir.js';
import { isDynamic, malformed, normalizeAxes, normalizeAxis, splitSizes } from '../shapes/params.js';
import type { FoldFn, FoldTable } from './types.js';
import { checkFoldSize, FoldSkip, takeElements } from './values.js';

/**
 * Fold evaluators that move elements of a constant without changing them:
 * Transpose (exporters transpose pad lists, [[b0, e0], [b1, e1]] → [b..., e...])
 * Tile and Split. Any dtype; the result's size is bounded like every fold.
 */

/** For each element of `outShape`, the flat index it reads from `inShape` through `coordOf`. */
function gatherIndex(outShape: readonly number[], inShape: readonly number[], coordOf: (out: number[], axis: number) => number): Int32Array {
  checkFoldSize(outShape);
  const inStrides = stridesOf(inShape);
  const n = elementCount(outShape);
  const source = new Int32Array(n);
  const coord = new Array<number>(outShape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let src = 0;
    for (let d = 0; d < inShape.length; d++) src += coordOf(coord, d) * inStrides[d]!;
    source[k] = src;
    for (let d = outShape.length - 1; d >= 0; d--) {
      if (++coord[d]! < outShape[d]!) break;
      coord[d] = 0;
    }
  }
  return source;
}

const foldTranspose: FoldFn = (node, inputs) => {
  const x = inputs[0];
  if (!x) throw malformed(node, 'needs an input');
  const rank = x.shape.length;
  const perm = normalizeAxes(node, attrInts(node, 'perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i), rank);
  if (perm.length !== rank || new Set(perm).size !== rank) throw malformed(node, `perm [${perm.join(', ')}] is not a permutation of ${rank} axes`);
  const outShape = perm.map((p) => x.shape[p]!);
  // Input axis perm[j] is output axis j.
  const outAxisOf = new Array<number>(rank);
  perm.forEach((p, j) => (outAxisOf[p] = j));
  return [takeElements(x, outShape, gatherIndex(outShape, x.shape, (out, d) => out[outAxisOf[d]!]!))];
};

const foldTile: FoldFn = (node, inputs) => {
  const [x, repeatsT] = [inputs[0], inputs[1]];
  if (!x || !repeatsT) throw malformed(node, 'needs an input and repeats');
  const repeats = toNumberList(repeatsT);
  if (repeats.length !== x.shape.length || repeats.some((r) => r < 0)) throw malformed(node, `repeats [${repeats.join(', ')}] do not fit rank ${x.shape.length}`);
  const outShape = x.shape.map((d, i) => d * repeats[i]!);
  return [takeElements(x, outShape, gatherIndex(outShape, x.shape, (out, d) => out[d]! % x.shape[d]!))];
};

/** Split of a constant (exporters split shape vectors into their dims). */
const foldSplit: FoldFn = (node, inputs, opset) => {
  const x = inputs[0];
  if (!x) throw malformed(node, 'needs an input');
  const axis = normalizeAxis(node, attrInt(node, 'axis', 0), x.shape.length);
  const sizes = splitSizes(node, opset, (i) => inputs[i], x.shape[axis]);
  if (sizes === undefined || isDynamic(sizes)) throw new FoldSkip('split sizes are not constant');
  let start = 0;
  return sizes.map((size) => {
    const shape = x.shape.map((d, a) => (a === axis ? size : d));
    const from = start;
    start += size;
    return takeElements(x, shape, gatherIndex(shape, x.shape, (out, d) => out[d]! + (d === axis ? from : 0)));
  });
};

export const layoutFolds: FoldTable = {
  Transpose: foldTranspose,
  Tile: foldTile,
  Split: foldSplit,
};
