import { attrString, type OnnxDim } from '../ir.js';
import { inputType, type ShapeFn, type ShapeTable } from './types.js';

/** ONNX shape inference for the einsum family (Einsum, Det). */

/** Einsum's output dims from the equation's explicit output term (ellipsis dims unknown unless lone). */
const einsum: ShapeFn = (input) => {
  const dtype = inputType(input, 0).dtype;
  const eq = attrString(input.node, 'equation', '').replace(/\s+/g, '');
  const [lhs, rhs] = eq.split('->');
  if (rhs === undefined || eq.includes('...')) return [{ dtype }];
  const sizes = new Map<string, OnnxDim>();
  lhs!.split(',').forEach((term, i) => {
    const shape = inputType(input, i).shape;
    term.split('').forEach((l, d) => {
      const dim = shape?.[d];
      if (typeof dim === 'number' || !sizes.has(l)) sizes.set(l, typeof dim === 'number' ? dim : null);
    });
  });
  return [{ dtype, shape: rhs.split('').map((l) => sizes.get(l) ?? null) }];
};

const det: ShapeFn = (input) => {
  const x = inputType(input, 0);
  return [x.shape ? { dtype: x.dtype, shape: x.shape.slice(0, -2) } : { dtype: x.dtype }];
};

export const einsumShapes: ShapeTable = { Einsum: einsum, Det: det };
