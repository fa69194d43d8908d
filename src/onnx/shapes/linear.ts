import { attrInt, type OnnxDim } from '../ir.js';
import type { InferredType, ShapeFn, ShapeTable } from './types.js';
import { broadcastOnnxDim, broadcastOnnxShapes } from './window.js';

/** ONNX shape inference for the linear family: Gemm and MatMul. */

function withDtype(t: InferredType | undefined, shape?: OnnxDim[]): InferredType {
  return { ...(t?.dtype ? { dtype: t.dtype } : {}), ...(shape ? { shape } : {}) };
}

/** numpy.matmul output shape over ONNX dims (symbols kept where they agree). */
export function onnxMatmulShape(a: readonly OnnxDim[], b: readonly OnnxDim[]): OnnxDim[] {
  if (a.length === 0 || b.length === 0) throw new Error('MatMul operands must have rank >= 1');
  const xa = a.length === 1 ? [1, a[0]!] : [...a];
  const xb = b.length === 1 ? [b[0]!, 1] : [...b];
  broadcastOnnxDim(xa[xa.length - 1] ?? null, xb[xb.length - 2] ?? null);
  const out = broadcastOnnxShapes(xa.slice(0, -2), xb.slice(0, -2));
  if (a.length > 1) out.push(xa[xa.length - 2] ?? null);
  if (b.length > 1) out.push(xb[xb.length - 1] ?? null);
  return out;
}

const matmul: ShapeFn = ({ inputs }) => {
  const [a, b] = inputs;
  if (!a?.shape || !b?.shape) return [withDtype(a)];
  return [withDtype(a, onnxMatmulShape(a.shape, b.shape))];
};

const gemm: ShapeFn = ({ inputs, node }) => {
  const [a, b] = inputs;
  if (!a?.shape || !b?.shape) return [withDtype(a)];
  if (a.shape.length !== 2 || b.shape.length !== 2) throw new Error('Gemm operands must be 2-D');
  const m = attrInt(node, 'transA', 0) ? a.shape[1] : a.shape[0];
  const n = attrInt(node, 'transB', 0) ? b.shape[0] : b.shape[1];
  return [withDtype(a, [m ?? null, n ?? null])];
};

export const linearShapes: ShapeTable = { Gemm: gemm, MatMul: matmul };
