import { attrInt, type OnnxDim } from '../ir.js';
import { inputType, likeInput0, type ShapeFn, type ShapeTable } from './types.js';

/** ONNX shape inference for the space family: block moves between channels and space, Trilu, ReverseSequence. */

const times = (d: OnnxDim | undefined, f: number): OnnxDim => (typeof d === 'number' ? d * f : null);
const over = (d: OnnxDim | undefined, f: number): OnnxDim => (typeof d === 'number' ? Math.floor(d / f) : null);

function blockMove(toSpace: boolean): ShapeFn {
  return (input) => {
    const x = inputType(input, 0);
    const b = attrInt(input.node, 'blocksize', 1);
    if (!x.shape || x.shape.length !== 4) return [{ dtype: x.dtype }];
    const [n, c, h, w] = x.shape;
    const shape = toSpace ? [n!, over(c, b * b), times(h, b), times(w, b)] : [n!, times(c, b * b), over(h, b), over(w, b)];
    return [{ dtype: x.dtype, shape }];
  };
}

export const spaceShapes: ShapeTable = {
  Trilu: likeInput0,
  ReverseSequence: likeInput0,
  DepthToSpace: blockMove(true),
  SpaceToDepth: blockMove(false),
};
