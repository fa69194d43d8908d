import { attrFloat, attrInts, attrString, type OnnxNode } from '../ir.js';
import { toNumberList, type Tensor } from '../../tensor/tensor.js';
import type { ShapeFn, ShapeTable } from './types.js';
import { typeOf } from './window.js';

/**
 * ONNX shape inference for Pad, plus the reader that turns its
 * version-dependent inputs/attributes into one form, shared with the
 * converter so both agree on what a node means.
 */

export interface PadSpec {
  /** One (begin, end) pair per axis of x, in axis order. */
  begins: number[];
  ends: number[];
  mode: string;
  value: number;
}

/** Pads of a Pad node, or undefined when they are not constant. */
export function readPadSpec(node: OnnxNode, opset: number, rank: number, constant: (i: number) => Tensor | undefined): PadSpec | undefined {
  const mode = attrString(node, 'mode', 'constant');
  let pads: number[] | undefined;
  let value = 0;
  let axes = [...Array(rank).keys()];
  if (opset < 11) {
    pads = attrInts(node, 'pads') ?? attrInts(node, 'paddings');
    value = attrFloat(node, 'value', 0);
  } else {
    const p = constant(1);
    if (!p) return undefined;
    pads = toNumberList(p);
    if (node.inputs[2]) {
      const v = constant(2);
      if (!v) return undefined;
      value = toNumberList(v)[0] ?? 0;
    }
    if (node.inputs[3]) {
      const a = constant(3);
      if (!a) return undefined;
      axes = toNumberList(a).map((ax) => (ax < 0 ? ax + rank : ax));
    }
  }
  if (!pads || pads.length !== 2 * axes.length) throw new Error(`pads must have ${2 * axes.length} values`);
  const begins = new Array<number>(rank).fill(0);
  const ends = new Array<number>(rank).fill(0);
  axes.forEach((ax, i) => {
    begins[ax] = pads![i]!;
    ends[ax] = pads![i + axes.length]!;
  });
  return { begins, ends, mode, value };
}

const pad: ShapeFn = ({ inputs, node, opset, constant }) => {
  const x = typeOf(inputs[0]);
  if (!x.shape) return [x];
  const spec = readPadSpec(node, opset, x.shape.length, constant);
  if (!spec) return [{ ...x, shape: x.shape.map(() => null) }];
  return [{ ...x, shape: x.shape.map((d, i) => (typeof d === 'number' ? d + spec.begins[i]! + spec.ends[i]! : null)) }];
};

export const padShapes: ShapeTable = { Pad: pad };
