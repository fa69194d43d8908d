import type { DType } from '../../tensor/dtype.js';
import { attrInt, type OnnxDim, type OnnxNode } from '../ir.js';
import { malformed } from './params.js';
import type { InferredType, ShapeFn, ShapeTable } from './types.js';

/**
 * ONNX shape inference for element-wise ops: NumPy (multidirectional)
 * broadcasting for binary and variadic ops, the input's type for unary ops,
 * bool for comparisons and logic, the data type of X/Y for Where.
 */

/** Broadcasts two dims: 1 stretches, equal symbols stay, a number beats a symbol; mismatched numbers are an error. */
function broadcastDim(node: OnnxNode, a: OnnxDim, b: OnnxDim): OnnxDim {
  if (a === 1) return b;
  if (b === 1) return a;
  if (a === b) return a;
  const aNum = typeof a === 'number';
  const bNum = typeof b === 'number';
  if (aNum && bNum) throw malformed(node, `dims ${a} and ${b} do not broadcast`);
  if (aNum) return a;
  if (bNum) return b;
  return null;
}

/** NumPy broadcasting of ONNX shapes; undefined when any shape is unknown. */
export function broadcastOnnx(node: OnnxNode, shapes: readonly (readonly OnnxDim[] | undefined)[]): OnnxDim[] | undefined {
  if (shapes.some((s) => s === undefined)) return undefined;
  const known = shapes as readonly (readonly OnnxDim[])[];
  const rank = Math.max(0, ...known.map((s) => s.length));
  const out: OnnxDim[] = new Array<OnnxDim>(rank).fill(1);
  for (const s of known) {
    const offset = rank - s.length;
    s.forEach((d, i) => {
      out[offset + i] = broadcastDim(node, out[offset + i]!, d);
    });
  }
  return out;
}

function typed(dtype: DType | undefined, shape: OnnxDim[] | undefined): InferredType {
  return { ...(dtype ? { dtype } : {}), ...(shape ? { shape } : {}) };
}

/** Output = input 0's type. */
export const sameAsFirstInput: ShapeFn = ({ inputs }) => {
  const x = inputs[0];
  return [typed(x?.dtype, x?.shape ? [...x.shape] : undefined)];
};

/** Before opset 7, binary ops with `broadcast` = 1 stretch B over A (from `axis` on), so the result has A's shape. */
function legacyBroadcast(node: OnnxNode, opset: number): boolean {
  return opset < 7 && node.inputs.length === 2 && attrInt(node, 'broadcast', 0) !== 0;
}

/** Broadcast of all present inputs; dtype of input `dtypeFrom`, or a fixed dtype. */
function broadcasting(fixedDType?: DType, dtypeFrom = 0): ShapeFn {
  return ({ node, inputs, opset }) => {
    if (legacyBroadcast(node, opset)) return [typed(fixedDType ?? inputs[dtypeFrom]?.dtype, inputs[0]?.shape ? [...inputs[0].shape] : undefined)];
    const present = inputs.filter((_, i) => node.inputs[i] !== '');
    const shape = broadcastOnnx(node, present.map((t) => t?.shape));
    return [typed(fixedDType ?? inputs[dtypeFrom]?.dtype, shape)];
  };
}

/** A bool tensor shaped like input 0. */
const boolLikeInput: ShapeFn = ({ inputs }) => [typed('bool', inputs[0]?.shape ? [...inputs[0].shape] : undefined)];

const ARITHMETIC = ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Mod', 'Max', 'Min', 'Sum', 'Mean', 'BitShift'];
const COMPARISON_AND_LOGIC = ['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor'];
const UNARY = [
  'Sqrt', 'Exp', 'Log', 'Abs', 'Neg', 'Reciprocal', 'Erf', 'Floor', 'Ceil', 'Sign',
  'Sin', 'Cos', 'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Atanh', 'Asinh', 'Acosh', 'Round',
];

export const elementwiseShapes: ShapeTable = {
  ...Object.fromEntries(ARITHMETIC.map((op) => [op, broadcasting()])),
  ...Object.fromEntries(COMPARISON_AND_LOGIC.map((op) => [op, broadcasting('bool')])),
  ...Object.fromEntries(UNARY.map((op) => [op, sameAsFirstInput])),
  Not: boolLikeInput,
  IsNaN: boolLikeInput,
  IsInf: boolLikeInput,
  Where: broadcasting(undefined, 1),
  CastLike: ({ inputs }) => [typed(inputs[1]?.dtype, inputs[0]?.shape ? [...inputs[0].shape] : undefined)],
};
